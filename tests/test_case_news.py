"""Who hears of a case besides its applicant: the agent (代办员) who filed it, of every written notice
and of the decision, on their own 通知 page; the window that took it in, of an end it did not make
(withdrawn online, a 容缺 date missed, an administrator's 依法终止), with the paper to hand back."""
import re
from datetime import datetime

import pytest

from engine import corrections, intake, portal, termination, timers
from engine.errors import Conflict
from engine.services import admin, calendars, notifications, tasks, users
from engine.store import session_scope
from tests.test_web_intake import APPLICANT, app, case_id_of, submit  # noqa: F401 (fixture)
from tests.a11y import audit
from tests.web import element, in_chinese, signed_in

POINT = "东关村便民服务代办点"
FORM = {"project": "一号厂房", "area": 1500}


@pytest.fixture
def agent(org):
    with session_scope() as session:
        users.ensure_department(session, "village", POINT)
    return users.add_user("agent", "何芳", "village", ["agent"], "pass-agent")


def told(user) -> list[str]:
    """What the person was told, oldest first, as the Chinese pages say it."""
    return [in_chinese(n["text"]) for n in reversed(notifications.notifications(user))]


def filed_by(agent, *codes: str):
    return intake.submit("W-1", APPLICANT, [intake.Upload(c, f"{c}.pdf", f"%PDF {c}".encode()) for c in codes],
                         agent, form=FORM)


def soon(days: int = 3):
    return calendars.current().add_workdays(intake.clock.today(), days).date


def test_the_agent_is_told_of_each_notice_and_of_the_decision_with_what_is_due_by_when(app, org, agent):
    case = filed_by(agent, "id_card", "form")
    corrections.request_correction(case.id, [{"code": "marriage", "reason": "缺少"}], org["clerk"])
    assert told(agent) == [f"办件 {case.number} 补正通知书：请补交通知书所列材料，材料齐全后方予受理"]
    corrections.supply(case.id, [intake.Upload("marriage", "m.pdf", b"%PDF m")], agent)  # their own act: not told
    due = soon()
    intake.accept(case.id, org["clerk"], deferred={"land": due})
    assert told(agent)[1:] == [f"办件 {case.number} 受理通知书：您代办的办件已容缺受理，请于 {due.isoformat()} 前补交"
                               "容缺材料，逾期未补的将终止办理"]
    corrections.supply(case.id, [intake.Upload("land", "land.pdf", b"%PDF land")], agent)
    [task] = tasks.list_tasks(org["reviewer"])
    tasks.claim(task["id"], org["reviewer"])
    tasks.complete(task["id"], org["reviewer"], {"decision": "approve"})
    delivery_due = intake.describe(case.id)["clocks"][-1]["promised_due"]
    assert told(agent)[2:] == [f"办件 {case.number} 您代办的办件已办结，结果为准予：窗口将于 {delivery_due} 前送达结果"]
    [latest, *_] = notifications.notifications(agent)
    assert latest["case_id"] == case.id and latest["task_id"] is None  # opened by the case, not a step
    assert told(org["reviewer"]) == [] and told(org["clerk"]) == []  # no one else hears of it
    # An agent's own case is theirs to hear of: a window's case tells no agent.
    window_case = intake.submit("W-1", {**APPLICANT, "name": "王五", "id_number": "110101199303034565"}, [],
                                org["clerk"], form=FORM)
    intake.refuse(window_case.id, "不属于本机关职权范围", org["clerk"])
    assert len(told(agent)) == 3


