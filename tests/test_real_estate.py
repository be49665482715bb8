"""不动产登记一窗受理: one intake; the transaction and registration checks in parallel; the tax
once they found no ground to refuse; registration after the tax is paid (先税后证)."""
import re
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select

from engine import catalogue, decisions, intake, operations
from engine.clock import limits, procedures
from engine.errors import Conflict, Invalid
from engine.services import calendars, progress
from engine import clock
from tests.procedures import event_types, install, open_tasks, step_clocks, take_in, work
from engine.store import session_scope
from engine.store.models import SpecialProcedure, Task

ITEM = "1103-NRES-003"
# A joint application (共同申请): the buyer applies and follows the case; the seller is named in the form.
FLAT = {"seller": {"name": "王五", "id_number": "110101197005051237"},
        "property": {"location": "城关镇幸福路8号3栋2单元501室", "title_no": "某(2020)某县不动产权第0000100号",
                     "contract_no": "WQ2026-000123", "type": "housing", "area_m2": 90, "holding_years": 6,
                     "seller_only_home": True, "buyer_home_count": 0, "price": 2_000_000}}
BUYER = {"name": "李四", "id_number": "110101198001011128", "phone": "13700000001"}


@pytest.mark.parametrize("property_type, years, only_home, income_tax", [
    ("housing", 6, True, False),      # 满五唯一: a family's only home held five years is exempt
    ("housing", 6, False, True),
    ("housing", 3, True, True),
    ("non_housing", 6, True, True),   # the exemption is for homes only
    ("non_housing", 3, False, True),
])
def test_the_tax_rules_exempt_only_a_familys_only_home_held_five_years(people, property_type, years, only_home,
                                                                      income_tax):
    from engine.rules import decide
    lines = decide("transfer_taxes", propertyType=property_type, holdingYears=years, sellerOnlyHome=only_home,
                   buyerHomeCount=0, areaM2=90)
    assert [line["tax"] for line in lines].count("income_tax") == int(income_tax)


@pytest.fixture
def people(org):
    return install(org)


