"""中介超市 through the pages: the administrator's registry, the public marketplace, the applicant's
commission on the case page, the window's view, the supervisors' overrun list."""
import io
import re
from datetime import timedelta

import pytest

from engine import agencies, clock, corrections, intake, portal
from engine.services import calendars
from tests.a11y import audit
from tests.procedures import install, open_tasks
from tests.test_agencies import CODE, OTHER, REPORT, applied
from tests.test_merged_assessments import ITEM
from tests.web import element, history_row, signed_in

COMPANY = "91110000MA01ABCD2Q"  # the applicant of tests/procedures.take_in


@pytest.fixture
def people(org):
    return install(org)


@pytest.fixture
def app(org):
    from web import create_app
    return create_app({"TESTING": True, "WTF_CSRF_ENABLED": False})


def online_case(people, **services):
    """A 多评合一 case of an applicant with an online account, taken in at the window without its
    reports (the marketplace is to bring them), and an agency qualified for its reports (the working
    days it promises for each kind)."""
    portal.register(name="某某科技有限公司", id_type="uscc", id_number=COMPANY, phone="13900000000",
                    password="secret-pw", kind="company")
    case = applied(people)
    return case, agencies.register(people["admin"], name="甲评价公司", credit_code=CODE, services=services)


def the_applicant(app):
    me = app.test_client()
    me.post("/portal/login", data={"identifier": "13900000000", "password": "secret-pw"})
    return me


def register_form(**over):
    form = {"name": "陇原地震评价中心", "credit_code": OTHER, "qualification": "地震安全性评价资质",
            "contact": "0931-7654321", "price_note": "每项 3 万元起", "days_seismic_safety": "8", "days_safety": ""}
    return {**form, **over}


def test_the_administrator_registers_edits_and_suspends_an_agency(app, org):
    admin = signed_in(app, "admin")
    page = admin.get("/admin/agencies").text
    assert 'href="/admin/agencies" class="current"' in page and "尚未登记中介机构" in page
    wrong = admin.post("/admin/agencies", data=register_form(credit_code=OTHER[:-1] + "4"))
    assert wrong.status_code == 422 and "统一社会信用代码校验位不符" in wrong.text
    assert 'value="陇原地震评价中心"' in wrong.text  # the refused form keeps what was typed
    assert admin.post("/admin/agencies", data=register_form(days_seismic_safety="八")).status_code == 422
    assert admin.post("/admin/agencies", data=register_form(days_seismic_safety="²")).status_code == 422
    done = admin.post("/admin/agencies", data=register_form(), follow_redirects=True)
    assert "已登记中介机构：陇原地震评价中心" in done.text
    [row] = agencies.listed(org["admin"])
    assert row.services == {"seismic_safety": 8}
    edit = admin.get(f"/admin/agencies/{row.id}").text
    assert 'name="days_seismic_safety" type="number" min="1" max="365" inputmode="numeric" value="8"' in edit
    admin.post(f"/admin/agencies/{row.id}", data=register_form(days_safety="15"))
    assert agencies.listed(org["admin"])[0].services == {"seismic_safety": 8, "safety": 15}
    assert admin.post(f"/admin/agencies/{row.id}/suspend", data={"reason": ""}).status_code == 422
    admin.post(f"/admin/agencies/{row.id}/suspend", data={"reason": "资质证书过期"})
    listed = element(admin.get("/admin/agencies").text, "agencies")
    assert "已暂停" in listed and "资质证书过期" in listed
    assert "陇原地震评价中心" not in admin.get("/portal/agencies").text
    clerk = signed_in(app, "clerk")
    assert clerk.post("/admin/agencies", data=register_form(credit_code=CODE)).status_code == 403
    log = admin.get("/admin/activity?what=agencies").text
    assert "登记中介机构" in log and "暂停中介机构" in log and "资质证书过期" in log


