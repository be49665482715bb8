"""撤回申请: the applicant takes an application back before its decision, online or by a written
request the window records. The case ends where it stands and everything running for it stops."""
import pytest
from sqlalchemy import select

from engine import corrections, decisions, intake, portal, supervision, termination, timers
from engine.errors import Conflict, Forbidden, Invalid, NotFound
from engine.services import cases, notifications, tasks
from engine.store import session_scope
from engine.store.models import Clock, Event, Task, Timer
from tests.procedures import open_tasks, step_clocks, take_in, uploads
from tests.test_portal_review_correction import (  # noqa: F401 (fixtures)
    COMPANY, ITEM, OTHER, PROJECT, app, company, other, people, sign_in)
from tests.web import element, history_row, in_chinese, signed_in


def case_events(case_id):
    with session_scope() as session:
        return session.scalars(select(Event).where(Event.case_id == case_id).order_by(Event.id)).all()


def pending_timers(case):
    with session_scope() as session:
        return session.scalars(select(Timer).where(Timer.state == "pending", (Timer.case_id == case.id)
                                                   | (Timer.instance_id == case.instance_id))).all()


def in_review(people):
    """Accepted at the window; energy's review claimed by its reviewer, the others waiting."""
    case = take_in(ITEM, PROJECT, people["clerk"])
    review = open_tasks(case.instance_id)["department_review@devreform"]
    tasks.claim(review.id, people["lead"])
    return intake.get_case(case.id), review


def test_withdrawn_before_acceptance_ends_the_case_and_its_art32_clock(people, company):
    case = portal.apply(company.id, ITEM, uploads(ITEM, form=PROJECT), PROJECT)
    assert [t.kind for t in pending_timers(case)] == ["deemed"]
    notice = termination.withdraw(case.id, "项目选址调整，暂不申请", people["clerk"])
    info = intake.describe(case.id)
    assert info["status"] == "withdrawn" and info["instance_id"] is None
    assert notice.kind == "termination" and notice.data["withdrawn"] is True
    assert notice.data["reason"] == "项目选址调整，暂不申请"
    assert pending_timers(case) == []  # five working days on, nothing is deemed accepted
    [withdrawn] = [e for e in case_events(case.id) if e.type == "case_withdrawn"]
    assert withdrawn.actor_id == people["clerk"].id and withdrawn.data["reason"] == "项目选址调整，暂不申请"
    with pytest.raises(Conflict):
        intake.accept(case.id, people["clerk"])


def test_withdrawn_in_review_cancels_its_tasks_stops_its_clocks_and_tells_the_holder(people):
    case, review = in_review(people)
    termination.withdraw(case.id, "申请人书面申请撤回", people["clerk"])
    assert cases.get_instance(case.instance_id, people["admin"])["state"] == "terminated"
    assert open_tasks(case.instance_id) == {}
    with session_scope() as session:
        rows = session.scalars(select(Task).where(Task.instance_id == case.instance_id)).all()
        clocks = session.scalars(select(Clock).where(Clock.instance_id == case.instance_id)).all()
        cancelled = session.scalars(select(Event.task_id).where(Event.instance_id == case.instance_id,
                                                                Event.type == "task_cancelled")).all()
    assert {t.state for t in rows} == {"cancelled"} and sorted(cancelled) == sorted(t.id for t in rows)
    assert clocks and {c.state for c in clocks} == {"stopped"}
    assert pending_timers(case) == []
    [told] = notifications.notifications(people["lead"])
    assert in_chinese(told["text"]) == f"办件 {case.number} 申请人已撤回申请，「{review.title}」已取消"
    assert told["task_id"] == review.id  # opens the reader's own task, not the case's latest
    with session_scope() as session:  # the cause comes first in the history, then what it ended
        types = list(session.scalars(select(Event.type).where(Event.instance_id == case.instance_id)
                                     .order_by(Event.id)))
    assert types.index("case_withdrawn") < types.index("task_cancelled") < types.index("instance_terminated")
    today = intake.clock.today()
    [lead] = [r for r in supervision.monthly(today.year, today.month) if r["department"] == "devreform"]
    assert (lead["withdrawn"], lead["terminated"], lead["finished"]) == (1, 0, 0)  # counted apart, never finished
    with pytest.raises(Conflict, match="case has ended"):  # the holder's form, still open on a screen
        tasks.complete(review.id, people["lead"], {"opinion": "approve", "comment": "同意"})
    with pytest.raises(Conflict, match="case has ended"):  # sent with its result file, checked before the step
        tasks.complete(review.id, people["lead"], {"opinion": "approve", "comment": "同意"},
                       [intake.Upload("result", "r.pdf", b"%PDF r")])
    with pytest.raises(Conflict):
        decisions.deliver(case.id, "window", people["clerk"])