def test_a_review_rounds_correction_tells_the_agent_its_date(org, agent):
    """多评合一: the departments' merged correction notice, issued by the shipped procedure, gives
    the agent its date; after it the window may end the case."""
    from tests.procedures import install, open_tasks, uploads, work
    from tests.test_portal_review_correction import COMPANY, ITEM, PROJECT, WATER
    people = install(org)
    details = {k: COMPANY[k] for k in ("name", "kind", "id_type", "id_number", "phone")}
    authority = intake.Upload("power_of_attorney", "委托书.pdf", b"%PDF authority")
    case = intake.accept(intake.submit(ITEM, details, [*uploads(ITEM, form=PROJECT), authority], agent, form=PROJECT).id,
                         people["clerk"])
    reviews = open_tasks(case.instance_id)
    for name, task in reviews.items():
        asks = name == "department_review@water"
        work(task, people[f"r_{task.group}"] if task.group != "devreform" else people["lead"],
             {"opinion": "correction_needed", "comment": "需补正", "correction_items": WATER} if asks
             else {"opinion": "approve", "comment": "同意"}, document=not asks)
    [notice] = [n for n in intake.describe(case.id)["notices"] if n["kind"] == "review_correction"]
    due = notice["data"]["due_on"]
    assert told(agent)[-1] == (f"办件 {case.number} 审查阶段补正一次性告知书：请于 {due} 前补交所列材料，"
                               "逾期未补正的将终止办理")


def test_a_payment_notice_tells_the_sum_and_its_date():
    from engine.case_news import _for_agent
    from engine.store.models import Notice
    payment = Notice(kind="payment", number="N-PAY1", data={"due_on": "2026-03-20", "total": 1234.5})
    assert in_chinese(_for_agent(payment)) == "缴款通知书：请于 2026-03-20 前缴纳 1,234.50 元，逾期未缴纳的将终止办理"


def test_a_deactivated_agent_is_told_nothing(app, org, agent):
    case = filed_by(agent, "id_card", "form")
    admin.set_active("agent", False, org["admin"])
    corrections.request_correction(case.id, [{"code": "marriage", "reason": "缺少"}], org["clerk"])
    assert told(agent) == []


def test_a_missed_deferred_date_ends_the_case_and_tells_the_agent_and_the_window(app, org, agent):
    other_clerk = users.add_user("clerk2", "别窗", "tax", ["clerk"], "pass-clerk2")
    case = filed_by(agent, "id_card", "form", "marriage")
    intake.accept(case.id, org["clerk"], deferred={"land": soon()})
    timers.tick(now=datetime(2099, 1, 1, tzinfo=intake.clock.SHANGHAI))
    assert intake.describe(case.id)["status"] == "terminated"
    reason = f"容缺受理的材料逾期未补交：土地证明（期限 {soon()}）"
    assert told(agent)[-1] == (f"办件 {case.number} 终止办理告知书：办件已终止办理（{reason}），纸质材料可到窗口领回")
    assert told(org["clerk"]) == [f"办件 {case.number} 办件已终止办理（{reason}），请在窗口退还申请人的纸质材料"]
    assert told(other_clerk) == []  # another window took nothing in
    [news] = notifications.notifications(org["clerk"])
    assert news["case_id"] == case.id  # the clerk opens the case page, where the paper is


def test_the_window_hears_of_an_online_withdrawal_and_an_administrators_end_not_of_its_own(app, org):
    at_window = intake.submit("W-1", APPLICANT, [], org["clerk"], form=FORM)
    online = intake.submit("W-1", {**APPLICANT, "name": "王五", "id_number": "110101199303034565"}, [],
                           None, channel="online", form=FORM)
    for case in (at_window, online):
        intake.accept(case.id, org["clerk"], deemed=True)
    termination.withdraw(at_window.id, "不想办了", None, applicant_id=at_window.applicant_id)
    termination.withdraw(online.id, "不想办了", None, applicant_id=online.applicant_id)
    assert told(org["clerk"]) == [f"办件 {at_window.number} 申请人已撤回申请，请在窗口退还其纸质材料",
                                  f"办件 {online.number} 申请人已撤回申请，无纸质材料需退还"]
    third = intake.submit("W-1", APPLICANT, [], org["clerk"], form=FORM)
    termination.withdraw(third.id, "申请人书面申请撤回", org["clerk"])  # recorded at the window: they know
    assert len(told(org["clerk"])) == 2
    fourth = intake.submit("W-1", APPLICANT, [], org["clerk"], form=FORM)
    termination.terminate(fourth.id, "duplicate", "与另一办件重复", org["admin"])
    assert told(org["clerk"])[-1].startswith(f"办件 {fourth.number} 办件已终止办理（同一申请重复提交或者误录入")
    assert told(org["clerk"])[-1].endswith("），请在窗口退还申请人的纸质材料")


# --- the pages ----------------------------------------------------------------------------------

