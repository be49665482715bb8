"""The reviewer's task page: special procedures and the extension in the browser's forms, 认领 only
for those who may claim, 转办 to a person by name, 退回 only where it works, the correction box."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from engine import catalogue, clock, intake, operations, timers
from engine.clock import offers, pauses
from engine.services import deploy, tasks
from engine.services.users import ensure_department
from engine.store import session_scope
from engine.store.models import Clock, Event, Notification, SpecialProcedure, User
from tests.bpmn_builder import one_review
from tests.procedures import install, open_tasks, promised_item, step_clocks, take_in, work
from tests.web import element, history_row, signed_in

LEAD_REVIEW = one_review("lead_review", "发改审查", "发改局 (devreform)")
HOUSING_REVIEW = one_review("housing_review", "住建审查", "住建局 (housing)")
MERGED = "1101-DPHY-001"
PROJECT = {"energy_tce": 2000, "electricity_kwh": 0, "env_category": "report", "land_ha": 0.2, "earthwork_m3": 0,
           "geo_hazard_area": False, "water_source": "direct", "hazardous": False, "major_project": False,
           "relics_area": False, "industry": "electronics", "zone": None}


@pytest.fixture
def app(org):
    from web import create_app
    deploy.deploy([("lead.bpmn", LEAD_REVIEW.encode()), ("housing.bpmn", HOUSING_REVIEW.encode())], org["designer"])
    catalogue.save(promised_item("D-1", "lead_review", "devreform"), None)
    catalogue.save(promised_item("H-1", "housing_review", "housing"), None)
    with session_scope() as session:
        ensure_department(session, "housing", "住建局")
    return create_app({"TESTING": True, "WTF_CSRF_ENABLED": False})


def case_task(org, code: str) -> tuple:
    case = intake.submit(code, {"name": "张三", "id_number": "110101199001011237"},
                         [intake.Upload("id_card", "id.pdf", b"%PDF id")], org["clerk"])
    case = intake.accept(case.id, org["clerk"])
    [task] = tasks.list_tasks(org["admin"], instance_id=case.instance_id)
    return case, task["id"]


def case_clock(case) -> dict:
    return next(c for c in intake.describe(case.id)["clocks"] if c["task_id"] is None)


def test_a_reviewer_starts_and_ends_a_special_procedure_on_the_page(app, org):
    case, task_id = case_task(org, "H-1")
    reviewer = signed_in(app, "reviewer")
    limits = element(reviewer.get(f"/inbox/tasks/{task_id}").text, "limits")
    cid = case_clock(case)["id"]
    assert f'action="/inbox/tasks/{task_id}/clocks/{cid}/pause"' in limits and 'data-confirm=' in limits
    assert '<option value="expert_review">专家评审</option>' in limits and '<option value="hearing">听证</option>' in limits
    assert 'value="correction"' not in limits  # the applicant's corrections are no special procedure
    assert 'name="expected_days" type="number" min="1" max="250"' in limits  # as the server takes it
    assert "原则上不超过本事项承诺办理时限（10 个工作日）" in limits  # 龙里's rule, the item's promise
    assert "/resume" not in limits and "/extend" not in limits  # nothing runs; a reviewer is no head
    # A refusal is said in Chinese, and the form comes back open with what was typed.
    refused = reviewer.post(f"/inbox/tasks/{task_id}/clocks/{cid}/pause",
                            data={"kind": "expert_review", "expected_days": "五天", "reason": "专家评审结构安全"})
    assert refused.status_code == 422 and "请填写原因和预计所需的工作日数" in refused.text
    assert re.search(r"<details open><summary>开始特殊环节（暂停计时）</summary>.*?"
                     r'<option value="expert_review" selected>.*?>专家评审结构安全</textarea>', refused.text, re.S)
    done = reviewer.post(f"/inbox/tasks/{task_id}/clocks/{cid}/pause",
                         data={"kind": "expert_review", "expected_days": "5", "reason": "专家评审结构安全",
                               "participants": "县住建局及三名结构专家"})
    assert done.status_code == 303 and done.location.endswith(f"/inbox/tasks/{task_id}")
    assert case_clock(case)["state"] == "paused"
    [notice] = [n for n in intake.describe(case.id)["notices"] if n["kind"] == "special"]
    assert notice["data"]["procedure"] == "专家评审"
    # The notice tells the applicant who takes part (龙里: 参与人员范围).
    printed = signed_in(app, "clerk").get(f"/intake/notices/{notice['id']}").text
    assert ">县住建局及三名结构专家</td>" in element(printed, "participants")
    limits = element(reviewer.get(f"/inbox/tasks/{task_id}").text, "limits")
    assert "专家评审：专家评审结构安全" in limits and "预计 5 个工作日" in limits
    assert "特殊环节开始" in reviewer.get(f"/inbox/tasks/{task_id}").text  # the history's word is the page's
    assert "/pause" not in limits and f'action="/inbox/tasks/{task_id}/clocks/{cid}/resume"' in limits
    assert reviewer.post(f"/inbox/tasks/{task_id}/clocks/{cid}/resume",
                         data={"result": "评审通过"}).status_code == 303
    assert case_clock(case)["state"] == "running"
    assert "/resume" not in element(reviewer.get(f"/inbox/tasks/{task_id}").text, "limits")


def test_a_special_procedure_still_running_when_its_case_is_decided_ends_with_it(app, org):
    """The case's clock was left paused for good, its special procedure never ended."""
    case, task_id = case_task(org, "H-1")
    cid = case_clock(case)["id"]
    pauses.pause(cid, "expert_review", "专家评审结构安全", 5, org["reviewer"])
    tasks.claim(task_id, org["reviewer"])
    tasks.complete(task_id, org["reviewer"], {})
    assert intake.describe(case.id)["status"] == "decided" and case_clock(case)["state"] == "stopped"
    with session_scope() as session:
        ended = session.scalars(select(Event).where(Event.type == "special_procedure_ended")).all()
        procedure = session.scalar(select(SpecialProcedure).where(SpecialProcedure.clock_id == cid))
    assert [e.data["result"] for e in ended] == ["随环节办结而结束"] and ended[0].data["clock_id"] == cid
    assert procedure.ended_on == clock.today()


