"""A joint application (共同申请): the other parties an item declares (a transfer's seller) are
another person than the applicant, their ID numbers checked, every party named on the written
notices; an item's own words for its decision (准予登记 / 不予登记); amounts written as money."""
import re

import pytest
from sqlalchemy import func, select

from engine import catalogue, corrections, decisions, intake, parties, portal
from engine.errors import Invalid
from engine.store import session_scope
from engine.store.models import Applicant, Case, Material
from tests.procedures import install, open_tasks, take_in, uploads, work
from tests.test_real_estate import BUYER, FLAT, ITEM
from tests.web import element, history_row, in_chinese, signed_in

SAME = {**FLAT, "seller": {"name": "李四", "id_number": " 110101198001011128 "}}  # the buyer's own number
SAME_SAID = "卖方的证件号码与申请人的相同：卖方须为申请人以外的另一方，请核对证件号码（网上申请的，登录者即为申请人）"


@pytest.fixture
def people(org):
    return install(org)


@pytest.fixture
def app(org):
    from web import create_app
    return create_app({"TESTING": True, "WTF_CSRF_ENABLED": False})


def _stored() -> tuple[int, int, int]:
    with session_scope() as session:
        return tuple(session.scalar(select(func.count()).select_from(model)) for model in (Case, Applicant, Material))


def _posted(form: dict, prefix: str = "") -> dict:
    """The form's data as the pages post it: dotted names, a ticked box "on"."""
    posted = {}
    for key, value in form.items():
        if isinstance(value, dict):
            posted.update(_posted(value, f"{prefix}{key}."))
        elif value is not False:
            posted[f"{prefix}{key}"] = "on" if value is True else str(value)
    return posted


# --- 1. the seller is another person -------------------------------------------------------------

def test_a_seller_with_the_buyers_id_number_is_refused_at_the_window_and_nothing_is_stored(people, app):
    with pytest.raises(Invalid) as refused:
        intake.submit(ITEM, BUYER, uploads(ITEM), people["clerk"], form=SAME)
    assert in_chinese(refused.value.message) == SAME_SAID
    assert [d["field"] for d in refused.value.details] == ["seller/id_number"]
    assert _stored() == (0, 0, 0)
    # The window's form says whose side the applicant is on; its page says what is wrong in Chinese,
    # at the seller's number.
    assert "<h2>申请人（买方）</h2>" in signed_in(app, "clerk").get(f"/intake/new/{ITEM}").text
    page = signed_in(app, "clerk").post(f"/intake/new/{ITEM}", data={
        "kind": "person", "id_type": "id_card", **BUYER, **_posted(SAME)})
    assert page.status_code == 422 and SAME_SAID in page.text
    assert element(page.text, "f-seller.id_number-error-1") == (
        f'<p id="f-seller.id_number-error-1" class="field-error">{SAME_SAID}</p>')
    assert _stored() == (0, 0, 0)


def test_online_whoever_is_signed_in_is_the_buyer_and_cannot_name_themself_the_seller(people, app):
    portal.register(**BUYER, id_type="id_card", password="lisi-pass")
    applicant = app.test_client()
    applicant.post("/portal/login", data={"identifier": BUYER["phone"], "password": "lisi-pass"})
    form = applicant.get(f"/portal/items/{ITEM}/apply").text
    assert element(form, "joint-applicant") == (
        '<p class="flash warning" id="joint-applicant">本事项由各方共同申请：登录的您（李四）即为申请人（买方）；'
        '卖方的姓名和证件号码请在下方“申请内容”中填写，不能填写您本人的。您若是卖方，请勿以本账户申请，应由申请人登录申请。</p>')
    before = _stored()
    refused = applicant.post(f"/portal/items/{ITEM}/apply", data=_posted(SAME))
    assert refused.status_code == 422 and SAME_SAID in refused.text
    assert _stored() == before
    # Another item, applied for alone, says nothing of parties.
    assert 'id="joint-applicant"' not in applicant.get("/portal/items/1104-NRES-004/apply").text


def test_the_api_refuses_a_seller_who_is_the_applicant(people, app):
    from tests.test_api import auth
    res = app.test_client().post("/api/cases", headers=auth("clerk"), json={"item": ITEM, "applicant": BUYER,
                                                                            "form": SAME})
    assert res.status_code == 422
    # The role reads in the message's language: English in the API, Chinese on the pages (SAME_SAID).
    assert res.json["error"]["message"].startswith("The seller's ID number is the applicant's own: the seller is "
                                                   "another party than the applicant")
    assert all(in_chinese(english) == chinese for chinese, english in parties.ROLES.items())
    assert [d["field"] for d in res.json["error"]["details"]] == ["seller/id_number"]
    assert _stored() == (0, 0, 0)