def test_the_marketplace_is_public_and_shows_promise_price_and_ratings(app, org):
    agencies.register(org["admin"], name="甲评价公司", credit_code=CODE, services={"seismic_safety": 10, "energy": 6},
                      price_note="按项目议价")
    agencies.register(org["admin"], name="乙节能公司", credit_code=OTHER, services={"energy": 4})
    anyone = app.test_client()
    page = anyone.get("/portal/agencies").text
    assert "甲评价公司" in page and "乙节能公司" in page and "按项目议价" in page and "暂无评价" in page
    assert 'href="/portal/cases"' in element(page, "how-to-commission")  # where an agency is chosen
    quake = anyone.get("/portal/agencies?kind=seismic_safety").text
    assert "甲评价公司" in quake and "乙节能公司" not in quake and "地震安全性评价：10 个工作日" in quake
    assert anyone.get("/portal/agencies?kind=nonsense").status_code == 404


def test_the_applicant_commissions_delivers_and_rates_and_staff_see_it(app, people, monkeypatch):
    portal.register(name="某某科技有限公司", id_type="uscc", id_number=COMPANY, phone="13900000000",
                    password="secret-pw", kind="company")
    case = applied(people)
    quake = agencies.register(people["admin"], name="甲评价公司", credit_code=CODE, services={"seismic_safety": 10})
    guide = element(app.test_client().get(f"/portal/items/{ITEM}").text, "agency-services")
    assert '<a href="/portal/agencies?kind=seismic_safety">地震安全性评价</a>' in guide
    me = app.test_client()
    assert me.post("/portal/login", data={"identifier": "13900000000", "password": "secret-pw"}).status_code == 302
    page = me.get(f"/portal/cases/{case.number}").text
    section = page[page.index('id="commissions"'):]
    assert 'id="choose-seismic_safety"' in section and 'id="choose-climate"' in section
    assert "中介超市中暂无具备该资质的机构；可自行委托" in element(page, "choose-climate")
    assert audit(page) == []
    chosen = me.post(f"/portal/cases/{case.number}/agencies",
                     data={"kind": "seismic_safety", "agency_seismic_safety": str(quake.id)}, follow_redirects=True)
    due = agencies.of_case(case.id)[0].due_on
    assert f"已选定 甲评价公司，承诺于 {due.isoformat()} 前交付报告" in chosen.text
    assert 'id="choose-seismic_safety"' not in chosen.text
    step = re.search(r'<li class="step step-agency_commissioned">.*?</li>', chosen.text, re.S).group(0)
    assert "选定中介机构" in step and f"承诺 {due.isoformat()} 前交付（不计入审批时限）" in step
    again = me.post(f"/portal/cases/{case.number}/agencies",
                    data={"kind": "seismic_safety", "agency_seismic_safety": str(quake.id)})
    assert again.status_code == 409
    # An agency suspended since the page was shown: said, nothing commissioned.
    shut = agencies.register(people["admin"], name="乙气候公司", credit_code=OTHER, services={"climate": 5})
    agencies.set_suspended(shut.id, True, "资质证书过期", people["admin"])
    refused = me.post(f"/portal/cases/{case.number}/agencies", data={"kind": "climate", "agency_climate": str(shut.id)})
    assert refused.status_code == 409 and "乙气候公司已暂停" in refused.text
    assert [c.kind for c in agencies.of_case(case.id)] == ["seismic_safety"]

    # the window and the lead department see it on their pages; the supervisors when it overruns
    clerk = signed_in(app, "clerk")
    window = clerk.get(f"/intake/cases/{case.id}").text
    assert "甲评价公司" in element(window, "commissions") and due.isoformat() in element(window, "commissions")
    assert "承诺" in history_row(window, "agency_commissioned")
    supervisor = signed_in(app, "supervisor")
    assert "没有逾期的中介服务" in supervisor.get("/supervision/agencies").text
    assert signed_in(app, "reviewer").get("/supervision/agencies").status_code == 403
    monkeypatch.setattr(clock, "today", lambda: due + timedelta(days=7))
    overdue = element(supervisor.get("/supervision/agencies").text, "overdue-commissions")
    late = calendars.current().workdays_between(due, due + timedelta(days=7))  # promised in working days
    assert "甲评价公司" in overdue and case.number in overdue and f"{late} 个工作日" in overdue
    record = element(supervisor.get("/supervision/agencies").text, "agency-records")
    assert re.search(r"甲评价公司.*?<td[^>]*>1</td>\s*<td[^>]*>1 <span class=\"overdue\">其中逾期 1</span>", record, re.S)
    assert 'id="agencies-link"' in supervisor.get("/supervision/").text

    deliver = f"/portal/cases/{case.number}/agencies/{agencies.of_case(case.id)[0].id}/deliver"
    without = me.post(deliver)  # the report comes with the delivery: the departments review it
    assert without.status_code == 422 and "请上传中介机构交付的报告文件" in without.text
    late = me.post(deliver, data={"report": (io.BytesIO(REPORT.content), "地震安评报告.pdf")}, follow_redirects=True)
    assert "已提交中介机构的报告，审查部门可以查阅" in late.text and "逾期交付" in late.text
    own = history_row(clerk.get(f"/intake/cases/{case.id}").text, "agency_delivered")
    assert "申请人（网上）" in own and "代申请人" not in own  # the applicant's own act
    commission = agencies.of_case(case.id)[0]
    mine = element(late.text, "commissions")
    assert f'href="/portal/cases/{case.number}/agencies/{commission.id}/report"' in mine and "地震安评报告.pdf" in mine
    got = me.get(f"/portal/cases/{case.number}/agencies/{commission.id}/report")
    assert got.status_code == 200 and got.data == REPORT.content
    assert app.test_client().get(f"/portal/cases/{case.number}/agencies/{commission.id}/report").status_code != 200
    # The climate study handed in at the window, the reports are all in: accepted, the departments review.
    corrections.supply(case.id, [intake.Upload("report:climate", "气候.pdf", b"%PDF climate")], people["clerk"])
    case = intake.accept(case.id, people["clerk"])
    review = open_tasks(case.instance_id)["department_review@quake"]  # the reviewing department, on its task page
    reviewer = signed_in(app, "r_quake")
    shown = element(reviewer.get(f"/inbox/tasks/{review.id}").text, "commissions")
    assert "甲评价公司" in shown
    assert f'href="/inbox/materials/{commission.report_id}?view=1"' in shown and "地震安评报告.pdf" in shown
    assert reviewer.get(f"/inbox/materials/{commission.report_id}").data == REPORT.content
    assert "deliver" not in shown  # the department reads it; the applicant's side hands it in
    rate = f"/portal/cases/{case.number}/agencies/{commission.id}/rate"
    assert me.post(rate, data={"score": "4", "comment": "长" * 501}).status_code == 422
    assert me.post(rate, data={"score": "²"}).status_code == 422  # a digit to str.isdigit, no number to int()
    assert audit(me.get(f"/portal/cases/{case.number}").text) == []  # with the rating form
    assert audit(clerk.get(f"/intake/cases/{case.id}").text) == []
    assert audit(supervisor.get("/supervision/agencies").text) == []
    assert "感谢您对中介机构的评价" in me.post(rate, data={"score": "4", "comment": "晚了一周"},
                                               follow_redirects=True).text
    assert me.post(rate, data={"score": "5"}).status_code == 409
    assert "★★★★☆</span> <span class=\"agency-level\">满意</span>" in app.test_client().get("/portal/agencies").text