def test_the_lead_extends_the_statutory_limit_once(app, org):
    case, task_id = case_task(org, "D-1")
    lead = signed_in(app, "lead")
    cid = case_clock(case)["id"]
    limits = element(lead.get(f"/inbox/tasks/{task_id}").text, "limits")
    assert f'action="/inbox/tasks/{task_id}/clocks/{cid}/extend"' in limits and 'max="10"' in limits
    refused = lead.post(f"/inbox/tasks/{task_id}/clocks/{cid}/extend", data={"days": "11", "reason": "情况复杂"})
    assert refused.status_code == 422 and "延期须为1至10个工作日" in refused.text
    before = case_clock(case)["statutory_due"]
    assert lead.post(f"/inbox/tasks/{task_id}/clocks/{cid}/extend",
                     data={"days": "10", "reason": "情况复杂"}).status_code == 303
    after = case_clock(case)
    assert after["extension_days"] == 10 and after["statutory_due"] > before
    limits = element(lead.get(f"/inbox/tasks/{task_id}").text, "limits")
    assert "/extend" not in limits and "已延长 10 个工作日" in limits  # once only


def test_limits_are_offered_only_to_their_department(app, org):
    _case, task_id = case_task(org, "H-1")
    assert 'id="limits"' in signed_in(app, "reviewer2").get(f"/inbox/tasks/{task_id}").text
    for login in ("clerk", "supervisor", "lead"):  # they may read the task, not stop or lengthen its limits
        page = signed_in(app, login).get(f"/inbox/tasks/{task_id}")
        assert page.status_code in (200, 403) and 'id="limits"' not in page.text
    tasks.claim(task_id, org["reviewer"])
    tasks.complete(task_id, org["reviewer"], {})
    assert 'id="limits"' not in signed_in(app, "reviewer").get(f"/inbox/tasks/{task_id}").text  # decided


def test_claim_is_offered_only_to_who_may_claim(app, org):
    _case, task_id = case_task(org, "H-1")
    assert 'class="primary claim"' in signed_in(app, "reviewer").get(f"/inbox/tasks/{task_id}").text
    for login in ("clerk", "supervisor"):  # they may look at another department's task
        page = signed_in(app, login).get(f"/inbox/tasks/{task_id}")
        assert page.status_code == 200 and 'class="primary claim"' not in page.text
        assert "未认领" in page.text