def test_the_applicant_withdraws_their_own_case_online_and_may_rate_it(people, company, other):
    case = portal.apply(company.id, ITEM, uploads(ITEM, form=PROJECT), PROJECT)
    with pytest.raises(NotFound):  # someone else's case is not found, and stays as it was
        termination.withdraw(case.id, "不想办了", None, applicant_id=other.id)
    assert intake.describe(case.id)["status"] == "submitted"
    termination.withdraw(case.id, "不想办了", None, applicant_id=company.id)
    shown = portal.progress(company.id, case.number)
    assert shown["status"] == "withdrawn" and [s["type"] for s in shown["steps"]][-2:] == ["case_withdrawn", "notice_issued"]
    from engine import ratings
    ratings.rate(case.id, company.id, 2, "")
    assert intake.describe(case.id)["status"] == "withdrawn"


@pytest.mark.parametrize("reason", ["", "   ", "长" * (termination.MAX_REASON + 1)])
def test_a_withdrawal_needs_a_reason_of_reasonable_length(people, reason):
    case, _review = in_review(people)
    with pytest.raises(Invalid):
        termination.withdraw(case.id, reason, people["clerk"])
    assert intake.describe(case.id)["status"] == "accepted"
    assert "department_review@devreform" in open_tasks(case.instance_id)


def test_only_the_window_records_a_withdrawal_and_only_before_the_decision(people, company):
    case = portal.apply(company.id, ITEM, uploads(ITEM, form=PROJECT), PROJECT)
    with pytest.raises(Forbidden):
        termination.withdraw(case.id, "撤回", people["lead"])
    intake.refuse(case.id, "不属于本机关职权范围", people["clerk"])
    with pytest.raises(Conflict):
        termination.withdraw(case.id, "撤回", people["clerk"])
    assert intake.describe(case.id)["status"] == "refused"


def test_a_withdrawn_case_in_correction_takes_no_more_materials(people, company):
    case = portal.apply(company.id, ITEM, uploads(ITEM, skip=("application_form",), form=PROJECT), PROJECT)
    corrections.request_correction(case.id, [{"code": "application_form", "reason": "缺少"}], people["clerk"], "")
    termination.withdraw(case.id, "撤回", None, applicant_id=company.id)
    with pytest.raises(Conflict):
        corrections.supply(case.id, uploads(ITEM, form=PROJECT), None, applicant_id=company.id)


def test_the_timer_tick_passes_a_withdrawn_case_by(people):
    """Accepted with a material deferred (容缺): its date, once passed, would end the case again."""
    soon = intake.calendars.current().add_workdays(intake.clock.today(), 3).date
    case = take_in(ITEM, PROJECT, people["clerk"], deferred={"land_title": soon}, skip=("land_title",))
    termination.withdraw(case.id, "撤回", people["clerk"])
    far = intake.clock.datetime(2099, 1, 1, tzinfo=intake.clock.SHANGHAI)
    timers.tick(now=far)
    assert intake.describe(case.id)["status"] == "withdrawn"
    assert not [e for e in case_events(case.id) if e.type in ("case_decided", "case_terminated")]


# --- the pages and the API ------------------------------------------------------------------------

def test_the_window_records_a_withdrawal_on_the_case_page(app, people):
    case, review = in_review(people)
    clerk = signed_in(app, "clerk")
    page = clerk.get(f"/intake/cases/{case.id}").text
    assert "withdraw-form" in page
    steps = element(page, "open-steps")
    assert f'href="/inbox/tasks/{review.id}"' in steps and "lead" in steps  # who holds it, to follow it up
    refused = clerk.post(f"/intake/cases/{case.id}/withdraw", data={"reason": " "})
    assert refused.status_code == 422 and intake.describe(case.id)["status"] == "accepted"
    done = clerk.post(f"/intake/cases/{case.id}/withdraw", data={"reason": "申请人书面申请撤回"})
    assert done.status_code == 303
    page = clerk.get(f"/intake/cases/{case.id}").text
    assert 'data-status="withdrawn"' in page and "withdraw-form" not in page and "终止办理告知书" in page
    [notice] = [n for n in intake.describe(case.id)["notices"] if n["kind"] == "termination"]
    printed = clerk.get(f"/intake/notices/{notice['id']}").text
    assert "申请人书面申请撤回" in printed and "领回" in printed


