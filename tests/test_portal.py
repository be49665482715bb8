"""The applicant portal: accounts, online applications, one's own cases only, corrections, rating, rectification pages."""
import io
import re

import pytest
from sqlalchemy import select

from engine import catalogue, corrections, decisions, intake, portal, ratings
from engine.errors import Conflict, Invalid, NotFound, TooManyAttempts
from engine.store import session_scope
from engine.services import calendars, deploy, users
from engine.store.models import Applicant, Event, Rectification
from tests.bpmn_builder import process
from tests.web import element, signed_in as staff

ITEM = {"code": "Q-001", "name": "资料查询", "kind": "public_service", "department": "housing",
        "case_type": "immediate", "promised_days": 0, "conditions": "权利人查询登记资料",
        "legal_basis": ["《资料查询办法》第三条"],
        "materials": [{"code": "id_card", "name": "身份证明", "mandatory": True},
                      {"code": "form", "name": "查询申请书", "mandatory": True}]}
ZHANG = dict(name="张三", id_type="id_card", id_number="11010119900101127X", phone="13800000000",
             password="secret-pw")
LI = dict(name="李四", id_type="id_card", id_number="110101199202023453", phone="13900000001",
          password="other-pw1")


def files(*kinds):
    return [intake.Upload(k, f"{k}.pdf", f"%PDF {k}".encode()) for k in kinds]


@pytest.fixture
def item(org):
    catalogue.save(ITEM, None)
    return ITEM


@pytest.fixture
def zhang(item):
    return portal.register(**ZHANG)


@pytest.fixture
def li(item):
    return portal.register(**LI)


def close(case, org):
    intake.accept(case.id, org["clerk"])  # an immediate item without a procedure is decided on the spot
    return decisions.deliver(case.id, "window", org["clerk"])


# --- accounts -----------------------------------------------------------------------------------

def test_register_and_sign_in_by_phone_or_id_number(zhang):
    with session_scope() as session:
        stored = session.get(Applicant, zhang.id)
    assert stored.password_hash and "secret-pw" not in stored.password_hash
    assert portal.authenticate("13800000000", "secret-pw").id == zhang.id
    assert portal.authenticate("11010119900101127x", "secret-pw").id == zhang.id  # X in either case
    assert portal.authenticate("13800000000", "wrong-pass") is None
    assert portal.authenticate("", "secret-pw") is None


def test_register_refuses_duplicates_and_bad_input(zhang):
    with pytest.raises(Conflict):
        portal.register(**{**ZHANG, "phone": "13800000009"})  # same ID number
    with pytest.raises(Conflict):
        portal.register(**{**LI, "phone": ZHANG["phone"]})  # same phone
    with pytest.raises(Invalid) as err:
        portal.register(name="", id_type="id_card", id_number="123", phone="12", password="short")
    fields = {d.split(":")[0] for d in err.value.details}
    assert fields == {"name", "id_number", "phone", "password"}
    with pytest.raises(Invalid) as err:  # a mistyped digit: the check digit tells
        portal.register(**{**LI, "id_number": LI["id_number"][:-1] + "9", "phone": "13900000009"})
    assert err.value.details == ["id_number: The identity card number's last character does not match the "
                                 "others: check the number"]
    with pytest.raises(Invalid) as err:  # a name the column cannot hold, a passport number that is markup
        portal.register(**{**LI, "name": "某" * 101, "id_type": "passport", "id_number": "<SCRIPT>"})
    assert {d.split(":")[0] for d in err.value.details} == {"name", "id_number"}


def test_window_applicant_takes_over_only_with_what_the_window_gave_them(item, org):
    case = intake.submit("Q-001", {"name": "王五", "id_number": "110101199303034565", "phone": "13700000000"},
                         files("id_card", "form"), org["clerk"])
    wang = {"name": "王五", "id_type": "id_card", "id_number": "110101199303034565", "phone": "13700000000",
            "password": "wangwu-pw", "case_number": case.number}
    # The ID number and the phone are known to others: the name as recorded and a case number
    # from a notice are asked for too; each wrong one alone is refused.
    for wrong in ({"phone": "13711111111"}, {"case_number": ""}, {"case_number": "20260101000001"},
                  {"name": "冒名"}):
        with pytest.raises(Conflict):
            portal.register(**{**wang, **wrong})
    owner = portal.register(**wang)
    assert len(portal.my_cases(owner.id)) == 1  # the case taken in at the window is theirs online