def test_transfer_to_a_person_by_name(app, org):
    with session_scope() as session:
        session.execute(update(User).where(User.login == "reviewer2").values(name="赵磊"))
    case, task_id = case_task(org, "H-1")
    reviewer = signed_in(app, "reviewer")
    for typed in ("住建局 赵磊", "赵磊 · 住建局", "赵磊"):  # as typed, and as the people list shows it
        operations.transfer(task_id, org["admin"], to_user="reviewer", reason="交回")
        res = reviewer.post(f"/inbox/tasks/{task_id}/transfer", data={"to_user": typed, "reason": "请赵磊办理"})
        assert res.status_code == 303, typed
        assert tasks.list_tasks(org["admin"], instance_id=case.instance_id)[0]["assignee"] == "reviewer2"


def test_copy_to_people_by_name_or_login(app, org):
    with session_scope() as session:
        session.execute(update(User).where(User.login == "reviewer2").values(name="赵磊"))
    case, task_id = case_task(org, "H-1")
    reviewer = signed_in(app, "reviewer")
    res = reviewer.post(f"/inbox/tasks/{task_id}/copy", data={"logins": "赵磊 · 住建局, taxman", "note": "请知悉"})
    assert res.status_code == 303
    with session_scope() as session:
        copied = session.scalar(select(Event).where(Event.type == "task_copied"))
        told = set(session.scalars(select(Notification.user_id).where(Notification.text.like("%Copied to you:%"))))
    assert copied.data["to"] == ["reviewer2", "taxman"] and told == {org["reviewer2"].id, org["taxman"].id}
    assert reviewer.post(f"/inbox/tasks/{task_id}/copy", data={"logins": "无此人"}).status_code == 422
    with session_scope() as session:  # a name with a · in it is a name, not a name and a department
        session.execute(update(User).where(User.login == "taxman").values(name="买买提·艾力"))
    assert reviewer.post(f"/inbox/tasks/{task_id}/copy", data={"logins": "买买提·艾力"}).status_code == 303


def test_the_people_copied_read_it_under_通知_and_mark_it_read(app, org):
    case, task_id = case_task(org, "H-1")
    signed_in(app, "reviewer").post(f"/inbox/tasks/{task_id}/copy", data={"logins": "taxman", "note": "请知悉"})
    taxman = signed_in(app, "taxman")
    page = taxman.get("/inbox/notifications").text
    assert 'id="unread">1<' in page  # the menu counts what is unread, on every page
    row = re.search(r'<tr data-notice="\d+" class="unread">.*?</tr>', page, re.S).group(0)
    assert "抄送：" in row and "请知悉" in row and f'href="/inbox/tasks/{task_id}"' in row
    assert f"办件 {case.number}" in row  # staff know a case by its number
    assert taxman.get(f"/inbox/tasks/{task_id}").status_code == 200  # told of it, may read it
    assert 'id="unread"' not in signed_in(app, "reviewer2").get("/inbox/notifications").text  # told nothing
    assert taxman.post("/inbox/notifications/read").status_code == 303
    page = taxman.get("/inbox/notifications").text
    assert 'id="unread"' not in page and 'class="read"' in page and 'id="mark-read"' not in page


def test_transfer_refuses_a_name_several_people_share(app, org):
    with session_scope() as session:
        session.execute(update(User).where(User.login.in_(["reviewer2", "taxman"])).values(name="赵磊"))
    case, task_id = case_task(org, "H-1")
    tasks.claim(task_id, org["reviewer"])
    reviewer = signed_in(app, "reviewer")
    res = reviewer.post(f"/inbox/tasks/{task_id}/transfer", data={"to_user": "赵磊", "reason": "请赵磊办理"})
    assert res.status_code == 422 and "reviewer2" in res.text and "taxman" in res.text
    assert tasks.list_tasks(org["admin"], instance_id=case.instance_id)[0]["assignee"] == "reviewer"
    # The department chosen beside the name, or written with it, tells them apart.
    res = reviewer.post(f"/inbox/tasks/{task_id}/transfer",
                        data={"to_group": "housing", "to_user": "赵磊", "reason": "请赵磊办理"})
    assert res.status_code == 303
    assert tasks.list_tasks(org["admin"], instance_id=case.instance_id)[0]["assignee"] == "reviewer2"


@pytest.fixture
def people(org):
    return install(org)