def test_the_applicant_withdraws_on_the_portal_only_when_confirmed(app, people, company, other):
    case = portal.apply(company.id, ITEM, uploads(ITEM, form=PROJECT), PROJECT)
    client = sign_in(app, COMPANY)
    assert 'id="withdraw-form"' in client.get(f"/portal/cases/{case.number}").text
    unconfirmed = client.post(f"/portal/cases/{case.number}/withdraw", data={"reason": "不办了"})
    assert unconfirmed.status_code == 422 and intake.describe(case.id)["status"] == "submitted"
    assert sign_in(app, OTHER).post(f"/portal/cases/{case.number}/withdraw",
                                    data={"reason": "不办了", "confirm": "y"}).status_code == 404
    done = client.post(f"/portal/cases/{case.number}/withdraw", data={"reason": "不办了", "confirm": "y"})
    assert done.status_code == 302 and intake.describe(case.id)["status"] == "withdrawn"
    page = client.get(f"/portal/cases/{case.number}").text
    assert "已撤回申请" in page and 'id="withdraw-form"' not in page and "不办了" in page
    # The window reads who did it, though the case never reached a procedure.
    window = signed_in(app, "clerk").get(f"/intake/cases/{case.id}").text
    row = history_row(window, "case_withdrawn")
    assert "申请人（网上）" in row and "不办了" in row
    submitted = history_row(window, "case_submitted")
    assert "申请人（网上）" in submitted
    [notice] = [n for n in intake.describe(case.id)["notices"] if n["kind"] == "termination"]
    assert "领回" not in client.get(f"/portal/cases/{case.number}/notices/{notice['id']}").text  # no paper came


def test_the_api_records_a_withdrawal(app, people, company):
    from engine.services import tokens
    case = portal.apply(company.id, ITEM, uploads(ITEM, form=PROJECT), PROJECT)
    token = tokens.issue_token("clerk", label="window")
    api = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    assert api.post(f"/api/cases/{case.id}/withdraw", json={}, headers=headers).status_code == 422
    answer = api.post(f"/api/cases/{case.id}/withdraw", json={"reason": "撤回"}, headers=headers)
    assert answer.status_code == 200 and answer.json["status"] == "withdrawn"
    again = api.post(f"/api/cases/{case.id}/withdraw", json={"reason": "撤回"}, headers=headers)
    assert again.status_code == 409 and again.json["error"]


# --- what else runs for the case ------------------------------------------------------------------

def test_a_suspended_procedures_timers_end_with_the_case(people):
    """An administrator suspended the procedure (its timer waits, suspended): the withdrawal
    still ends it, and nothing is left to fire or to list among the incidents."""
    from engine import catalogue
    from engine.services import admin, deploy
    from tests.procedures import promised_item
    from tests.test_suspension import WAIT
    deploy.deploy([("wait.bpmn", WAIT.encode())], people["designer"])
    catalogue.save(promised_item("W-9", "wait", "housing"), None)
    case = intake.submit("W-9", {"name": "张三", "id_number": "110101199001011237"},
                         [intake.Upload("id_card", "id.pdf", b"%PDF")], people["clerk"])
    case = intake.accept(case.id, people["clerk"])
    admin.suspend_instance(case.instance_id, "核查", people["admin"])

    def bpmn_timers():
        with session_scope() as session:
            return list(session.scalars(select(Timer.state).where(Timer.instance_id == case.instance_id,
                                                                  Timer.kind == "bpmn")))
    assert bpmn_timers() == ["suspended"]
    termination.withdraw(case.id, "撤回", people["clerk"])
    assert bpmn_timers() == ["cancelled"] and pending_timers(case) == []


def test_a_special_procedure_under_way_ends_without_telling_the_applicant_time_runs_again(people, company):
    from engine.clock import limits, pauses, stopping
    case = intake.accept(portal.apply(company.id, ITEM, uploads(ITEM, form=PROJECT), PROJECT).id, people["clerk"])
    with session_scope() as session:
        whole = limits.case_clock(session, case.instance_id)
        pauses.start_special(session, whole, "hearing", "听证", 10, people["lead"])
    assert "special_procedure_started" in [s["type"] for s in portal.progress(company.id, case.number)["steps"]]
    termination.withdraw(case.id, "撤回", None, applicant_id=company.id)
    steps = [s["type"] for s in portal.progress(company.id, case.number)["steps"]]
    assert "special_procedure_ended" not in steps and steps[-2:] == ["case_withdrawn", "notice_issued"]
    with session_scope() as session:
        ended = session.scalar(select(Event).where(Event.type == "special_procedure_ended"))
    assert ended.data["result"] == stopping.ENDED_WITH_CASE