def test_the_window_records_a_cancellation_for_the_applicant(app, people):
    case = applied(people)
    quake = agencies.register(people["admin"], name="甲评价公司", credit_code=CODE, services={"seismic_safety": 10})
    row = agencies.commission(case.id, quake.id, "seismic_safety", applicant_id=case.applicant_id)
    clerk = signed_in(app, "clerk")
    url = f"/intake/cases/{case.id}/agencies/{row.id}/cancel"
    assert clerk.post(url, data={"reason": ""}).status_code == 422
    assert "已取消中介委托" in clerk.post(url, data={"reason": "申请人电话告知改选"}, follow_redirects=True).text
    assert agencies.of_case(case.id)[0].cancel_reason == "申请人电话告知改选"
    assert signed_in(app, "reviewer").post(f"/intake/cases/{case.id}/agencies/{row.id}/deliver").status_code == 403
    assert re.search(r"已取消.*申请人电话告知改选", element(clerk.get(f"/intake/cases/{case.id}").text, "commissions"),
                     re.S)


def test_a_delivery_and_a_cancellation_the_window_records_are_on_the_applicants_behalf(app, people):
    case, quake = online_case(people, seismic_safety=10, climate=5)
    delivered = agencies.commission(case.id, quake.id, "seismic_safety", applicant_id=case.applicant_id)
    cancelled = agencies.commission(case.id, quake.id, "climate", applicant_id=case.applicant_id)
    clerk = signed_in(app, "clerk")
    assert clerk.post(f"/intake/cases/{case.id}/agencies/{delivered.id}/deliver",
                      data={"report": (io.BytesIO(REPORT.content), "地震安评报告.pdf")}).status_code == 303
    assert clerk.post(f"/intake/cases/{case.id}/agencies/{cancelled.id}/cancel",
                      data={"reason": "申请人电话告知改选"}).status_code == 303
    window = clerk.get(f"/intake/cases/{case.id}").text
    for event, said in (("agency_delivered", "代申请人提交"), ("agency_commission_cancelled", "代申请人取消")):
        row = history_row(window, event)
        assert f"{people['clerk'].name}（代申请人）" in row and said in row, event
    page = the_applicant(app).get(f"/portal/cases/{case.number}").text
    for event, said in (("agency_delivered", "由工作人员代您提交报告"), ("agency_commission_cancelled", "由工作人员代您取消")):
        assert said in re.search(rf'<li class="step step-{event}">.*?</li>', page, re.S).group(0), event