def test_transfer_checks_in_parallel_then_taxes_then_registers_after_tax(people):
    case = take_in(ITEM, FLAT, people["clerk"], applicant=BUYER)
    assert case.status == "accepted"
    tasks = open_tasks(case.instance_id)
    assert set(tasks) == {"transaction_check@housing", "registration_check@realestate"}
    # Each step has its own promised limit: a step clock per department task.
    clocks = step_clocks(case.instance_id)
    assert {(c.department, c.promised_days) for c in clocks} == {("housing", 1), ("realestate", 2)}
    today = clock.today()
    assert {c.department: c.promised_due for c in clocks}["realestate"] == \
        calendars.current().add_workdays(today, 2).date

    described = intake.describe(case.id)
    case_clock = next(c for c in described["clocks"] if c["task_id"] is None)
    assert case_clock["promised_days"] == 5 and case_clock["statutory_days"] == 30

    # The taxes came from the rules: a first home of 90 m2, held over five years, only home: deed tax 1%.
    work(tasks["transaction_check@housing"], people["reviewer"], {"transaction_result": "ok"})
    work(tasks["registration_check@realestate"], people["r_realestate"],
         {"sealed": False, "objection": False, "mortgage": "none"})
    # No ground to refuse: the tax bureau assesses, on the price it assessed (核定计税价格), not the
    # one declared; nothing is due before.
    assert set(open_tasks(case.instance_id)) == {"tax_assessment@tax"}
    assert "payment" not in [n["kind"] for n in intake.describe(case.id)["notices"]]
    # The assessor sees which taxes the rules found before assessing the price they are charged on.
    assert open_tasks(case.instance_id)["tax_assessment@tax"].title == "计税核定（契税）"
    work(open_tasks(case.instance_id)["tax_assessment@tax"], people["taxman"], {"assessed_price": 2_200_000})
    # Registration waits for the tax: nothing to register yet.
    assert set(open_tasks(case.instance_id)) == {"tax_payment@tax"}
    payment = open_tasks(case.instance_id)["tax_payment@tax"]
    # The applicant is told what to pay, by the tax bureau (缴款通知书).
    [told] = [n for n in intake.describe(case.id)["notices"] if n["kind"] == "payment"]
    assert told["data"]["lines"] == [{"name": "契税", "amount": 22000.0, "payer": "李四", "payer_role": "买方"}]
    assert told["data"]["total"] == 22000.0
    assert told["data"]["department"] == "tax"
    assert progress.task_detail(payment.id, people["taxman"])["deadline"] == told["data"]["due_on"]  # the notice's
    with pytest.raises(Invalid, match="result document"):  # a step cannot close without it
        work(payment, people["taxman"], {"tax_paid": True, "receipt_no": "T1"}, document=False)
    assert set(open_tasks(case.instance_id)) == {"tax_payment@tax"}
    with pytest.raises(Invalid) as unpaid:  # not paid yet: the step waits, it does not refuse the case
        work(payment, people["taxman"], {"tax_paid": False, "receipt_no": ""})
    assert {d["field"] for d in unpaid.value.details} == {"tax_paid", "receipt_no"}
    assert set(open_tasks(case.instance_id)) == {"tax_payment@tax"}
    work(payment, people["taxman"], {"tax_paid": True, "receipt_no": "T1"})
    # Tax paid, the buyer (the holder to be) pays the registration fee to the registration centre,
    # before 登簿: the guide's 80 元 for a home is asked for, and the case clock waits again.
    fee = open_tasks(case.instance_id)["registration_fee@realestate"]
    [_, fee_notice] = [n for n in intake.describe(case.id)["notices"] if n["kind"] == "payment"]
    assert fee_notice["data"]["lines"] == [{"name": "住宅登记费", "amount": 80.0, "payer": "李四", "payer_role": "买方"}]
    assert fee_notice["data"]["department"] == "realestate" and fee_notice["data"]["step"] == "缴纳登记费"
    with session_scope() as session:
        waiting = limits.case_clock(session, case.instance_id)
        assert waiting.state == "paused" and procedures.running_procedure(session, waiting).kind == "payment"
    work(fee, people["r_realestate"], {"fee_paid": True, "fee_receipt_no": "F1"}, document=False)
    register = open_tasks(case.instance_id)["register@realestate"]
    # The registrar reads what the earlier steps recorded, labelled by their forms.
    from web import create_app
    from tests.web import signed_in
    app = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False})
    printed = signed_in(app, "clerk").get(f"/intake/notices/{told['id']}").text
    assert "缴款通知书" in printed and re.search(r'id="payment-total">22,000.00<', printed)
    assert "<th>承办部门</th><td>tax</td>" in printed  # the tax bureau issues it, not the item's department
    registrar = app.test_client()
    registrar.post("/login", data={"login": "r_realestate", "password": "pass-r_realestate"})
    page = registrar.get(f"/inbox/tasks/{register.id}").text
    done = re.search(r'id="steps-done">.*?</section>', page, re.S).group(0)
    assert re.search(r"<dt>核定计税价格（元）</dt><dd>2,200,000.00</dd>", done)  # an amount, as money is written
    assert re.search(r"<dt>完税凭证号</dt><dd>T1</dd>", done)
    result = work(register, people["r_realestate"], {"certificate_no": "京(2026)不动产权第0000001号"})
    window = signed_in(app, "clerk").get(f"/intake/cases/{case.id}").text
    assert "京(2026)不动产权第0000001号" in re.search(r'id="steps-done">.*?</section>', window, re.S).group(0)
    assert result["state"] == "completed"
    # 契税 is on the price without VAT, but an only home held over five years owes none: 2,200,000 × 1%.
    assert result["data"]["taxes"] == [{"tax": "deed_tax", "name": "契税", "rate": 0.01, "taxpayer": "buyer",
                                        "base": "price_without_vat", "amount": 22000.0, "payer": "李四",
                                        "payer_role": "买方"}]
    assert result["data"]["tax_total"] == 22000.0

    decided = intake.describe(case.id)
    assert decided["status"] == "decided" and decided["decision"] == "approve"
    # Sealed: the registration centre's certificate, not the tax receipt or a working paper.
    assert [(r["name"], r["issued_by"]) for r in decided["results"] if r["seal_code"]] == [
        ("不动产权证书（电子证照）", "realestate")]
    # The applicant reads the certificate's number with the decision, whose it is and of what.
    assert decided["statement"] == ("已登簿，不动产权证书号：京(2026)不动产权第0000001号，权利人：李四，"
                                    "坐落：城关镇幸福路8号3栋2单元501室")
    # Every step clock stopped; result documents are materials of the case, issued by their department.
    assert all(c.state == "stopped" for c in step_clocks(case.instance_id))
    decisions.deliver(case.id, "express", people["clerk"], tracking="SF1234567890")
    delivered = intake.describe(case.id)
    assert delivered["status"] == "delivered" and delivered["delivery"]["tracking"] == "SF1234567890"
    receipt = delivered["notices"][-1]  # what was handed over names the certificate
    assert receipt["kind"] == "receipt" and "京(2026)不动产权第0000001号" in receipt["data"]["statement"]
    assert delivered["delivery"]["on_time"] is True
    types = event_types(case.instance_id)
    assert types.count("document_attached") == 5 and "case_decided" in types and "case_delivered" in types