def test_a_steps_special_procedure_ends_with_the_case_not_with_its_cancelled_step(people, company):
    """The step's procedure stopped the case's clock too; cancelling the step must not run the
    case's clock again (its deadlines moved) on a case that has ended."""
    from engine.clock import pauses, stopping
    case = intake.accept(portal.apply(company.id, ITEM, uploads(ITEM, form=PROJECT), PROJECT).id, people["clerk"])
    review = next(t for key, t in open_tasks(case.instance_id).items()
                  if key.startswith("department_review@") and f"r_{t.group}" in people)
    [step] = [c for c in step_clocks(case.instance_id) if c.task_id == review.id]
    pauses.pause(step.id, "expert_review", "专家评审", 5, people[f"r_{review.group}"])
    termination.withdraw(case.id, "撤回", None, applicant_id=company.id)
    with session_scope() as session:
        ended = session.scalars(select(Event).where(Event.type == "special_procedure_ended")).all()
    assert len(ended) == 2 and {e.data["result"] for e in ended} == {stopping.ENDED_WITH_CASE}
    steps = [s["type"] for s in portal.progress(company.id, case.number)["steps"]]
    assert "special_procedure_ended" not in steps

def test_a_withdrawn_cases_task_is_not_moved(people):
    from engine import operations
    case, review = in_review(people)
    termination.withdraw(case.id, "撤回", people["clerk"])
    with pytest.raises(Conflict):
        operations.transfer(review.id, people["lead"], to_group="housing", reason="转住建")
    with session_scope() as session:
        assert session.get(Task, review.id).group == "devreform"


def test_a_cancelled_step_takes_no_copy_or_note_and_its_page_offers_none(app, people):
    from engine import operations
    case, review = in_review(people)
    termination.withdraw(case.id, "申请人书面申请撤回", people["clerk"])
    with pytest.raises(Conflict, match="cancelled"):
        operations.copy_to(review.id, people["lead"], ["reviewer"], "请知悉")
    with pytest.raises(Conflict, match="cancelled"):
        operations.comment(review.id, people["lead"], "补记意见")
    page = signed_in(app, "lead").get(f"/inbox/tasks/{review.id}").text
    assert 'id="operations"' not in page and "添加批注" not in page
    assert 'data-active="[]"' in page  # the diagram shows nothing under way


def test_an_administrator_ends_a_case_on_a_legal_ground_and_the_applicant_is_told(people, app, company):
    """依法终止办理: not the applicant's withdrawal nor a missed date, but a ground the law gives
    (here the applicant company was dissolved), with what the office decided it on."""
    case, review = in_review(people)
    assert "承诺办结日期" in sign_in(app, COMPANY).get(f"/portal/cases/{case.number}").text
    with pytest.raises(Forbidden):  # an administrator's act, not a reviewer's or the window's
        termination.terminate(case.id, "entity_ended", "市场监管局注销登记通知书", people["clerk"])
    for ground, basis in (("bankrupt", "x"), ("entity_ended", " ")):  # refused, and nothing changes
        with pytest.raises(Invalid):
            termination.terminate(case.id, ground, basis, people["admin"])
    assert intake.describe(case.id)["status"] == "accepted" and open_tasks(case.instance_id)
    admin = signed_in(app, "admin")
    page = admin.get("/admin/instances").text
    assert f'action="/admin/cases/{case.id}/terminate"' in page and "申请人（法人或者其他组织）依法终止" in page
    ended = admin.post(f"/admin/cases/{case.id}/terminate",
                       data={"ground": "entity_ended", "basis": "市场监管局准予注销登记通知书（2026）第18号"})
    assert ended.status_code == 303
    info = intake.describe(case.id)
    assert info["status"] == "terminated" and open_tasks(case.instance_id) == {}
    assert cases.get_instance(case.instance_id, people["admin"])["state"] == "terminated"
    notice = info["notices"][-1]
    assert notice["kind"] == "termination" and notice["data"]["withdrawn"] is False
    assert notice["data"]["reason"] == "申请人（法人或者其他组织）依法终止（市场监管局准予注销登记通知书（2026）第18号）"
    [event] = [e for e in case_events(case.id) if e.type == "case_terminated"]
    assert event.actor_id == people["admin"].id and event.data["ground"] == "entity_ended"
    printed = signed_in(app, "clerk").get(f"/intake/notices/{notice['id']}").text
    assert "依法终止" in element(printed, "reason") and "行政复议" in printed
    shown = sign_in(app, COMPANY).get(f"/portal/cases/{case.number}").text  # no date to be decided by any more
    assert "依法终止" in shown and "承诺办结日期" not in shown and "法定办结日期" not in shown
    again = admin.post(f"/admin/cases/{case.id}/terminate", data={"ground": "duplicate", "basis": "重复"})
    assert again.status_code == 409  # ended once