def test_the_api_lists_the_agencies_and_a_case_its_commissions(app, people):
    from engine.services.tokens import issue_token
    quake = agencies.register(people["admin"], name="甲评价公司", credit_code=CODE, services={"seismic_safety": 10},
                              price_note="议价")
    agencies.register(people["admin"], name="乙节能公司", credit_code=OTHER, services={"energy": 4})
    case = applied(people)
    row = agencies.commission(case.id, quake.id, "seismic_safety", applicant_id=case.applicant_id)
    agencies.deliver(case.id, row.id, REPORT, applicant_id=case.applicant_id)
    agencies.rate(case.id, row.id, case.applicant_id, 4)
    client = app.test_client()
    assert client.get("/api/agencies").status_code == 401
    reviewer = {"Authorization": f"Bearer {issue_token('reviewer')}"}  # any signed-in caller
    listed = client.get("/api/agencies", headers=reviewer).get_json()
    assert [(a["name"], a["average_rating"], a["ratings"]) for a in listed] == [("乙节能公司", None, 0),
                                                                               ("甲评价公司", 4.0, 1)]
    only = client.get("/api/agencies?kind=seismic_safety", headers=reviewer).get_json()
    assert [(a["name"], a["services"], a["price_note"]) for a in only] == [("甲评价公司", {"seismic_safety": 10}, "议价")]
    assert client.get("/api/agencies?kind=astrology", headers=reviewer).status_code == 422
    clerk = {"Authorization": f"Bearer {issue_token('clerk')}"}
    [answer] = client.get(f"/api/cases/{case.id}", headers=clerk).get_json()["commissions"]
    assert answer == {"id": row.id, "kind": "seismic_safety", "agency_id": quake.id, "agency": "甲评价公司",
                      "chosen_on": row.chosen_on.isoformat(), "due_on": row.due_on.isoformat(), "state": "delivered",
                      "delivered_on": clock.today().isoformat(), "cancel_reason": None, "rating": 4,
                      "rating_comment": None,
                      "report": {"material_id": agencies.of_case(case.id)[0].report_id, "filename": "评价报告.pdf"}}
    # A supervisor's client: the commissions past their date and every agency's record.
    assert client.get("/api/supervision/agencies", headers=clerk).status_code == 403
    late = agencies.commission(applied(people).id, quake.id,
                               "seismic_safety", applicant_id=case.applicant_id)
    supervisor = {"Authorization": f"Bearer {issue_token('supervisor')}"}
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(clock, "today", lambda: late.due_on + timedelta(days=1))
        watched = client.get("/api/supervision/agencies", headers=supervisor).get_json()
    [overdue] = watched["overdue"]
    assert (overdue["id"], overdue["case_number"], overdue["agency"]) == (late.id, late.case.number, "甲评价公司")
    assert overdue["late_workdays"] == calendars.current().workdays_between(late.due_on, late.due_on + timedelta(days=1))
    records = {a["name"]: a for a in watched["agencies"]}
    assert (records["甲评价公司"]["commissions"], records["甲评价公司"]["overdue"], records["甲评价公司"]["average"]) == \
        (2, 1, 4.0)