def test_guessing_a_window_records_case_number_is_stopped_after_five_tries(item, org):
    case = intake.submit("Q-001", {"name": "王五", "id_number": "110101199303034565", "phone": "13700000000"},
                         files("id_card", "form"), org["clerk"])
    wang = {"name": "王五", "id_type": "id_card", "id_number": "110101199303034565", "phone": "13700000000",
            "password": "wangwu-pw"}
    for guess in range(5):  # the numbers are sequential: each guess is counted, like a wrong password
        with pytest.raises(Conflict):
            portal.register(**wang, case_number=str(int(case.number) + guess + 1))
    with pytest.raises(TooManyAttempts):  # even the right number waits now
        portal.register(**wang, case_number=case.number)


def test_a_phone_the_window_recorded_for_one_applicant_opens_no_account_for_another(item, org):
    intake.submit("Q-001", {"name": "某公司", "kind": "company", "id_number": "91110000MA01ABCD2Q",
                            "phone": "13700000000"}, files("id_card", "form"), org["clerk"])
    with pytest.raises(Conflict, match="recorded at the window for another applicant"):
        portal.register(name="李四", id_type="id_card", id_number="110101199303034565", phone="13700000000",
                        password="squatter-pw")


def test_a_window_record_without_a_phone_is_not_taken_over_online(item, org):
    intake.submit("Q-001", {"name": "赵六", "id_number": "110101198001011128"}, files("id_card", "form"),
                  org["clerk"])
    with pytest.raises(Conflict) as refused:
        portal.register(name="赵六", id_type="id_card", id_number="110101198001011128", phone="13722222222",
                        password="guessed-pw")
    assert "at the window without a mobile phone number" in refused.value.message
    with session_scope() as session:
        stored = session.scalar(select(Applicant).where(Applicant.id_number == "110101198001011128"))
        assert stored.password_hash is None and not stored.phone


def test_a_window_visit_with_a_phone_opens_the_way_online(item, org):
    """The record kept without a phone gets the one given at the next visit; with it, its owner
    opens the online account and finds both cases."""
    intake.submit("Q-001", {"name": "赵六", "id_number": "11010119800101111x"}, files("id_card", "form"),
                  org["clerk"])
    second = intake.submit("Q-001", {"name": "赵六", "id_number": "11010119800101111X", "phone": "137 2222 2222"},
                           files("id_card", "form"), org["clerk"])
    zhao = portal.register(name="赵六", id_type="id_card", id_number="11010119800101111X", phone="13722222222",
                           password="zhaoliu-pw", case_number=second.number)
    assert len(portal.my_cases(zhao.id)) == 2  # one record, whatever the case of the X



# --- cases, service level -----------------------------------------------------------------------

def test_apply_online_and_follow_own_case_only(zhang, li, org):
    case = portal.apply(zhang.id, "Q-001", files("id_card", "form"), note="查询房产")
    assert case.channel == "online" and case.applicant_id == zhang.id and case.submitted_by is None
    assert case.note == "查询房产" and case.form == {}
    info = portal.progress(zhang.id, case.number)
    assert info["status"] == "submitted" and [s["type"] for s in info["steps"]] == ["case_submitted"]
    assert [c.number for c in portal.my_cases(zhang.id)] == [case.number]
    assert portal.my_cases(li.id) == []
    with pytest.raises(NotFound):
        portal.progress(li.id, case.number)
    with pytest.raises(NotFound):
        portal.own_case(li.id, case.number)
    close(case, org)
    steps = [s["type"] for s in portal.progress(zhang.id, case.number)["steps"]]
    assert steps[0] == "case_submitted" and steps[-3:] == ["case_decided", "case_delivered", "notice_issued"]