def test_the_payment_notice_says_which_party_pays_which_tax(people):
    """增值税 and 个人所得税 are the seller's, 契税 the buyer's: the buyer, who applies and follows the
    case, is not told to pay the seller's taxes, and the notice says its time is not counted."""
    from engine import portal
    from web import create_app
    from tests.web import signed_in
    held_one_year = {**FLAT, "property": {**FLAT["property"], "holding_years": 1, "seller_only_home": False}}
    case = take_in(ITEM, held_one_year, people["clerk"], applicant=BUYER)
    _checks_pass(case, people)
    assert open_tasks(case.instance_id)["tax_assessment@tax"].title == "计税核定（增值税、个人所得税、契税）"
    work(open_tasks(case.instance_id)["tax_assessment@tax"], people["taxman"], {"assessed_price": 2_000_000})
    [told] = [n for n in intake.describe(case.id)["notices"] if n["kind"] == "payment"]
    # Held one year: VAT on the whole price, which includes it: 2,000,000 ÷ 1.05 × 5% = 95,238.095...
    # = 95,238.10 (not 5% of the price, 100,000); the others on the price without it (财税〔2016〕43号),
    # 2,000,000 - 95,238.10 = 1,904,761.90: 个人所得税 × 1% = 19,047.619 = 19,047.62; 契税 × 1% = 19,047.62.
    seller, buyer = {"payer": "王五", "payer_role": "卖方"}, {"payer": "李四", "payer_role": "买方"}
    assert told["data"]["lines"] == [{"name": "增值税", "amount": 95238.1, **seller},
                                     {"name": "个人所得税", "amount": 19047.62, **seller},
                                     {"name": "契税", "amount": 19047.62, **buyer}]
    assert told["data"]["total"] == 133333.34  # 95,238.10 + 19,047.62 + 19,047.62
    app = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False})
    printed = signed_in(app, "clerk").get(f"/intake/notices/{told['id']}").text
    rows = re.findall(r"<tr><td>(.*?)</td><td>(.*?)</td><td class=\"amount\">(.*?)</td></tr>", printed)
    assert rows == [("增值税", "卖方 王五", "95,238.10"), ("个人所得税", "卖方 王五", "19,047.62"),
                    ("契税", "买方 李四", "19,047.62")]
    assert "<th>缴纳人</th>" in printed and 'colspan="2">合计' in printed
    assert '<p id="addressee">卖方 王五、买方 李四：</p>' in printed  # handed to both parties
    assert "缴纳期间暂停计时，所用时间不计入办理期限" in printed
    portal.register(**BUYER, id_type="id_card", password="lisi-pass", case_number=case.number)
    applicant = app.test_client()
    applicant.post("/portal/login", data={"identifier": BUYER["phone"], "password": "lisi-pass"})
    due = re.search(r'id="payment-due">.*?</section>', applicant.get(f"/portal/cases/{case.number}").text,
                    re.S).group(0)
    assert "个人所得税（卖方 王五）：19,047.62 元" in due and "契税（买方 李四）：19,047.62 元" in due
    assert "不计入办理期限" in due


def test_whoever_confirms_a_payment_sees_what_was_asked_of_whom(people):
    """完税确认 and 缴纳登记费 close against a receipt: the step's page shows the notice's lines, who
    pays each and the total, and what the step is for; not once the step is closed."""
    from engine.services import tasks as task_service
    from web import create_app
    from tests.web import signed_in
    case = take_in(ITEM, FLAT, people["clerk"], applicant=BUYER)
    payment = _through_to_payment(case, people)["tax_payment@tax"]
    task_service.claim(payment.id, people["taxman"])
    app = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False})
    page = signed_in(app, "taxman").get(f"/inbox/tasks/{payment.id}").text
    asked = re.search(r'id="payment-asked">.*?</div>', page, re.S).group(0)
    assert "契税（买方 李四）：20,000.00 元" in asked and "合计：20,000.00 元" in asked
    assert re.search(r'id="form-help">买卖双方缴清缴款通知书所列税款', page)
    work(payment, people["taxman"], {"tax_paid": True, "receipt_no": "T8"})
    assert 'id="payment-asked"' not in signed_in(app, "taxman").get(f"/inbox/tasks/{payment.id}").text
    fee = open_tasks(case.instance_id)["registration_fee@realestate"]
    task_service.claim(fee.id, people["r_realestate"])
    asked = re.search(r'id="payment-asked">.*?</div>',
                      signed_in(app, "r_realestate").get(f"/inbox/tasks/{fee.id}").text, re.S).group(0)
    assert "住宅登记费（买方 李四）：80.00 元" in asked


def test_a_payment_line_without_a_payer_is_printed_as_before(org):
    """Another procedure's notice, one payer: no 缴纳人 column."""
    from web import create_app
    from tests.web import signed_in
    _paying_procedure(org, "[{'name': '工本费', 'amount': 80}]")
    case = take_in("PAY-1", {}, org["clerk"])
    [told] = [n for n in intake.describe(case.id)["notices"] if n["kind"] == "payment"]
    assert told["data"]["lines"] == [{"name": "工本费", "amount": 80.0}]
    printed = signed_in(create_app({"TESTING": True, "WTF_CSRF_ENABLED": False}), "clerk").get(
        f"/intake/notices/{told['id']}").text
    assert "缴纳人" not in printed and re.search(r"<tr><td>工本费</td><td class=\"amount\">80.00</td></tr>", printed)
    assert re.search(r'<p id="addressee">[^<]+：</p>', printed).group(0) == f'<p id="addressee">{told["data"]["applicant"]}：</p>'