def test_a_rating_reads_in_the_words_of_the_case_rating_wherever_it_shows_and_an_overrun_reaches_the_applicant(
        app, people):
    from engine import timers
    case, quake = online_case(people, seismic_safety=3, climate=3)
    me = the_applicant(app)
    choose = element(me.get(f"/portal/cases/{case.number}").text, "choose-seismic_safety")
    assert 'type="radio" name="agency_seismic_safety"' in choose and "checked" not in choose  # nothing chosen for them
    late = agencies.commission(case.id, quake.id, "climate", applicant_id=case.applicant_id)
    timers.tick(clock.end_of(late.due_on) + timedelta(seconds=1))
    step = re.search(r'<li class="step step-agency_overdue">.*?</li>', me.get(f"/portal/cases/{case.number}").text,
                     re.S).group(0)
    assert "中介服务逾期" in step and f"承诺 {late.due_on.isoformat()} 前交付，逾期未交付" in step
    overdue_row = history_row(signed_in(app, "clerk").get(f"/intake/cases/{case.id}").text, "agency_overdue")
    assert "中介服务逾期" in overdue_row and "系统" in overdue_row and "申请人" not in overdue_row  # the timer's
    told = element(signed_in(app, "supervisor").get("/inbox/notifications").text, "notices")
    assert case.number in told and "甲评价公司" in told and 'href="/supervision/agencies"' in told

    row = agencies.commission(case.id, quake.id, "seismic_safety", applicant_id=case.applicant_id)
    agencies.deliver(case.id, row.id, REPORT, applicant_id=case.applicant_id)
    form = element(me.get(f"/portal/cases/{case.number}").text, "commissions")
    # The 好差评's five words, in its order, as the case's own rating below asks: 非常满意 is 5.
    offered = re.findall(r'name="score" value="(\d)" required> (\S+) ', form)
    assert offered == [("5", "非常满意"), ("4", "满意"), ("3", "基本满意"), ("2", "不满意"), ("1", "非常不满意")]
    assert "您对 甲评价公司 的服务满意吗？" in form
    page = me.post(f"/portal/cases/{case.number}/agencies/{row.id}/rate", data={"score": "2"},
                   follow_redirects=True).text
    assert agencies.of_case(case.id)[0].rating == 2  # kept as given, 1 to 5, 5 the best
    mine = element(page, "commissions")
    assert "★★☆☆☆" in mine and '<span class="agency-level">不满意</span>' in mine and "2 分" not in mine
    assert '<span class="agency-level">不满意</span>' in history_row(
        signed_in(app, "clerk").get(f"/intake/cases/{case.id}").text, "agency_rated")
    market = element(app.test_client().get("/portal/agencies").text, "agencies")
    assert '★★☆☆☆</span> <span class="agency-level">不满意</span>' in market and "1 条评价，平均 2.0 分，5 分为非常满意" in market
    assert audit(page) == []