def test_a_parallel_review_is_sent_back_only_to_the_window_and_asked_first(people):
    from web import create_app
    app = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False})
    case = take_in(MERGED, {"project": PROJECT}, people["clerk"])
    eco = open_tasks(case.instance_id)["department_review@eco"]
    tasks.claim(eco.id, people["r_eco"])
    page = signed_in(app, "r_eco").get(f"/inbox/tasks/{eco.id}").text
    form = element(page, "send-back")
    assert 'value="window"' in form and 'value="previous"' not in form  # the branch has no earlier step
    assert "data-confirm=" in form and "补正通知书" in form
    res = signed_in(app, "r_eco").post(f"/inbox/tasks/{eco.id}/send-back",
                                          data={"to": "window", "reason": "补充大气环境影响预测"})
    assert res.status_code == 303


def test_a_steps_special_procedure_on_its_page_and_the_leads_two_limits(people):
    from web import create_app
    app = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False})
    case = take_in(MERGED, {"project": PROJECT}, people["clerk"])
    reviews = open_tasks(case.instance_id)
    eco, mine = reviews["department_review@eco"], reviews["department_review@devreform"]
    [eco_clock] = [c.id for c in step_clocks(case.instance_id) if c.task_id == eco.id]
    r_eco = signed_in(app, "r_eco")
    limits = element(r_eco.get(f"/inbox/tasks/{eco.id}").text, "limits")
    assert limits.count('class="limit"') == 1 and f"/clocks/{eco_clock}/pause" in limits  # the case's is devreform's
    assert "/extend" not in limits  # a step's promised limit is not Art. 42's statutory one
    assert r_eco.post(f"/inbox/tasks/{eco.id}/clocks/{eco_clock}/pause",
                      data={"kind": "testing", "expected_days": "3", "reason": "大气监测"}).status_code == 303
    # The lead's own step shows its limit and the case's; the case's waits for the step and is not
    # ended by hand, but the lead may still extend it (45 days of joint handling: 15 more).
    lead_page = element(signed_in(app, "lead").get(f"/inbox/tasks/{mine.id}").text, "limits")
    whole = case_clock(case)
    assert whole["state"] == "paused" and lead_page.count('class="limit"') == 2
    assert f"/clocks/{whole['id']}/resume" not in lead_page and f"/clocks/{whole['id']}/extend" in lead_page
    assert 'max="15"' in lead_page
    assert r_eco.post(f"/inbox/tasks/{eco.id}/clocks/{eco_clock}/resume", data={"result": "监测达标"}).status_code == 303
    assert case_clock(case)["state"] == "running"
    with session_scope() as session:
        assert session.scalar(select(Clock.state).where(Clock.id == eco_clock)) == "running"
    assert offers.offered(eco.id, people["r_water"]) == []  # another department's step


def test_a_step_completed_during_its_special_procedure_ends_it_and_the_case_clock_runs_again(people):
    case = take_in(MERGED, {"project": PROJECT}, people["clerk"])
    eco = open_tasks(case.instance_id)["department_review@eco"]
    [eco_clock] = [c.id for c in step_clocks(case.instance_id) if c.task_id == eco.id]
    pauses.pause(eco_clock, "testing", "大气监测", 3, people["r_eco"])
    assert case_clock(case)["state"] == "paused"
    work(eco, people["r_eco"], {"opinion": "approve", "comment": "同意"})
    assert case_clock(case)["state"] == "running"  # was left paused for good
    with session_scope() as session:
        assert session.scalar(select(Clock.state).where(Clock.id == eco_clock)) == "stopped"
        open_procedures = session.scalar(select(func.count()).select_from(SpecialProcedure)
                                         .where(SpecialProcedure.ended_on.is_(None)))
    assert open_procedures == 0


def test_the_correction_box_says_it_must_be_ticked(people):
    from web import create_app
    app = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False})
    case = take_in(MERGED, {"project": {**PROJECT, "env_category": "registration", "water_source": "municipal"}},
                   people["clerk"])
    [review] = open_tasks(case.instance_id).values()
    work(review, people["lead"], {"opinion": "correction_needed", "comment": "需补正",
                                  "correction_items": "补充节能报告"}, document=False)
    window = open_tasks(case.instance_id)["window_correction@window"]
    tasks.claim(window.id, people["clerk"])
    res = signed_in(app, "clerk").post(f"/inbox/tasks/{window.id}/complete", data={"window_note": "已补"})
    field = re.search(r'data-field="materials_received".*?</div>', res.text, re.S).group(0)
    assert res.status_code == 422 and "请勾选此项" in field and "请从列出的选项中选择" not in res.text