@pytest.mark.parametrize("id_type, number, accepted", [
    (None, "110101197005051234", False),              # a resident ID whose check digit is wrong
    ("id_card", "11010119700505123", False),          # 17 characters
    ("id_card", "110101197005051237", True),
    (None, "11010120000101007x", True),               # the check X written small: stored upper case
    ("uscc", "91110000MA01ABCD2Q", True),             # a company sells: its unified social credit code
    ("uscc", "91110000MA01ABCD2R", False),
    ("other", "E12345678", True),                     # a passport
    ("other", "护照", False),
])
def test_the_sellers_number_is_checked_by_its_type(people, id_type, number, accepted):
    seller = {"name": "卖方某", "id_number": number, **({"id_type": id_type} if id_type else {})}
    form = {**FLAT, "seller": seller}
    if not accepted:
        with pytest.raises(Invalid) as refused:
            intake.submit(ITEM, BUYER, [], people["clerk"], form=form)
        assert [d["field"] for d in refused.value.details] == ["seller/id_number"]
        assert _stored() == (0, 0, 0)
        return
    case = intake.submit(ITEM, BUYER, [], people["clerk"], form=form)
    assert intake.describe(case.id)["form"]["seller"]["id_number"] == number.upper()


def test_an_items_parties_must_be_fields_of_its_form(people):
    item = catalogue.get(ITEM).data
    with pytest.raises(Invalid, match="no object field 'buyer'"):
        catalogue.validate({**item, "parties": {"others": [{"field": "buyer", "role": "买方"}]}})
    with pytest.raises(Invalid, match="needs a field and a role"):
        catalogue.validate({**item, "parties": {"others": [{"field": "seller"}]}})
    with pytest.raises(Invalid, match="decision_words"):
        catalogue.validate({**item, "decision_words": {"approve": "准予登记"}})


# --- 2. every notice names both parties -------------------------------------------------------------

ADDRESSED = '<p id="addressee">买方 李四、卖方 王五：</p>'
SELLER_ROW = '<tr class="party"><th>卖方</th><td>王五（证件号码 110101197005051237）</td></tr>'


def _printed(app, notice_id) -> str:
    return signed_in(app, "clerk").get(f"/intake/notices/{notice_id}").text


def test_acceptance_correction_and_refusal_are_addressed_to_buyer_and_seller(people, app):
    submitted = intake.submit(ITEM, BUYER, uploads(ITEM, skip=("marital_status",)), people["clerk"], form=FLAT)
    corrections.request_correction(submitted.id, [{"code": "marital_status", "reason": "未提交"}], people["clerk"])
    refused = intake.submit(ITEM, BUYER, uploads(ITEM), people["clerk"], form=FLAT)
    intake.refuse(refused.id, "不属于本机关职权范围", people["clerk"])
    accepted = take_in(ITEM, FLAT, people["clerk"], applicant=BUYER)
    notices = [n for case in (submitted, refused, accepted) for n in intake.describe(case.id)["notices"]]
    assert [n["kind"] for n in notices] == ["correction", "refusal", "acceptance"]
    for notice in notices:
        printed = _printed(app, notice["id"])
        assert ADDRESSED in printed and SELLER_ROW in printed, notice["kind"]
        assert "<th>申请人（买方）</th>" in printed
        assert notice["data"]["parties"] == [{"role": "卖方", "name": "王五", "id_number": "110101197005051237"}]


def test_another_items_notice_is_addressed_to_its_applicant_alone(people, app):
    case = take_in("1105-NRES-005", {}, people["clerk"])
    [accepted] = intake.describe(case.id)["notices"]
    printed = _printed(app, accepted["id"])
    assert '<p id="addressee">某某科技有限公司：</p>' in printed and 'class="party"' not in printed
    assert "parties" not in accepted["data"]


# --- 3. a registration is 准予登记 / 不予登记 --------------------------------------------------------

def _refused_transfer(people):
    case = take_in(ITEM, FLAT, people["clerk"], applicant=BUYER)
    tasks = open_tasks(case.instance_id)
    work(tasks["transaction_check@housing"], people["reviewer"], {"transaction_result": "ok"})
    work(tasks["registration_check@realestate"], people["r_realestate"],
         {"sealed": True, "objection": False, "mortgage": "none"})
    return case


