"""Ending a case before its decision: the applicant withdraws the application (撤回申请), online
or by a written request at the window; a review round's correction notice went unanswered past
its date (逾期未补正); deferred materials (容缺) were not brought in time; or the office ends it
on a ground the law gives (依法终止: the applicant died or was dissolved, the matter needs no
approval any more, force majeure, or the case was filed twice by mistake).

The case ends where it stands: its procedure is terminated, its open tasks are cancelled (the
people holding them are told), its clocks stop, its timers will not fire, and the applicant gets
a written notice saying so.
"""
from collections.abc import Callable
from datetime import date, datetime, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import agencies, case_news, clock, orchestrator
from engine.case_status import open_case, review_correction, unpaid
from engine.clock import stopping
from engine.errors import Conflict, Invalid, Message, NotFound, written
from engine.notices import issue_notice
from engine.services.events import record, record_case
from engine.services.notifications import tell
from engine.services.users import require
from engine.store import session_scope
from engine.store.db import locked, read_session
from engine.store.models import Case, Instance, Notice, Task, Timer, User

# Before the decision: a decided case is withdrawn no more (what remains is delivering it).
WITHDRAWABLE = ("submitted", "correction", "accepted", "conditional", "review_correction")
MAX_REASON = 500
# Timers that would still fire: due, held while an administrator suspends the procedure, or
# failed and waiting for a retry.
_WAITING = ("pending", "suspended", "incident")
# 依法终止办理: the grounds an administrator ends a case on, as the notice states them (Chinese,
# like every notice's text), each followed by what the office decided it on.
GROUNDS = {
    "applicant_died": "申请人死亡或者丧失行为能力，无继承人或者继承人放弃申请",
    "entity_ended": "申请人（法人或者其他组织）依法终止",
    "no_longer_required": "申请事项依法不再需要审批",
    "force_majeure": "因不可抗力导致无法继续办理",
    "duplicate": "同一申请重复提交或者误录入",
}


def withdraw(case_id: int, reason: str, actor: User | None, applicant_id: int | None = None) -> Notice:
    """The applicant takes the application back: online (actor None, applicant_id theirs) or by a
    written request the window records (actor a clerk)."""
    if actor is not None:
        require(actor, "clerk")
    reason = written(reason, Message("Say why the application is withdrawn"),
                     Message("The reason is longer than %(max)s characters", max=MAX_REASON))
    with session_scope() as session:
        case = _lock(session, case_id, WITHDRAWABLE)
        if applicant_id is not None and case.applicant_id != applicant_id:
            raise NotFound("No case %(case)s", case=case_id)  # someone else's case is not shown
        by = {"by": "applicant"} if actor is None else {}  # online, in the applicant's own name
        return end(session, case, "withdrawn", actor, reason, **by)


def terminate(case_id: int, ground: str, basis: str, actor: User) -> Notice:
    """依法终止办理: an administrator ends a case before its decision on one of GROUNDS, saying
    what the office decided it on (a certificate, the department's written decision); the
    applicant is told the ground and their remedies."""
    require(actor, "admin")
    if ground not in GROUNDS:
        raise Invalid("Choose the ground the case is ended on: %(grounds)s", grounds=", ".join(GROUNDS))
    said = Message("Say what the office decided it on, in at most %(max)s characters", max=MAX_REASON)
    basis = written(basis, said, said)
    with session_scope() as session:
        case = _lock(session, case_id, WITHDRAWABLE)
        return end(session, case, "terminated", actor, f"{GROUNDS[ground]}（{basis}）", ground=ground)


def lapse(case_id: int, actor: User) -> Notice:
    """逾期未补正 / 逾期未缴纳税费: the applicant handed in nothing by the date a review round's
    correction notice gave, or paid nothing by the date a payment notice gave; the window ends the
    case, and tells the applicant why and how to appeal."""
    require(actor, "clerk")
    with session_scope() as session:
        case = _lock(session, case_id, ("review_correction", "accepted", "conditional"))
        if case.status != "review_correction":
            return _unpaid_lapse(session, case, actor)
        due, answered = review_correction(session, case.id)
        if due is None:  # a notice issued before 2026-11-28 told the applicant no date
            raise Conflict("The correction notice gave the applicant no date; the case cannot lapse")
        if clock.today() <= due:
            raise Conflict("The applicant has until %(due)s to answer the correction notice", due=due.isoformat())
        if answered:
            raise Conflict("The applicant has handed in materials since the correction notice: confirm them "
                           "on the window's correction step")
        return end(session, case, "terminated", actor, f"逾期未补正（补正期限 {due.isoformat()}）")


def _unpaid_lapse(session: Session, case: Case, actor: User) -> Notice:
    due = payment_due(session, case.id)
    if due is None:
        raise Conflict("Case %(case)s waits for no correction or payment by a date", case=case.number)
    if clock.today() <= due:
        raise Conflict("The applicant has until %(due)s to pay", due=due.isoformat())
    return end(session, case, "terminated", actor, f"逾期未缴纳税费（缴款期限 {due.isoformat()}）")