def test_the_window_and_the_filing_agent_choose_an_agency_with_an_applicant_who_has_no_account(app, people):
    from engine.services import users
    from tests.test_agencies import agent_filed
    agent, case = agent_filed(people)
    quake = agencies.register(people["admin"], name="甲评价公司", credit_code=CODE, services={"seismic_safety": 10})
    shut = agencies.register(people["admin"], name="乙气候公司", credit_code=OTHER, services={"climate": 5})
    clerk = signed_in(app, "clerk")
    page = clerk.get(f"/intake/cases/{case.id}").text
    offered = element(page, "commissions")
    assert 'id="choose-seismic_safety"' in offered and f'name="agency_seismic_safety" value="{quake.id}"' in offered
    due = agencies.choices(case.id)["seismic_safety"][0]["due_on"]
    assert f"10 个工作日，今天选定则 {due.isoformat()} 前交付" in offered  # the promise as a date
    assert f'action="/intake/cases/{case.id}/agencies"' in offered and "代申请人选定" in offered
    assert audit(page) == []
    # Nobody else chooses: a department's reviewer, an agent who did not file the case.
    users.add_user("agent2", "赵六", "village", ["agent"], "pass-agent2")
    choice = {"kind": "seismic_safety", "agency_seismic_safety": str(quake.id)}
    assert signed_in(app, "reviewer").post(f"/intake/cases/{case.id}/agencies", data=choice).status_code == 403
    assert signed_in(app, "agent2").post(f"/intake/cases/{case.id}/agencies", data=choice).status_code == 403
    assert agencies.of_case(case.id) == []
    assert clerk.post(f"/intake/cases/{case.id}/agencies", data={"kind": "seismic_safety"}).status_code == 422
    done = clerk.post(f"/intake/cases/{case.id}/agencies", data=choice, follow_redirects=True).text
    due = agencies.of_case(case.id)[0].due_on
    assert f"已代申请人选定 甲评价公司，承诺于 {due.isoformat()} 前交付报告" in done
    assert 'id="choose-seismic_safety"' not in done  # taken: offered no more
    row = history_row(done, "agency_commissioned")
    assert f"{people['clerk'].name}（代申请人）" in row and "代申请人选定" in row and "申请人（网上）" not in row
    assert clerk.post(f"/intake/cases/{case.id}/agencies", data=choice).status_code == 409  # one open per kind
    # The agent who filed it chooses too, on the same rules: a suspended agency is said, not chosen.
    mine = signed_in(app, "agent")
    assert 'id="choose-climate"' in element(mine.get(f"/intake/cases/{case.id}").text, "commissions")
    agencies.set_suspended(shut.id, True, "资质证书过期", people["admin"])
    refused = mine.post(f"/intake/cases/{case.id}/agencies", data={"kind": "climate", "agency_climate": str(shut.id)})
    assert refused.status_code == 409 and "乙气候公司已暂停" in refused.text
    agencies.set_suspended(shut.id, False, "已续期", people["admin"])
    assert "已代申请人选定 乙气候公司" in mine.post(f"/intake/cases/{case.id}/agencies", follow_redirects=True,
                                                 data={"kind": "climate", "agency_climate": str(shut.id)}).text
    assert sorted(c.kind for c in agencies.of_case(case.id)) == ["climate", "seismic_safety"]


def test_the_applicant_reads_that_the_window_chose_for_them(app, people):
    portal.register(name="某某科技有限公司", id_type="uscc", id_number=COMPANY, phone="13900000000",
                    password="secret-pw", kind="company")
    case = applied(people)  # at the window, in person
    quake = agencies.register(people["admin"], name="甲评价公司", credit_code=CODE, services={"seismic_safety": 10})
    signed_in(app, "clerk").post(f"/intake/cases/{case.id}/agencies",
                                 data={"kind": "seismic_safety", "agency_seismic_safety": str(quake.id)})
    me = app.test_client()
    me.post("/portal/login", data={"identifier": "13900000000", "password": "secret-pw"})
    page = me.get(f"/portal/cases/{case.number}").text
    step = re.search(r'<li class="step step-agency_commissioned">.*?</li>', page, re.S).group(0)
    assert "由工作人员代您选定" in step and "甲评价公司" in element(page, "commissions")