def test_a_refused_registration_is_a_decision_not_to_register_addressed_to_both(people, app):
    case = _refused_transfer(people)
    described = intake.describe(case.id)
    assert described["decision_words"] == {"approve": "准予登记", "reject": "不予登记", "refusal_notice": "不予登记决定书",
                                           "approve_en": "Registration granted", "reject_en": "Registration refused",
                                           "refusal_notice_en": "Decision refusing registration"}
    [refusal] = [n for n in described["notices"] if n["kind"] == "non_approval"]
    printed = _printed(app, refusal["id"])
    assert "<h1>不予登记决定书</h1>" in printed and "不予办理" not in printed
    assert "经审查，决定不予登记。理由如下：" in printed
    assert ADDRESSED in printed and SELLER_ROW in printed
    window = signed_in(app, "clerk").get(f"/intake/cases/{case.id}").text
    assert "<dt>决定</dt><dd>不予登记</dd>" in window and "不予登记决定书</a>" in window
    assert "不予办理" not in window  # nor in its history
    decisions.deliver(case.id, "window", people["clerk"])
    receipt = intake.describe(case.id)["notices"][-1]
    signed = _printed(app, receipt["id"])
    assert re.search(r'id="decision">不予登记</td>', signed) and "<td>不予登记决定书</td>" in signed
    assert SELLER_ROW in signed  # the 签收单 names both parties too
    portal.register(**BUYER, id_type="id_card", password="lisi-pass", case_number=case.number)
    applicant = app.test_client()
    applicant.post("/portal/login", data={"identifier": BUYER["phone"], "password": "lisi-pass"})
    page = applicant.get(f"/portal/cases/{case.number}").text
    assert re.search(r'id="decision">不予登记<', page) and "不予登记决定书</a>" in page
    assert "作出审批决定" in page and "不予办理" not in page


def test_a_granted_registration_reads_as_registered_on_the_pages_and_the_receipt(people, app):
    case = take_in(ITEM, FLAT, people["clerk"], applicant=BUYER)
    tasks = open_tasks(case.instance_id)
    work(tasks["transaction_check@housing"], people["reviewer"], {"transaction_result": "ok"})
    work(tasks["registration_check@realestate"], people["r_realestate"],
         {"sealed": False, "objection": False, "mortgage": "none"})
    work(open_tasks(case.instance_id)["tax_assessment@tax"], people["taxman"], {"assessed_price": 2_000_000})
    work(open_tasks(case.instance_id)["tax_payment@tax"], people["taxman"], {"tax_paid": True, "receipt_no": "T1"})
    work(open_tasks(case.instance_id)["registration_fee@realestate"], people["r_realestate"],
         {"fee_paid": True, "fee_receipt_no": "F1"})
    work(open_tasks(case.instance_id)["register@realestate"], people["r_realestate"],
         {"certificate_no": "京(2026)不动产权第0000002号"})
    assert "<dt>决定</dt><dd>准予登记</dd>" in signed_in(app, "clerk").get(f"/intake/cases/{case.id}").text
    decisions.deliver(case.id, "window", people["clerk"])
    receipt = intake.describe(case.id)["notices"][-1]
    signed = _printed(app, receipt["id"])
    assert re.search(r'id="decision">准予登记</td>', signed) and SELLER_ROW in signed


def test_an_item_without_its_own_words_keeps_the_generic_ones(people, app):
    case = take_in("1104-NRES-004", {}, people["clerk"], applicant=BUYER,
                   outcome=intake.Outcome("reject", "查询人无权查询该登记资料"))
    assert intake.describe(case.id)["decision_words"] == {}
    window = signed_in(app, "clerk").get(f"/intake/cases/{case.id}").text
    assert "<dt>决定</dt><dd>不予办理</dd>" in window
    [refusal] = [n for n in intake.describe(case.id)["notices"] if n["kind"] == "non_approval"]
    assert "<h1>不予办理决定书</h1>" in _printed(app, refusal["id"])