def test_correction_lists_what_to_supply_and_only_the_owner_supplies(zhang, li, org):
    case = portal.apply(zhang.id, "Q-001", files("id_card"))
    corrections.request_correction(case.id, [{"code": "form", "reason": "未签字"}], org["clerk"])
    info = portal.progress(zhang.id, case.number)
    assert info["to_supply"] == [{"code": "form", "name": "查询申请书", "reason": "未签字", "due_on": None}]
    with pytest.raises(NotFound):
        corrections.supply(case.id, files("form"), None, applicant_id=li.id)
    corrections.supply(case.id, files("form"), None, applicant_id=zhang.id)
    info = portal.progress(zhang.id, case.number)
    assert info["status"] == "submitted" and info["to_supply"] == []


def test_events_before_acceptance_are_found_by_case_id_not_the_json(zhang, org):
    case = portal.apply(zhang.id, "Q-001", files("id_card"))
    neighbour = portal.apply(zhang.id, "Q-001", files("id_card", "form"))  # same applicant, other case
    corrections.request_correction(case.id, [{"code": "form", "reason": "未签字"}], org["clerk"])
    corrections.supply(case.id, files("form"), None, applicant_id=zhang.id)
    with session_scope() as session:
        rows = session.scalars(select(Event).where(Event.case_id == case.id).order_by(Event.id)).all()
        assert [(e.type, e.instance_id) for e in rows] == [
            ("case_submitted", None), ("notice_issued", None), ("materials_supplied", None)]
        for event in rows:  # progress must not need the case number inside the data any more
            event.data = {k: v for k, v in event.data.items() if k != "case"}
    close(case, org)
    steps = [s["type"] for s in portal.progress(zhang.id, case.number)["steps"]]
    assert steps == ["case_submitted", "notice_issued", "materials_supplied", "case_accepted", "notice_issued",
                     "case_decided", "case_delivered", "notice_issued"]
    assert [s["type"] for s in portal.progress(zhang.id, neighbour.number)["steps"]] == ["case_submitted"]


# --- routes -------------------------------------------------------------------------------------

@pytest.fixture
def app(org):
    from web import create_app
    return create_app({"TESTING": True, "WTF_CSRF_ENABLED": False})


def sign_in(app, identifier, password):
    client = app.test_client()
    res = client.post("/portal/login", data={"identifier": identifier, "password": password})
    assert res.status_code == 302, res.text
    return client


def upload(*kinds):
    return {f"m-{k}": (io.BytesIO(f"%PDF {k}".encode()), f"{k}.pdf") for k in kinds}


def test_guide_is_public_and_applying_needs_sign_in(app, item):
    client = app.test_client()
    res = client.get("/portal/items/Q-001")
    assert res.status_code == 200 and "《资料查询办法》第三条" in res.text and "查询申请书" in res.text
    assert "即办（当场办结）" in res.text and "0 个工作日" not in res.text  # promised_days 0
    assert client.get("/portal/items/NOPE").status_code == 404
    res = client.get("/portal/items/Q-001/apply")
    assert res.status_code == 302 and "/portal/login" in res.location
    assert client.get("/portal/cases").status_code == 302


def test_staff_sign_in_is_not_an_applicant(app, item):
    res = staff(app, "clerk").get("/portal/cases")
    assert res.status_code == 302 and "/portal/login" in res.location


def test_register_sign_in_out_routes(app, item):
    client = app.test_client()
    page = client.get("/portal/register").text
    assert re.search(r'<option value="company" ?>法人或其他组织</option>', page)  # as the window says it
    assert "Legal person or other organisation" in app.test_client().get("/portal/register?lang=en").text
    res = client.post("/portal/register", data={"kind": "person", "name": "张三", "id_type": "id_card",
                                                "id_number": ZHANG["id_number"], "phone": ZHANG["phone"],
                                                "password": "secret-pw", "confirm": "secret-pw"})
    assert res.status_code == 302 and client.get("/portal/cases").status_code == 200
    client.post("/portal/logout")
    assert client.get("/portal/cases").status_code == 302
    res = client.post("/portal/login", data={"identifier": ZHANG["phone"], "password": "nope-nope"})
    assert res.status_code == 401 and "账号或密码错误" in res.text
    res = client.post("/portal/register", data={"kind": "person", "name": "张三", "id_type": "id_card",
                                                "id_number": ZHANG["id_number"], "phone": "13811111111",
                                                "password": "secret-pw", "confirm": "secret-pw"})
    assert res.status_code == 409 and "已注册" in res.text
    sign_in(app, ZHANG["id_number"], "secret-pw")