def test_the_filing_agent_hands_in_the_report_and_the_window_sees_it(app, people):
    from tests.test_agencies import agent_filed
    agent, case = agent_filed(people)
    quake = agencies.register(people["admin"], name="甲评价公司", credit_code=CODE, services={"seismic_safety": 10})
    row = agencies.commission(case.id, quake.id, "seismic_safety", actor=agent)
    mine = signed_in(app, "agent")
    form = element(mine.get(f"/intake/cases/{case.id}").text, "commissions")
    assert f'action="/intake/cases/{case.id}/agencies/{row.id}/deliver"' in form and 'type="file" name="report"' in form
    assert 'enctype="multipart/form-data"' in form
    url = f"/intake/cases/{case.id}/agencies/{row.id}/deliver"
    assert mine.post(url).status_code == 422  # no report, nothing recorded
    done = mine.post(url, data={"report": (io.BytesIO(REPORT.content), "安评报告.pdf")}, follow_redirects=True)
    assert "已提交中介机构的报告，审查部门可以查阅" in done.text
    row = agencies.of_case(case.id)[0]
    assert row.state == "delivered"
    page = signed_in(app, "clerk").get(f"/intake/cases/{case.id}").text
    window = element(page, "commissions")
    assert f'href="/inbox/materials/{row.report_id}?view=1"' in window and "安评报告.pdf" in window
    assert "代申请人提交报告" not in window  # delivered: nothing more to hand in
    handed = history_row(page, "agency_delivered")  # the agent acted for the applicant: on their behalf
    assert f"{agent.name}（代申请人）" in handed and "代申请人提交" in handed


def test_an_open_commission_shows_how_to_reach_the_agency_and_that_it_was_suspended_since(app, people):
    portal.register(name="某某科技有限公司", id_type="uscc", id_number=COMPANY, phone="13900000000",
                    password="secret-pw", kind="company")
    case = applied(people)
    quake = agencies.register(people["admin"], name="甲评价公司", credit_code=CODE, services={"seismic_safety": 10},
                              contact="0931-7654321 王工", price_note="每项 3 万元起")
    agencies.commission(case.id, quake.id, "seismic_safety", applicant_id=case.applicant_id)
    me = app.test_client()
    me.post("/portal/login", data={"identifier": "13900000000", "password": "secret-pw"})
    mine = element(me.get(f"/portal/cases/{case.number}").text, "commissions")
    assert "0931-7654321 王工" in mine and "每项 3 万元起" in mine and "机构已暂停" not in mine
    agencies.set_suspended(quake.id, True, "资质证书过期", people["admin"])
    mine = element(me.get(f"/portal/cases/{case.number}").text, "commissions")
    assert "机构已暂停" in mine and "也可取消后另选" in mine and "资质证书过期" not in mine  # the reason is the office's
    window = element(signed_in(app, "clerk").get(f"/intake/cases/{case.id}").text, "commissions")
    assert "机构已暂停" in window and "0931-7654321 王工" in window


def test_a_refused_choice_names_the_kind_of_report_not_its_code(app, people):
    portal.register(name="某某科技有限公司", id_type="uscc", id_number=COMPANY, phone="13900000000",
                    password="secret-pw", kind="company")
    case = applied(people)  # no energy report asked
    saver = agencies.register(people["admin"], name="乙节能公司", credit_code=OTHER, services={"energy": 4})
    me = app.test_client()
    me.post("/portal/login", data={"identifier": "13900000000", "password": "secret-pw"})
    refused = me.post(f"/portal/cases/{case.number}/agencies", data={"kind": "energy", "agency_energy": str(saver.id)})
    assert refused.status_code == 422 and "本办件不需要节能评估报告" in refused.text and "energy" not in refused.text
    wrong = signed_in(app, "admin").post("/admin/agencies", data=register_form(days_seismic_safety="400"))
    assert wrong.status_code == 422 and "地震安全性评价的承诺时限须为 1 至 365 个工作日" in wrong.text