def test_a_payment_line_written_before_the_payers_role_was_kept_apart_is_printed_as_written(org):
    """Cases assessed before: their lines hold the role and the name in one Chinese payer, which
    every page shows as it was written, in either language."""
    from engine.services import tasks as task_service
    from web import create_app
    from tests.web import signed_in
    _paying_procedure(org, "[{'name': '个人所得税', 'amount': 20000, 'payer': '卖方 王五'}, "
                           "{'name': '契税', 'amount': 20000, 'payer': '买方 李四'}]")
    case = take_in("PAY-1", {}, org["clerk"])
    [told] = [n for n in intake.describe(case.id)["notices"] if n["kind"] == "payment"]
    assert [line.get("payer_role") for line in told["data"]["lines"]] == [None, None]
    app = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False})
    [pay] = open_tasks(case.instance_id).values()
    task_service.claim(pay.id, org["reviewer"])
    for lang, comma in [("zh", "、"), ("en", ", ")]:
        printed = signed_in(app, "clerk").get(f"/intake/notices/{told['id']}", query_string={"lang": lang}).text
        assert re.findall(r"<tr><td>(.*?)</td><td>(.*?)</td><td class=\"amount\">", printed) == [
            ("个人所得税", "卖方 王五"), ("契税", "买方 李四")]
        assert re.search(r'<p id="addressee">(.*?)</p>', printed).group(1).startswith(f"卖方 王五{comma}买方 李四")
        asked = re.search(r'id="payment-asked">.*?</ul>', signed_in(app, "reviewer").get(
            f"/inbox/tasks/{pay.id}", query_string={"lang": lang}).text, re.S).group(0)
        assert "契税（买方 李四）" in asked if lang == "zh" else "契税 (买方 李四)" in asked


def test_the_application_names_the_seller_and_the_property(people):
    """One form for the three departments: the seller (the other party), where the property is, its
    certificate and the contract; the buyer is the applicant."""
    from tests.procedures import uploads
    bare = {"property": {k: v for k, v in FLAT["property"].items()
                         if k not in ("location", "title_no", "contract_no")}}
    with pytest.raises(Invalid) as refused:
        intake.submit(ITEM, BUYER, uploads(ITEM), people["clerk"], form=bare)
    missing = {d["field"] for d in refused.value.details if d["rule"] == "required"}  # each by its own path
    assert missing == {"seller", "property/location", "property/title_no", "property/contract_no"}


def _checks_pass(case, people):
    tasks = open_tasks(case.instance_id)
    work(tasks["transaction_check@housing"], people["reviewer"], {"transaction_result": "ok"})
    work(tasks["registration_check@realestate"], people["r_realestate"],
         {"sealed": False, "objection": False, "mortgage": "none"})


def _through_to_payment(case, people):
    """Both checks pass and the tax bureau assesses: the applicant is asked to pay."""
    _checks_pass(case, people)
    work(open_tasks(case.instance_id)["tax_assessment@tax"], people["taxman"], {"assessed_price": 2_000_000})
    return open_tasks(case.instance_id)


def test_the_window_is_told_when_the_payment_date_passes_unpaid(people):
    from datetime import date, timedelta
    from engine import timers
    from engine.store.models import Notification
    case = take_in(ITEM, FLAT, people["clerk"], applicant=BUYER)
    _through_to_payment(case, people)
    [notice] = [n for n in intake.describe(case.id)["notices"] if n["kind"] == "payment"]
    timers.tick(now=clock.end_of(date.fromisoformat(notice["data"]["due_on"])) + timedelta(hours=9))
    with session_scope() as session:
        told = session.scalars(select(Notification.text).where(Notification.user_id == people["clerk"].id)).all()
    assert [t for t in told if "逾期未缴纳" in t and notice["data"]["due_on"] in t and case.number in t]


def test_the_tax_bureau_sends_the_payment_back_to_its_assessment(people):
    case = take_in(ITEM, FLAT, people["clerk"], applicant=BUYER)
    payment = _through_to_payment(case, people)["tax_payment@tax"]
    operations.comment(payment.id, people["taxman"], "核定价格偏低，退回重新核定")
    with pytest.raises(Invalid, match="window"):  # 完税确认 has no correction opinion
        operations.send_back(payment.id, people["taxman"], to="window", reason="x")
    operations.send_back(payment.id, people["taxman"], to="previous", reason="计税价格需重新核定")
    after = open_tasks(case.instance_id)
    # Back at the assessment, with the person who did it; the finished checks stay finished.
    assert set(after) == {"tax_assessment@tax"}
    assert after["tax_assessment@tax"].assignee_id == people["taxman"].id
    work(after["tax_assessment@tax"], people["taxman"], {"assessed_price": 2_100_000}, document=False)
    # Assessed again, the applicant is told the new amount in a new notice.
    totals = [n["data"]["total"] for n in intake.describe(case.id)["notices"] if n["kind"] == "payment"]
    assert totals == [20000.0, 21000.0]
    work(open_tasks(case.instance_id)["tax_payment@tax"], people["taxman"], {"tax_paid": True, "receipt_no": "T2"})
    assert set(open_tasks(case.instance_id)) == {"registration_fee@realestate"}
    types = event_types(case.instance_id)
    assert {"comment", "task_returned", "task_reopened"} <= set(types)