def test_apply_follow_rate_once_through_pages(app, zhang, org):
    client = sign_in(app, ZHANG["phone"], "secret-pw")
    empty = {"m-form": (io.BytesIO(b""), "form.pdf")}
    res = client.post("/portal/items/Q-001/apply", data=empty, content_type="multipart/form-data")
    assert res.status_code == 422 and "文件为空" in res.text and portal.my_cases(zhang.id) == []
    res = client.post("/portal/items/Q-001/apply", data=upload("id_card", "form"), content_type="multipart/form-data")
    assert res.status_code == 302
    number = res.location.rsplit("/", 1)[1]
    again = client.post("/portal/items/Q-001/apply", data=upload("id_card", "form"),
                        content_type="multipart/form-data")  # Back, then 提交 again: the same case
    assert again.location == res.location and len(portal.my_cases(zhang.id)) == 1
    page = client.get(f"/portal/cases/{number}")
    assert page.status_code == 200 and "已提交，待受理" in page.text and "提交评价" not in page.text
    assert client.get(f"/portal/cases?number={number}").location.endswith(f"/portal/cases/{number}")
    assert "待评价" not in client.get("/portal/cases").text
    close(intake.get_case(number), org)
    assert f'href="/portal/cases/{number}#rating">待评价' in client.get("/portal/cases").text
    page = client.get(f"/portal/cases/{number}")
    assert "已办结，已送达" in page.text and "受理通知书" in page.text and "提交评价" in page.text
    # The choices in GB/T 39046 A.8's order, posting its codes.
    choices = re.findall(r'name="level" value="(\d)"[^>]*> ([^<]+?)</label>', page.text)
    assert choices == [("1", "非常满意"), ("2", "满意"), ("3", "基本满意"), ("4", "不满意"), ("5", "非常不满意")]
    res = client.post(f"/portal/cases/{number}/rate", data={"level": "1", "text": "很方便"})
    assert res.status_code == 302
    assert "待评价" not in client.get("/portal/cases").text
    res = client.post(f"/portal/cases/{number}/rate", data={"level": "5", "text": "改评"})
    assert res.status_code == 409 and "只能评价一次" in res.text
    page = client.get(f"/portal/cases/{number}").text
    assert re.search(r'id="my-rating">.*非常满意', page) and "非常不满意" not in page
    assert re.search(r'评价服务</strong>\s*<span class="muted">非常满意', page)  # in the steps too
    assert portal.progress(zhang.id, number)["rating"] == 1


def test_very_dissatisfied_through_the_page_needs_a_reason_and_opens_a_rectification(app, zhang, org):
    case = close(portal.apply(zhang.id, "Q-001", files("id_card", "form")), org)
    client = sign_in(app, ZHANG["phone"], "secret-pw")
    res = client.post(f"/portal/cases/{case.number}/rate", data={"level": "5", "text": " "})
    assert res.status_code == 422 and portal.progress(zhang.id, case.number)["rating"] is None
    res = client.post(f"/portal/cases/{case.number}/rate", data={"level": "5", "text": "材料被退回三次"})
    assert res.status_code == 422 and "窗口服务" in res.text  # what it concerns, the page asks
    assert portal.progress(zhang.id, case.number)["rating"] is None
    res = client.post(f"/portal/cases/{case.number}/rate",
                      data={"level": "5", "text": "材料被退回三次", "concerns": "handling"})
    assert res.status_code == 302
    page = client.get(f"/portal/cases/{case.number}").text
    assert re.search(r'id="my-rating">.*非常不满意', page) and 'id="rectification"' in page
    with session_scope() as session:
        assert session.scalar(select(Rectification.rating)) == 5