def payment_due(session: Session, case_id: int) -> date | None:
    """The date by which the applicant is to pay what a waiting payment notice asks (the latest's)."""
    waiting = [n for n in unpaid(session, case_id) if n.data.get("due_on")]
    return date.fromisoformat(waiting[-1].data["due_on"]) if waiting else None


def payment(case_id: int) -> date | None:
    with read_session() as session:
        return payment_due(session, case_id)


def correction(case_id: int) -> tuple[date | None, bool]:
    """The date the case's latest review-round correction notice gave the applicant (None if it
    gave none), and whether they have handed anything in since."""
    with read_session() as session:
        return review_correction(session, case_id)


def _lock(session: Session, case_id: int, states) -> Case:
    """The case and its procedure, held; the procedure first, as a step and the timer tick take
    them (a step locks its instance, then changes the case)."""
    instance_id = session.scalar(select(Case.instance_id).where(Case.id == case_id))
    if instance_id is not None:
        locked(session, Instance, instance_id)
    case = open_case(session, case_id, *states)
    if case.instance_id != instance_id:  # accepted between the two reads: its procedure is not held
        raise Conflict("Case %(case)s was accepted just now; try again", case=case.number)
    return case


def end(session: Session, case: Case, status: str, actor: User | None, reason: str, **data) -> Notice:
    """The case ends with `status` (withdrawn, terminated) and so does everything that runs for it;
    one event of the case says why, and the 终止办理告知书 tells the applicant. Its procedure, if
    any, is already locked."""
    case.status = status
    record_case(session, f"case_{status}", case, actor=actor, reason=reason, **data)  # the cause first
    for timer in session.scalars(select(Timer).where(Timer.case_id == case.id, Timer.state.in_(_WAITING))):
        timer.state = "cancelled"
    agencies.case_ended(session, case)
    voided = [n.number for n in unpaid(session, case.id)]  # read while their steps still wait
    if case.instance_id is not None:
        end_procedure(session, session.get(Instance, case.instance_id), actor,
                      lambda step: Message("the applicant withdrew the application; %(task)s is cancelled", task=step)
                      if status == "withdrawn" else Message("the case was ended; %(task)s is cancelled", task=step))
    # Paper handed in at a window goes back to the applicant; an online one handed none in.
    return issue_notice(session, case, "termination", actor, reason=reason, withdrawn=status == "withdrawn",
                        paper=case.channel != "online", voided=voided)


def end_procedure(session: Session, instance: Instance, actor: User | None, told: Callable[[str], Message],
                  result: str = stopping.ENDED_WITH_CASE) -> None:
    """The procedure ends before its end: its open steps are cancelled, each holder told told(step)
    (a Message naming the step), its clocks stop (a special procedure still running ends with
    `result`), and its timers will not fire."""
    instance.state, instance.ended_at = "terminated", datetime.now(timezone.utc)  # bumps its revision
    # Clocks first: a step's special procedure ends with the case, not with its cancelled step
    # (which would run the case's clock again, its deadlines moved, on a case that has ended).
    stopping.stop_running(session, instance.id, actor, result=result)
    for task in session.scalars(select(Task).where(Task.instance_id == instance.id, Task.state == "ready")):
        task.state = "cancelled"
        orchestrator.task_closed(session, instance, task, None, actor)
        record(session, "task_cancelled", actor=actor, instance_id=instance.id, task_id=task.id, task=task.name)
        if task.assignee_id is not None:
            tell(session, [task.assignee_id], instance.id, task.id, told(task.title or task.name))
    for timer in session.scalars(select(Timer).where(Timer.instance_id == instance.id, Timer.state.in_(_WAITING))):
        timer.state = "cancelled"
    record(session, "instance_terminated", actor=actor, instance_id=instance.id)


def remind_overdue(session: Session, timer: Timer, now: datetime) -> None:
    """The date a notice gave the applicant passed (an answer_due timer): if they still owe what it
    asked, the window that took the case in is told it may end it (lapse). Ending it is the
    window's act: a correction may have come to the counter and not been entered yet."""
    case = session.get(Case, timer.case_id)
    if case.status == "review_correction":
        due, answered = review_correction(session, case.id)
        owed = None if answered or due is None or clock.end_of(due) > now else Message(
            "the applicant handed in nothing by %(due)s, the correction notice's date: if nothing has come, "
            "end the case on its page (逾期未补正)", due=due.isoformat())
    else:
        due = payment_due(session, case.id)
        owed = None if due is None or clock.end_of(due) > now else Message(
            "the applicant paid nothing by %(due)s, the payment notice's date: if no payment has come, end "
            "the case on its page (逾期未缴纳)", due=due.isoformat())
    if owed is not None:
        case_news.tell_window(session, case, owed)