def test_withdraw_before_the_next_step_starts_but_not_after(people):
    case = take_in(ITEM, FLAT, people["clerk"], applicant=BUYER)
    _checks_pass(case, people)
    assessment = open_tasks(case.instance_id)["tax_assessment@tax"]
    work(assessment, people["taxman"], {"assessed_price": 2_000_000})
    assert operations.withdrawable(assessment.id, people["taxman"])
    assert not operations.withdrawable(assessment.id, people["reviewer"])
    operations.withdraw(assessment.id, people["taxman"])
    assert "tax_payment@tax" not in open_tasks(case.instance_id)
    reopened = open_tasks(case.instance_id)["tax_assessment@tax"]
    assert reopened.id == assessment.id and reopened.assignee_id == people["taxman"].id

    work(reopened, people["taxman"], {"assessed_price": 2_000_000})
    payment = open_tasks(case.instance_id)["tax_payment@tax"]
    from engine.services import tasks as task_service
    task_service.claim(payment.id, people["taxman"])  # the next step has started
    assert not operations.withdrawable(assessment.id, people["taxman"])
    with pytest.raises(Conflict, match="started"):
        operations.withdraw(assessment.id, people["taxman"])


def test_transfer_urge_and_copy(people):
    case = take_in(ITEM, FLAT, people["clerk"], applicant=BUYER)
    check = open_tasks(case.instance_id)["transaction_check@housing"]
    from engine.errors import Forbidden
    from engine.services import cases as case_service
    with pytest.raises(Forbidden):  # another department's task
        operations.transfer(check.id, people["taxman"], to_group="tax", reason="x")
    moved = operations.transfer(check.id, people["reviewer"], to_user="reviewer2", reason="承办人出差")
    assert moved["assignee"] == "reviewer2" and moved["group"] == "housing"
    assert operations.urge(check.id, people["clerk"], "申请人催问进度") == 1
    with pytest.raises(Conflict, match="less than 2 hours ago"):  # told once; again later, not at once
        operations.urge(check.id, people["clerk"], "申请人再次催问")
    with pytest.raises(Invalid, match="At most 500"):
        operations.transfer(check.id, people["reviewer2"], to_user="reviewer", reason="理" * 501)
    with pytest.raises(Forbidden):
        operations.urge(check.id, people["reviewer"], "x")
    with pytest.raises(Forbidden):
        case_service.get_instance(case.instance_id, people["lead"])
    with pytest.raises(Forbidden):  # a lead of a department not on the case
        operations.urge(check.id, people["lead"], "x")
    operations.copy_to(check.id, people["reviewer2"], ["lead"], "请知悉")
    assert case_service.get_instance(case.instance_id, people["lead"])["id"] == case.instance_id
    types = event_types(case.instance_id)
    assert {"task_transferred", "task_urged", "task_copied"} <= set(types)


def test_a_seal_and_an_objection_found_at_registration_check_refuse_registration_on_both_grounds(people):
    case = take_in(ITEM, FLAT, people["clerk"], applicant=BUYER)
    tasks = open_tasks(case.instance_id)
    work(tasks["transaction_check@housing"], people["reviewer"], {"transaction_result": "ok"})
    work(tasks["registration_check@realestate"], people["r_realestate"],
         {"sealed": True, "objection": True, "mortgage": "none"})
    described = intake.describe(case.id)
    assert described["status"] == "decided" and described["decision"] == "reject"
    # Every ground, not the first found, reaches the window and the applicant (Art. 38: the reasons).
    assert described["statement"] == "存在查封登记；存在异议登记。依照《不动产登记暂行条例》第二十二条，不予登记"
    # The written refusal the applicant is handed names the article, as a registration's must.
    [refusal] = [n for n in described["notices"] if n["kind"] == "non_approval"]
    assert "依照《不动产登记暂行条例》第二十二条，不予登记" in refusal["data"]["reason"]
    # Refused at once: no tax is assessed or asked for a registration that will not be made, and
    # no department's working paper is sealed as the decision (the refusal is its written notice).
    assert open_tasks(case.instance_id) == {}
    with session_scope() as session:
        steps = set(session.scalars(select(Task.name).where(Task.instance_id == case.instance_id)))
    assert steps == {"transaction_check", "registration_check"}
    assert "payment" not in [n["kind"] for n in described["notices"]]
    assert described["results"] and all(r["seal_code"] is None for r in described["results"])