def test_an_item_with_an_application_form_is_applied_for_online(app, zhang, org):
    """The portal asks what the window asks: the item's form, field by field, its choices by
    name; a refused field keeps what was typed; staff read the answers under the form's titles."""
    catalogue.save({**ITEM, "code": "Q-002", "form": {
        "type": "object", "required": ["purpose", "area"],
        "properties": {"purpose": {"title": "查询用途", "type": "string", "enum": ["sale", "loan"],
                                   "enumNames": ["交易", "贷款"]},
                       "area": {"title": "面积（平方米）", "type": "number", "minimum": 0}}}}, None)
    client = sign_in(app, ZHANG["phone"], "secret-pw")
    page = client.get("/portal/items/Q-002/apply").text
    assert "查询用途" in page and '<option value="loan"' in page and "贷款" in page
    assert 'accept=".pdf,.ofd,.jpg' in page and "每个文件不超过 20 MB" in element(page, "file-types")
    res = client.post("/portal/items/Q-002/apply", content_type="multipart/form-data",
                      data={**upload("id_card", "form"), "purpose": "loan", "area": "-5", "note": "急用"})
    assert res.status_code == 422 and "不能小于 0" in res.text and portal.my_cases(zhang.id) == []
    assert '<option value="loan" selected' in res.text and 'value="-5"' in res.text and "急用" in res.text
    assert 'id="choose-again"' in res.text  # the chosen files are gone: the applicant is told to choose again
    res = client.post("/portal/items/Q-002/apply", content_type="multipart/form-data",
                      data={"purpose": "loan", "area": "-5"})
    assert res.status_code == 422 and 'id="choose-again"' not in res.text  # none was chosen: nothing to say
    res = client.post("/portal/items/Q-002/apply", content_type="multipart/form-data",
                      data={**upload("id_card", "form"), "purpose": "loan", "area": "88.5", "note": "急用"})
    assert res.status_code == 302
    [case] = portal.my_cases(zhang.id)
    assert case.form == {"purpose": "loan", "area": 88.5} and case.note == "急用"
    shown = staff(app, "clerk").get(f"/intake/cases/{case.id}").text
    assert "<dt>查询用途</dt><dd>贷款" in shown and "<dt>面积（平方米）</dt><dd>88.5" in shown and "急用" in shown


def test_another_applicant_cannot_reach_a_case_by_url_or_number(app, zhang, li, org):
    case = close(portal.apply(zhang.id, "Q-001", files("id_card", "form")), org)
    notice_id = intake.describe(case.id)["notices"][0]["id"]
    owner = sign_in(app, ZHANG["phone"], "secret-pw")
    printed = owner.get(f"/portal/cases/{case.number}/notices/{notice_id}")
    assert printed.status_code == 200 and "受理通知书" in printed.text and case.number in printed.text
    assert owner.get(f"/portal/cases/{case.number}/notices/{notice_id + 99}").status_code == 404
    other = sign_in(app, LI["phone"], "other-pw1")
    assert other.get(f"/portal/cases/{case.number}").status_code == 404
    res = other.get(f"/portal/cases?number={case.number}")
    assert res.status_code == 404 and "张三" not in res.text
    assert other.get(f"/portal/cases/{case.number}/notices/{notice_id}").status_code == 404
    assert other.post(f"/portal/cases/{case.number}/rate", data={"level": "1", "text": "x"}).status_code == 404
    assert other.post(f"/portal/cases/{case.number}/supply", data=upload("form"),
                      content_type="multipart/form-data").status_code == 404
    assert portal.progress(zhang.id, case.number)["rating"] is None