def test_english_pages_say_the_items_english_words_or_else_the_generic_english_ones(people, app):
    case = _refused_transfer(people)
    [refusal] = [n for n in intake.describe(case.id)["notices"] if n["kind"] == "non_approval"]
    clerk = signed_in(app, "clerk")
    window = clerk.get(f"/intake/cases/{case.id}", query_string={"lang": "en"}).text
    assert "<dt>Decision</dt><dd>Registration refused</dd>" in window and "Decision refusing registration</a>" in window
    assert "Registration refused" in history_row(window, "case_decided") and "不予登记决定书" not in window
    printed = clerk.get(f"/intake/notices/{refusal['id']}").text  # the session stays in English
    assert "<h1>Decision refusing registration</h1>" in printed and "we have decided: Registration refused." in printed
    # An item that names its decision in Chinese only: English pages say the generic English words.
    query = catalogue.get("1104-NRES-004").data
    catalogue.save({**query, "decision_words": {"refuse": "不予查询"}}, people["admin"])
    case = take_in("1104-NRES-004", {}, people["clerk"], applicant=BUYER,
                   outcome=intake.Outcome("reject", "查询人无权查询该登记资料"))
    window = clerk.get(f"/intake/cases/{case.id}").text
    assert "<dt>Decision</dt><dd>Not granted</dd>" in window and "Decision not to grant</a>" in window
    assert "不予查询" not in window and "Not granted" in history_row(window, "case_decided")
    assert "<dd>不予查询</dd>" in clerk.get(f"/intake/cases/{case.id}", query_string={"lang": "zh"}).text
    with pytest.raises(Invalid, match="decision_words"):  # an English word of no decision, or too long
        catalogue.validate({**query, "decision_words": {"deny_en": "Refused"}})
    with pytest.raises(Invalid, match="decision_words"):
        catalogue.validate({**query, "decision_words": {"refuse_en": "x" * (catalogue.MAX_ENGLISH_WORDS + 1)}})


# --- 4. amounts of money ------------------------------------------------------------------------

def test_amounts_are_written_with_thousands_and_two_decimals(people, app):
    from web.inbox.forms import money
    assert [money(v) for v in (2_000_000, 80, 0.5, 1234567.891, "两百万", None)] == [
        "2,000,000.00", "80.00", "0.50", "1,234,567.89", "两百万", ""]
    case = take_in(ITEM, FLAT, people["clerk"], applicant=BUYER)
    window = signed_in(app, "clerk").get(f"/intake/cases/{case.id}").text
    assert "<dt>房屋与交易信息 · 成交价格（元）</dt><dd>2,000,000.00</dd>" in window
    # not an amount: the area stays as given
    assert "<dt>房屋与交易信息 · 建筑面积（平方米）</dt><dd>90</dd>" in window
    task = open_tasks(case.instance_id)["transaction_check@housing"]
    staff = signed_in(app, "reviewer").get(f"/inbox/tasks/{task.id}").text
    assert "<dt>房屋与交易信息 · 成交价格（元）</dt><dd>2,000,000.00</dd>" in staff
    portal.register(**BUYER, id_type="id_card", password="lisi-pass", case_number=case.number)
    applicant = app.test_client()
    applicant.post("/portal/login", data={"identifier": BUYER["phone"], "password": "lisi-pass"})
    assert "<dt>房屋与交易信息 · 成交价格（元）</dt><dd>2,000,000.00</dd>" in applicant.get(
        f"/portal/cases/{case.number}").text
    assert "住宅登记费（买方缴纳，含第一本证书工本费）：80.00 元/件" in applicant.get(f"/portal/items/{ITEM}").text


def test_in_english_the_parties_and_the_online_form_are_punctuated_in_english(people, app):
    """The smoke walkthrough: English pages glued Chinese brackets and colons to English words
    (Applicant（买方）, Apply online：…)."""
    portal.register(**BUYER, id_type="id_card", password="lisi-pass")
    accepted = take_in(ITEM, FLAT, people["clerk"], applicant=BUYER)
    [notice] = intake.describe(accepted.id)["notices"]
    clerk = signed_in(app, "clerk")
    printed = clerk.get(f"/intake/notices/{notice['id']}?lang=en").text
    assert "<th>Applicant (buyer)</th>" in printed and "王五 (ID number 110101197005051237)" in printed
    assert '<tr class="party"><th>seller</th>' in printed and '<p id="addressee">buyer 李四, seller 王五: </p>' in printed
    assert "<h2>Applicant (buyer)</h2>" in clerk.get(f"/intake/new/{ITEM}").text
    assert "<th>申请人（买方）</th>" in clerk.get(f"/intake/notices/{notice['id']}?lang=zh").text
    applicant = app.test_client()
    applicant.post("/portal/login", data={"identifier": BUYER["phone"], "password": "lisi-pass"})
    form = applicant.get(f"/portal/items/{ITEM}/apply?lang=en").text
    assert "<h1>Apply online: " in form and "Applicant: 李四 (110101198001011128)" in form
    assert "are the applicant (buyer); enter the seller's name" in element(form, "joint-applicant")