def test_an_incomplete_application_form_is_refused_and_nothing_stored(people):
    from sqlalchemy import func, select
    from engine.store import session_scope
    from engine.store.models import Case
    from tests.procedures import uploads
    bad = {**FLAT, "property": {**FLAT["property"], "price": "两百万"}}
    del bad["property"]["area_m2"]
    with pytest.raises(Invalid) as refused:
        intake.submit(ITEM, BUYER, uploads(ITEM), people["clerk"], form=bad)
    fields = {d["field"] for d in refused.value.details}
    assert fields == {"property/area_m2", "property/price"}
    with session_scope() as session:
        assert session.scalar(select(func.count()).select_from(Case)) == 0


def test_a_second_deal_asks_for_the_sellers_id_again_not_the_buyers(people):
    """The seller of a new deal is someone else: that ID is asked again; the buyer, the applicant,
    is not asked for their own ID twice (一次采集、多次复用), nor after a records query that took it."""
    take_in(ITEM, FLAT, people["clerk"], applicant=BUYER)
    second = intake.submit(ITEM, BUYER, [], people["clerk"], form=FLAT)
    states = {m["code"]: m["state"] for m in intake.describe(second.id)["materials"]}
    assert states["seller_id"] == "missing" and states["applicant_id"] == "reused"
    someone = {"name": "赵六", "id_number": "110101199003077774", "phone": "13700000002"}
    take_in("1104-NRES-004", {}, people["clerk"], applicant=someone)  # 不动产登记资料查询
    bought = intake.submit(ITEM, someone, [], people["clerk"], form=FLAT)
    assert {m["code"]: m["state"] for m in intake.describe(bought.id)["materials"]}["applicant_id"] == "reused"


# --- 缴款通知书 in any procedure -------------------------------------------------------------------

def _paying_xml(fees: str, expression: str = "fees") -> bytes:
    """A procedure whose step waits for a payment: `fees` (a script's value) are the lines due."""
    from tests.bpmn_builder import process
    xml = process("paying", [("start", "s", "s"), ("script", "fee", "计费", {"script": f"fees = {fees}"}),
                             ("user", "pay", "缴费确认", {"form": "x.json"}), ("end", "e", "e")],
                  [("s", "fee"), ("fee", "pay"), ("pay", "e")])
    return xml.replace('name="formJsonSchemaFilename" value="x.json"',
                       f'name="paymentNoticeExpression" value="{expression}"').encode()


def _paying_procedure(org, fees: str):
    from engine import catalogue
    from engine.services import deploy
    from tests.procedures import promised_item
    deploy.deploy([("paying.bpmn", _paying_xml(fees))], org["designer"])
    catalogue.save(promised_item("PAY-1", "paying", "housing"), None)


def test_a_step_that_waits_for_payment_tells_the_applicant_what_to_pay(org):
    _paying_procedure(org, "[{'name': '工本费', 'amount': 80}, {'name': '登记费', 'amount': 0.5}]")
    case = take_in("PAY-1", {}, org["clerk"])
    [told] = [n for n in intake.describe(case.id)["notices"] if n["kind"] == "payment"]
    assert told["data"]["lines"] == [{"name": "工本费", "amount": 80.0}, {"name": "登记费", "amount": 0.5}]
    assert told["data"]["total"] == 80.5 and told["data"]["step"] == "缴费确认"


def test_nothing_due_is_no_notice_and_a_malformed_list_is_the_procedures_error(org):
    from engine.errors import EngineFailure
    _paying_procedure(org, "[]")
    case = take_in("PAY-1", {}, org["clerk"])
    assert [n["kind"] for n in intake.describe(case.id)["notices"]] == ["acceptance"]
    _paying_procedure(org, "[{'name': '工本费'}]")  # no amount
    with pytest.raises(EngineFailure, match="paymentNoticeExpression must give a list"):
        take_in("PAY-1", {}, org["clerk"])


def test_a_payment_expression_that_breaks_the_rules_is_refused_at_deploy(org):
    from engine.services import deploy
    with pytest.raises(Invalid) as refused:
        deploy.deploy([("paying.bpmn", _paying_xml("[]", expression="fees.__class__"))], org["designer"])
    assert "paymentNoticeExpression" in str(refused.value.details) and "pay" in str(refused.value.details)