def test_case_page_shows_deadlines_and_the_department_by_name(app, zhang, org):
    review = process("portal_review", [("start", "s", "s"), ("user", "review", "审查"), ("end", "e", "e")],
                     [("s", "review"), ("review", "e")], lanes={"housing": ["review"]})
    deploy.deploy([("r.bpmn", review.encode())], org["designer"])
    catalogue.save({**ITEM, "code": "P-001", "case_type": "promised", "statutory_days": 20, "promised_days": 10,
                    "process": "portal_review"}, None)
    with session_scope() as session:
        users.ensure_department(session, "housing", "住建局")
    case = intake.accept(portal.apply(zhang.id, "P-001", files("id_card", "form")).id, org["clerk"])
    client = sign_in(app, ZHANG["phone"], "secret-pw")
    page = client.get(f"/portal/cases/{case.number}").text
    due = calendars.current().add_workdays(case.accepted_on, 10).date
    assert "已受理，审批中" in page and due.isoformat() in page and "剩余 10 个工作日" in page
    assert "进入审查环节" in page and "住建局" in page
    assert "住建局" in client.get("/portal/items/P-001").text


def test_supply_correction_through_the_page(app, zhang, org):
    case = portal.apply(zhang.id, "Q-001", files("id_card"))
    corrections.request_correction(case.id, [{"code": "form", "reason": "未签字"}], org["clerk"])
    client = sign_in(app, ZHANG["phone"], "secret-pw")
    page = client.get(f"/portal/cases/{case.number}")
    assert "请补交材料" in page.text and "未签字" in page.text and "补正通知书" in page.text
    assert client.post(f"/portal/cases/{case.number}/supply", data={}).status_code == 422
    res = client.post(f"/portal/cases/{case.number}/supply", data=upload("form"), content_type="multipart/form-data")
    assert res.status_code == 302
    assert intake.describe(case.id)["status"] == "submitted"


def bad_rating(zhang, org) -> Rectification:
    case = close(portal.apply(zhang.id, "Q-001", files("id_card", "form")), org)
    return ratings.rate(case.id, zhang.id, 4, "排队太久")


def test_rectification_pages_by_department(app, zhang, org):
    rectification = bad_rating(zhang, org)
    url = f"/portal/rectifications/{rectification.id}"
    anonymous = app.test_client().get("/portal/rectifications")
    assert anonymous.status_code == 302 and "/login" in anonymous.location
    clerk = staff(app, "clerk")  # the window's: the department's handling is not theirs
    assert rectification.case.number not in clerk.get("/portal/rectifications").text
    assert clerk.get(url).status_code == 403
    taxman = staff(app, "taxman")
    assert rectification.case.number not in taxman.get("/portal/rectifications").text
    assert taxman.get(url).status_code == 403
    assert taxman.post(url, data={"response": "越权答复"}).status_code == 403
    supervisor = staff(app, "supervisor")
    assert rectification.case.number in supervisor.get("/portal/rectifications").text
    page = supervisor.get(url)
    assert page.status_code == 200 and "排队太久" in page.text and "response-input" not in page.text
    assert "<dd>不满意</dd>" in page.text
    assert supervisor.post(url, data={"response": "监察答复"}).status_code == 403
    reviewer = staff(app, "reviewer")
    assert rectification.case.number in reviewer.get("/portal/rectifications?state=open").text
    assert reviewer.post(url, data={"response": ""}).status_code == 422
    assert reviewer.post(url, data={"response": "已增加窗口"}).status_code == 302
    page = reviewer.get(url)
    assert "已增加窗口" in page.text and "已答复" in page.text and "response-input" not in page.text
    assert reviewer.post(url, data={"response": "再答"}).status_code == 409
    with session_scope() as session:
        assert session.scalar(select(Rectification.response)) == "已增加窗口"


def test_forms_refuse_posts_without_csrf_token(org, zhang):
    from web import create_app
    client = create_app({"TESTING": True}).test_client()
    # A sign-in page left open too long: the page again, fresh, saying so; nobody is signed in.
    res = client.post("/portal/login", data={"identifier": ZHANG["phone"], "password": "secret-pw"})
    assert res.status_code == 303 and res.location.endswith("/portal/login")
    assert "页面已过期" in client.get("/portal/login").text and client.get("/portal/cases").status_code == 302
    with client.session_transaction() as session:
        session["applicant_id"] = f"{zhang.id}:{zhang.session_serial}"  # what signing in stores
    assert client.post("/portal/cases/1/rate", data={"level": "5"}).status_code == 400
    assert client.get("/portal/cases").status_code == 200  # the same session, signed in, reads fine