def test_the_history_says_to_whom_a_task_went_and_what_its_clock_said(app, org):
    with session_scope() as session:
        session.execute(update(User).where(User.login == "reviewer2").values(name="赵磊"))
    case, task_id = case_task(org, "H-1")
    operations.transfer(task_id, org["reviewer"], to_user="reviewer2", reason="请赵磊办理")
    page = signed_in(app, "reviewer2").get(f"/inbox/tasks/{task_id}").text
    moved = history_row(page, "task_transferred")
    assert "住建局" in moved and "赵磊" in moved and "请赵磊办理" in moved and "reviewer2" not in moved
    started = history_row(page, "clock_started")
    assert case_clock(case)["promised_due"] in started and "承诺" in started
    # The step arrived after the window's acceptance, not by the clerk's hand.
    arrived = history_row(page, "task_created")
    assert f"系统（{org['clerk'].name} 办理后）" in arrived
    late = clock.date.fromisoformat(case_clock(case)["promised_due"]) + timedelta(days=1)
    timers.tick(now=clock.datetime.combine(late, clock.time(9), clock.SHANGHAI))
    carded = history_row(signed_in(app, "reviewer2").get(f"/inbox/tasks/{task_id}").text, "clock_level_changed")
    assert "黄牌" in carded and "yellow" not in carded


def test_departments_to_transfer_to_are_listed_by_pinyin(app, org):
    from engine.store.models import Department
    named = {"supervision": "电子监察室", "devreform": "发改局", "tax": "税务局", "housing": "住建局", "window": "综合窗口"}
    with session_scope() as session:
        for code, name in named.items():
            session.execute(update(Department).where(Department.code == code).values(name=name))
    _case, task_id = case_task(org, "H-1")
    page = signed_in(app, "reviewer").get(f"/inbox/tasks/{task_id}").text
    picker = re.search(r'<select name="to_group">.*?</select>', page, re.S).group(0)
    listed = [code for code in re.findall(r'<option value="(\w+)"', picker) if code in named]
    assert listed == ["devreform", "tax", "housing", "window"]  # f, s, zhu, zong; supervision works no step


def test_a_task_passed_on_stays_in_the_senders_handled_list_and_opens_for_them(app, org):
    case, task_id = case_task(org, "H-1")
    tasks.claim(task_id, org["reviewer"])
    operations.transfer(task_id, org["reviewer"], to_group="tax", reason="属税务事项")
    reviewer = signed_in(app, "reviewer")
    handled = element(reviewer.get("/inbox/").text, "completed")
    row = re.search(rf'<tr data-task-id="{task_id}".*?</tr>', handled, re.S).group(0)
    assert 'data-handled="transferred"' in row and "已转办" in row
    assert reviewer.get(f"/inbox/tasks/{task_id}").status_code == 200  # it left their department, not their sight
    assert reviewer.get(f"/inbox/instances/{case.instance_id}/diagram.xml").status_code == 200  # all the page shows
    [material] = [m["material_id"] for m in intake.describe(case.id)["materials"] if m["material_id"]]
    assert reviewer.get(f"/inbox/materials/{material}").status_code == 200
    assert signed_in(app, "reviewer2").get(f"/inbox/tasks/{task_id}").status_code == 403  # passed on by another
    assert signed_in(app, "reviewer2").get(f"/inbox/instances/{case.instance_id}/diagram.xml").status_code == 403
    tasks.claim(task_id, org["taxman"])
    tasks.complete(task_id, org["taxman"], {})
    taxman = element(signed_in(app, "taxman").get("/inbox/").text, "completed")
    assert 'data-handled="completed"' in re.search(rf'<tr data-task-id="{task_id}".*?</tr>', taxman, re.S).group(0)


def test_a_step_handed_back_is_on_the_to_do_list_only(app, org):
    _case, task_id = case_task(org, "H-1")
    tasks.claim(task_id, org["reviewer"])
    operations.transfer(task_id, org["reviewer"], to_user="taxman", reason="请税务办理")
    operations.transfer(task_id, org["taxman"], to_user="reviewer", reason="退回住建")
    page = signed_in(app, "reviewer").get("/inbox/").text
    assert f'data-task-id="{task_id}"' in element(page, "mine")
    assert f'data-task-id="{task_id}"' not in element(page, "completed")