def test_a_withdrawn_transfer_voids_its_payment_notice(people):
    """Withdrawn while waiting for the tax: the applicant is told the tax is no longer due."""
    from engine import termination
    from web import create_app
    from tests.web import signed_in
    case = take_in(ITEM, FLAT, people["clerk"], applicant=BUYER)
    _through_to_payment(case, people)
    [payment] = [n for n in intake.describe(case.id)["notices"] if n["kind"] == "payment"]
    app = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False})
    clerk = signed_in(app, "clerk")
    assert 'id="void"' not in clerk.get(f"/intake/notices/{payment['id']}").text
    verified = {"code": payment["seal_code"]}  # the public page, for whoever holds the printed notice
    assert 'id="void"' not in app.test_client().get("/portal/verify", query_string=verified).text
    ended = termination.withdraw(case.id, "买卖双方解除合同", people["clerk"])
    assert ended.data["voided"] == [payment["number"]]
    assert f"缴款通知书（{payment['number']}）随本办件终止一并作废" in clerk.get(f"/intake/notices/{ended.id}").text
    assert "本通知书作废" in clerk.get(f"/intake/notices/{payment['id']}").text
    assert "已因办件终止而作废" in app.test_client().get("/portal/verify", query_string=verified).text


def test_a_failed_transaction_check_is_explained_and_the_refusal_says_so(people):
    case = take_in(ITEM, FLAT, people["clerk"], applicant=BUYER)
    check = open_tasks(case.instance_id)["transaction_check@housing"]
    with pytest.raises(Invalid) as unexplained:  # 不通过 needs its 说明
        work(check, people["reviewer"], {"transaction_result": "failed"})
    assert [(d["rule"], "transaction_comment" in d["message"]) for d in unexplained.value.details] == [
        ("required", True)]
    work(check, people["reviewer"], {"transaction_result": "failed", "transaction_comment": "网签合同已注销"})
    work(open_tasks(case.instance_id)["registration_check@realestate"], people["r_realestate"],
         {"sealed": False, "objection": False, "mortgage": "none"})
    described = intake.describe(case.id)
    assert described["decision"] == "reject"
    assert described["statement"] == "交易核验未通过（交易核验说明：网签合同已注销）。依照《不动产登记暂行条例》第二十二条，不予登记"


def test_the_applicant_is_asked_to_pay_on_the_case_page_until_the_tax_bureau_confirms(people):
    from engine import portal
    from web import create_app
    case = take_in(ITEM, FLAT, people["clerk"], applicant=BUYER)
    tasks = _through_to_payment(case, people)
    portal.register(**BUYER, id_type="id_card", password="wangwu-pw", case_number=case.number)
    applicant = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False}).test_client()
    applicant.post("/portal/login", data={"identifier": BUYER["phone"], "password": "wangwu-pw"})
    page = applicant.get(f"/portal/cases/{case.number}").text
    due = re.search(r'id="payment-due">.*?</section>', page, re.S).group(0)
    assert "契税（买方 李四）：20,000.00 元" in due and "合计：20,000.00 元" in due
    work(tasks["tax_payment@tax"], people["taxman"], {"tax_paid": True, "receipt_no": "T7"})
    due = re.search(r'id="payment-due">.*?</section>', applicant.get(f"/portal/cases/{case.number}").text,
                    re.S).group(0)
    assert "契税" not in due and "住宅登记费（买方 李四）：80.00 元" in due  # the tax paid, the fee due
    work(open_tasks(case.instance_id)["registration_fee@realestate"], people["r_realestate"],
         {"fee_paid": True, "fee_receipt_no": "F7"})
    assert 'id="payment-due"' not in applicant.get(f"/portal/cases/{case.number}").text


def test_a_tax_already_paid_is_not_declared_void_when_the_case_ends(people):
    from engine import termination
    case = take_in(ITEM, FLAT, people["clerk"], applicant=BUYER)
    tasks = _through_to_payment(case, people)
    work(tasks["tax_payment@tax"], people["taxman"], {"tax_paid": True, "receipt_no": "T5"})
    [_, fee] = [n for n in intake.describe(case.id)["notices"] if n["kind"] == "payment"]
    ended = termination.withdraw(case.id, "买卖双方解除合同", people["clerk"])
    # paid: a refund is the tax bureau's, the tax notice is no void; the fee not yet paid is
    assert ended.data["voided"] == [fee["number"]]


def test_the_applicants_time_to_pay_stops_the_case_clock_and_counts_against_no_department(people):

    from engine.store import session_scope
    case = take_in(ITEM, FLAT, people["clerk"], applicant=BUYER)
    tasks = _through_to_payment(case, people)
    with session_scope() as session:
        whole = limits.case_clock(session, case.instance_id)
        assert whole.state == "paused" and procedures.running_procedure(session, whole).kind == "payment"
    assert not [c for c in step_clocks(case.instance_id) if c.task_id == tasks["tax_payment@tax"].id]
    operations.send_back(tasks["tax_payment@tax"].id, people["taxman"], to="previous", reason="计税价格需重新核定")
    with session_scope() as session:  # assessed again by the tax bureau: its time, and the case's, runs
        assert limits.case_clock(session, case.instance_id).state == "running"
    work(open_tasks(case.instance_id)["tax_assessment@tax"], people["taxman"], {"assessed_price": 2_000_000})
    work(open_tasks(case.instance_id)["tax_payment@tax"], people["taxman"], {"tax_paid": True, "receipt_no": "T6"})
    with session_scope() as session:  # the tax paid, the registration fee is waited for
        assert limits.case_clock(session, case.instance_id).state == "paused"
    work(open_tasks(case.instance_id)["registration_fee@realestate"], people["r_realestate"],
         {"fee_paid": True, "fee_receipt_no": "F6"})
    with session_scope() as session:
        whole = limits.case_clock(session, case.instance_id)
        assert whole.state == "running"
        ended = session.scalars(select(SpecialProcedure).where(SpecialProcedure.clock_id == whole.id)
                                .order_by(SpecialProcedure.id)).all()
    assert [(p.kind, p.result) for p in ended] == [("payment", "缴款环节已退回"), ("payment", "申请人已缴纳税费"),
                                                   ("payment", "申请人已缴纳税费")]