def test_a_form_sent_after_the_sign_in_expired_leads_to_signing_in_and_back(org, zhang):
    """The applicant's session ended while they filled in a form: they are told so and, signed in
    again, brought back to the page the form was on. Staff alike."""
    from web import create_app
    app = create_app({"TESTING": True})
    client = app.test_client()
    res = client.post("/portal/items/Q-001/apply", data={"note": "急用"},
                      headers={"Referer": "http://localhost/portal/items/Q-001/apply"})
    assert res.status_code == 303 and res.location.endswith("/portal/login?next=/portal/items/Q-001/apply")
    assert "登录已超时，请重新登录后再提交" in client.get("/portal/login").text
    res = app.test_client().post("/intake/new/W-1", data={}, headers={"Referer": "http://localhost/intake/new/W-1"})
    assert res.status_code == 303 and res.location.endswith("/login?next=/intake/new/W-1")
    # An empty sign-in form says what is missing.
    empty = app.test_client().post("/login", data={"login": "", "password": "", "csrf_token": "x"})
    assert empty.status_code == 303  # its token too is the session's: the page again
    form = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False}).test_client()
    assert "请填写：用户名、密码" in form.post("/login", data={}).text
    assert "请填写：手机号码或证件号码、密码" in form.post("/portal/login", data={}).text


def test_a_correction_answered_in_part_leaves_the_rest_to_hand_in(zhang, org):
    """The case still waits for the applicant, who sees what the notice asked for that has not
    come, to hand it in; with all of it, the case is back at the window (its five days run)."""
    case = portal.apply(zhang.id, "Q-001", files("id_card"))
    corrections.request_correction(case.id, [{"code": "form", "reason": "未签字"},
                                             {"code": "id_card", "reason": "复印件模糊"}], org["clerk"])
    corrections.supply(case.id, files("form"), None, applicant_id=zhang.id)
    info = portal.progress(zhang.id, case.number)
    assert info["status"] == "correction" and [m["code"] for m in info["to_supply"]] == ["id_card"]
    corrections.supply(case.id, files("id_card"), None, applicant_id=zhang.id)
    info = portal.progress(zhang.id, case.number)
    assert info["status"] == "submitted" and info["to_supply"] == []


def test_an_organisation_registers_with_its_credit_code_and_a_person_with_a_personal_id(app, item):
    with pytest.raises(Invalid) as err:
        portal.register(**{**LI, "kind": "company"})  # a personal ID for an organisation
    assert [d.split(":")[0] for d in err.value.details] == ["id_type"]
    with pytest.raises(Invalid):
        portal.register(name="某公司", kind="person", id_type="uscc", id_number="91110000MA01ABCD2Q",
                        phone="13900000001", password="secret-pw")
    # The page says what is wrong under each field, in its words, without the field's code.
    res = app.test_client().post("/portal/register", data={
        "kind": "person", "name": "张三", "id_type": "id_card", "id_number": ZHANG["id_number"],
        "phone": "1380000", "password": "secret-pw", "confirm": "secret-pw"})
    said = re.search(r'name="phone".*?class="field-error">(.*?)<', res.text, re.S).group(1)
    assert res.status_code == 422 and said == "手机号码为11位数字" and "phone：" not in res.text


def test_an_application_sent_without_a_required_material_says_so_and_takes_it_later(app, zhang, org):
    client = sign_in(app, ZHANG["phone"], "secret-pw")
    res = client.post("/portal/items/Q-001/apply", data=upload("id_card"), content_type="multipart/form-data",
                      follow_redirects=True)
    assert "尚未上传" in res.text and "查询申请书" in re.search(r'class="flash warning"[^>]*>(.*?)<', res.text).group(1)
    assert 'id="m-form"' in res.text  # the case page takes it
    [case] = portal.my_cases(zhang.id)
    corrections.supply(case.id, files("form"), None, applicant_id=zhang.id)
    info = portal.progress(zhang.id, case.number)
    assert info["status"] == "submitted" and info["to_supply"] == []