def test_the_agent_reads_their_own_notifications_and_opens_the_case(app, org, agent):
    users.add_user("agent2", "赵六", "village", ["agent"], "pass-agent2")
    page = signed_in(app, "agent")
    assert 'id="notices-link"' in page.get("/intake/").text and 'id="unread"' not in page.get("/intake/").text
    case_id = case_id_of(submit(page, "id_card", "form", "land"))
    corrections.request_correction(case_id, [{"code": "marriage", "reason": "缺少"}], org["clerk"])
    link = element(page.get("/intake/").text, "notices-link")
    assert re.search(r'id="unread">1<', link)
    listing = page.get("/inbox/notifications")
    assert listing.status_code == 200 and not audit(listing.text)
    rows = element(listing.text, "notices")
    number = intake.describe(case_id)["number"]
    assert f"办件 {number} 补正通知书" in rows and f'href="/intake/cases/{case_id}"' in rows
    assert "/inbox/tasks/" not in rows
    assert page.get(f"/intake/cases/{case_id}").status_code == 200
    assert page.post("/inbox/notifications/read").status_code == 303
    assert 'id="unread"' not in page.get("/intake/").text
    other = signed_in(app, "agent2").get("/inbox/notifications").text
    assert number not in other and "暂无通知" in other  # each agent reads only their own


def test_the_clerk_opens_a_case_ended_before_acceptance_from_the_notification(app, org):
    case = intake.submit("W-1", APPLICANT, [], org["clerk"], form=FORM)
    termination.withdraw(case.id, "不想办了", None, applicant_id=case.applicant_id)
    rows = element(signed_in(app, "clerk").get("/inbox/notifications").text, "notices")
    assert f"办件 {case.number} 申请人已撤回申请，请在窗口退还其纸质材料" in rows
    assert f'href="/intake/cases/{case.id}"' in rows


# --- the applicant online -------------------------------------------------------------------------

def test_a_case_an_agent_filed_is_no_proof_online_and_the_refusal_says_so(app, org, agent):
    case = filed_by(agent, "id_card", "form")
    details = dict(name=APPLICANT["name"], kind="person", id_type="id_card", id_number=APPLICANT["id_number"],
                   phone=APPLICANT["phone"], password="secret-pw1")
    with pytest.raises(Conflict, match="agent point filed for you cannot prove.*temporary password") as said:
        portal.register(**details, case_number=case.number)
    # A wrong name is told the same: nothing about the case is confirmed to whoever holds the ID number.
    with pytest.raises(Conflict) as same:
        portal.register(**{**details, "name": "李四四"}, case_number=case.number)
    assert same.value.message == said.value.message
    page = app.test_client().post("/portal/register", data={**details, "confirm": "secret-pw1",
                                                             "case_number": case.number})
    assert page.status_code == 409
    assert "代办点为您代为申请的办件不能用于在网上核实身份：请到窗口领取临时密码" in page.text
    english = app.test_client().post("/portal/register?lang=en", data={**details, "confirm": "secret-pw1",
                                                                         "case_number": case.number})
    assert "cannot prove your identity online" in english.text
    at_window = intake.submit("W-1", APPLICANT, [], org["clerk"], form=FORM)
    assert portal.register(**details, case_number=at_window.number).name == APPLICANT["name"]


def test_the_applicant_reads_which_agent_point_filed_their_case(app, org, agent):
    case = filed_by(agent, "id_card", "form")
    at_window = intake.submit("W-1", APPLICANT, [], org["clerk"], form=FORM)
    portal.register(name=APPLICANT["name"], kind="person", id_type="id_card", id_number=APPLICANT["id_number"],
                    phone=APPLICANT["phone"], password="secret-pw1", case_number=at_window.number)
    client = app.test_client()
    client.post("/portal/login", data={"identifier": APPLICANT["phone"], "password": "secret-pw1"})
    page = client.get(f"/portal/cases/{case.number}").text
    assert not audit(page)
    assert element(page, "agent-point") == f'<dd id="agent-point">由 {POINT} 代为申请</dd>'
    assert "何芳" not in page  # the point, not the person
    assert 'id="agent-point"' not in client.get(f"/portal/cases/{at_window.number}").text