def test_a_payment_not_made_by_its_date_lets_the_window_end_the_case(people, monkeypatch):
    from datetime import timedelta
    from engine import termination
    from web import create_app
    from tests.web import signed_in
    case = take_in(ITEM, FLAT, people["clerk"], applicant=BUYER)
    _through_to_payment(case, people)
    [payment] = [n for n in intake.describe(case.id)["notices"] if n["kind"] == "payment"]
    due = calendars.current().add_workdays(clock.today(), 10).date
    assert payment["data"]["due_on"] == due.isoformat() and termination.payment(case.id) == due
    clerk = signed_in(create_app({"TESTING": True, "WTF_CSRF_ENABLED": False}), "clerk")
    assert 'id="payment-lapse-form"' not in clerk.get(f"/intake/cases/{case.id}").text  # not before the date
    with pytest.raises(Conflict, match="has until"):
        termination.lapse(case.id, people["clerk"])
    monkeypatch.setattr(clock, "today", lambda: due + timedelta(days=1))
    form = re.search(r'<form[^>]*id="payment-lapse-form".*?</form>', clerk.get(f"/intake/cases/{case.id}").text, re.S)
    assert form and 'name="csrf_token"' in form.group(0)
    assert clerk.post(f"/intake/cases/{case.id}/lapse").status_code == 303
    info = intake.describe(case.id)
    ended = info["notices"][-1]
    assert info["status"] == "terminated" and ended["kind"] == "termination"
    assert due.isoformat() in ended["data"]["reason"] and ended["data"]["voided"] == [payment["number"]]


def test_a_case_waiting_for_nothing_by_a_date_does_not_lapse(people):
    from engine import termination
    case = take_in(ITEM, FLAT, people["clerk"], applicant=BUYER)  # no payment asked yet
    with pytest.raises(Conflict, match="no correction or payment"):
        termination.lapse(case.id, people["clerk"])


def test_a_case_is_decided_by_the_rules_in_force_when_it_started(people):
    """A revised decision table applies to the cases started after it, as a revised procedure
    does: a case accepted before is never refused by a ground that did not exist then."""
    from time import sleep
    from engine.services import deploy
    from tests.procedures import ROOT
    before = take_in(ITEM, FLAT, people["clerk"], applicant=BUYER)
    sleep(0.01)  # deployed after the first case started, on every database's clock
    stricter = (ROOT / "rules" / "registration_refusals.dmn").read_text(encoding="utf-8").replace(
        '<inputEntry id="registration_refusals_r4_i4"><text>"outstanding"</text></inputEntry>',
        '<inputEntry id="registration_refusals_r4_i4"><text>"outstanding","with_agreement"</text></inputEntry>')
    assert [d.version for d in deploy.deploy([("registration_refusals.dmn", stricter.encode())],
                                             people["designer"]).definitions] == [2]
    after = take_in(ITEM, FLAT, people["clerk"], applicant={**BUYER, "name": "赵六", "id_number": "110101199003077774",
                                                            "phone": "13700000002"})
    for case in (before, after):
        tasks = open_tasks(case.instance_id)
        work(tasks["transaction_check@housing"], people["reviewer"], {"transaction_result": "ok"})
        work(tasks["registration_check@realestate"], people["r_realestate"],
             {"sealed": False, "objection": False, "mortgage": "with_agreement"})
    assert "tax_assessment@tax" in open_tasks(before.instance_id)  # v1: 带押过户 with an agreement goes on
    assert intake.describe(after.id)["decision"] == "reject"  # v2, in force when it started


@pytest.mark.parametrize("wrong", [{"original_or_copy": "scan"}, {"medium": "fax"}, {"count": 0}, {"count": "2"},
                                   {"count": True}])
def test_how_a_material_is_handed_in_is_checked(wrong):
    item = yaml.safe_load((Path(__file__).parents[1] / "processes/items/real_estate_transfer.yaml").read_text("utf-8"))
    assert catalogue.validate(dict(item))
    item["materials"] = [{**item["materials"][0], **wrong}, *item["materials"][1:]]
    with pytest.raises(Invalid, match=r"materials\[0\]: original_or_copy is one of"):
        catalogue.validate(item)