def test_an_item_for_organisations_refuses_a_person_and_says_so_on_the_apply_page(app, zhang, org):
    catalogue.save({**ITEM, "code": "C-001", "name": "企业资料查询", "service_object": ["企业法人"]}, None)
    with pytest.raises(Invalid, match="serves 企业法人 only"):
        intake.submit("C-001", {"name": "孙七", "id_number": "110101198001011128"}, files("id_card", "form"),
                      org["clerk"])
    with session_scope() as session:  # the refused case made no applicant record either
        assert session.scalar(select(Applicant).where(Applicant.id_number == "110101198001011128")) is None
    company = intake.submit("C-001", {"name": "某公司", "kind": "company", "id_number": "91110000MA01ABCD2Q"},
                            files("id_card", "form"), org["clerk"])
    assert company.item_code == "C-001"

    client = sign_in(app, ZHANG["phone"], "secret-pw")
    page = client.get("/portal/items/C-001/apply").text
    assert "服务对象为企业法人，您的账号（自然人）不能申请" in page and 'type="file"' not in page
    res = client.post("/portal/items/C-001/apply", data=upload("id_card", "form"),
                      content_type="multipart/form-data")
    assert res.status_code == 422 and portal.my_cases(zhang.id) == []
    assert 'type="file"' in client.get("/portal/items/Q-001/apply").text  # an item for everyone
    guide = client.get("/portal/items/C-001").text  # the guide says so before the form is opened
    assert "请使用单位（法人或其他组织）账号申请" in guide and "/portal/items/C-001/apply" not in guide
    assert "/portal/items/C-001/apply" in app.test_client().get("/portal/items/C-001").text  # signed out: offered
    window = staff(app, "clerk").get("/intake/new/C-001").text  # the window's form starts as an organisation
    assert re.search(r'<option value="company" selected>', window) and re.search(r'<option value="uscc" selected>', window)


def test_an_item_saved_before_service_objects_were_checked_refuses_no_one(item, org):
    from engine.store.models import ServiceItem
    with session_scope() as session:  # as an older release kept it: a word the list lacks
        session.scalar(select(ServiceItem).where(ServiceItem.code == "Q-001")).data = {
            **ITEM, "service_object": ["法人"]}
    case = intake.submit("Q-001", {"name": "孙七", "id_number": "110101198001011128"}, files("id_card", "form"),
                         org["clerk"])
    assert case.item_code == "Q-001"


def test_an_item_names_only_known_service_objects(org):
    with pytest.raises(Invalid, match="service_object is a list of 自然人"):
        catalogue.save({**ITEM, "service_object": ["个体户"]}, None)
    with pytest.raises(Invalid, match="service_object"):
        catalogue.save({**ITEM, "service_object": "自然人"}, None)


def test_the_applicant_reads_why_the_window_did_not_accept_their_case(app, zhang, org):
    case = intake.submit("Q-001", ZHANG, files("id_card", "form"), None, channel="online")
    intake.refuse(case.id, "申请事项不属于本机关职权范围，请向市自然资源局申请", org["clerk"])
    page = sign_in(app, ZHANG["phone"], "secret-pw").get(f"/portal/cases/{case.number}").text
    assert "请向市自然资源局申请" in element(page, "refusal-reason")


def test_a_shipped_items_guide_says_where_when_whom_to_ask_and_where_to_complain(app, org):
    """办事指南 (GB/T 39046 表4: 办理地点, 办理时间, 咨询方式, 监督投诉方式) for every shipped item."""
    from tests.procedures import install
    install(org)
    for item in catalogue.all_items():
        page = app.test_client().get(f"/portal/items/{item.code}").text
        for said in ("办理地点", "办理时间", "咨询电话", "12345"):
            assert said in page, (item.code, said)
        assert "电子监察室" in element(page, "complaints")
