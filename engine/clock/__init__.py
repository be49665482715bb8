"""Case clocks: statutory and promised deadlines in working days, pauses, extensions, levels.

Supervision colours follow the promised deadline and legal breaches the statutory one
(domain.md section 3). A clock's level changes on a known day; a timer row for that day
(kind "clock") makes the tick recompute it, so no sweep over all cases is needed.
"""
from datetime import date, datetime, time, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.clock.levels import refresh_clock, schedule
from engine.clock.limits import case_clock, describe, promise_to_applicant, recompute
from engine.clock.procedures import ended_by_hand, expected_end, running_procedure
from engine.clock.rights import PROCEDURE_ROLES, governs, held_by_another, running_clock
from engine.errors import Conflict, Invalid
from engine.notices import notify_applicant
from engine.services import calendars, special_kinds
from engine.services.events import record
from engine.services.lanes import may_work_on
from engine.services.users import require
from engine.store import session_scope
from engine.store.db import read_session
from engine.store.models import Clock, SpecialProcedure, Task, User

SHANGHAI = ZoneInfo("Asia/Shanghai")
JOINT_EXTENSION = 15  # Art. 42: a joint handling's 45 days, extended by the government's head
MAX_APPROVAL = 200
# A special procedure's expected length: a year of working days is more than any takes (and each
# day expected is a day the deadlines are counted over).
MAX_SPECIAL_DAYS = 250
# The result a special procedure records when its step or case is decided while it runs.
ENDED_WITH_STEP = "随环节办结而结束"
ENDED_WITH_CASE = "随办件终止而结束"  # its time was never resumed: the applicant is not told it was


def add_years(day: date, years: int) -> date:
    """The same day `years` later; 29 February becomes 28 February in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def end_of(day: date) -> datetime:
    """The last second of a day in Shanghai: a deadline "by day D" runs until then."""
    return datetime.combine(day, time(23, 59, 59), SHANGHAI).astimezone(timezone.utc)


def start_of(day: date) -> datetime:
    """The first moment of a day in Shanghai: what happened "in a month" happened from then."""
    return datetime.combine(day, time(0), SHANGHAI).astimezone(timezone.utc)


def today() -> date:
    return datetime.now(SHANGHAI).date()


def _extension_limit(clock: Clock) -> int:
    """Art. 42: 10 working days, 15 where the limit is a joint handling's 45."""
    return JOINT_EXTENSION if (clock.statutory_days or 0) >= 45 else 10


def pause(clock_id: int, kind: str, reason: str, expected_days: int, actor: User) -> int:
    """Start a special procedure (Art. 45): the clock stops until it ends. Its time is not
    counted against the case either, so a step's procedure stops the case's clock too; the
    applicant is told in writing what it is and how long it will take (特殊环节通知书)."""
    require(actor, *PROCEDURE_ROLES)
    if not reason or not 0 < expected_days <= MAX_SPECIAL_DAYS:
        raise Invalid("A reason and the expected length, 1 to %(max)s working days, are required",
                      max=MAX_SPECIAL_DAYS)
    with session_scope() as session:
        kinds = special_kinds.names(session, startable=True)
        if kind not in kinds:
            raise Invalid("Unknown special procedure %(kind)s; known: %(kinds)s", kind=repr(kind),
                          kinds=", ".join(kinds))
        clock = running_clock(session, clock_id, actor)
        procedure = start_special(session, clock, kind, reason, expected_days, actor)
        whole = case_clock(session, clock.instance_id) if clock.task_id is not None else None
        if whole is not None and whole.state == "running":
            start_special(session, whole, kind, reason, expected_days, actor, for_step=clock)
        # The notice cites Art. 45 for the law's own procedures only (a licence's, notices.py).
        notify_applicant(session, clock.instance_id, "special", actor, procedure=kinds[kind],
                         law=kind in special_kinds.SPECIAL_KINDS, reason=reason, expected_days=expected_days,
                         expected_end=calendars.current().add_workdays(today(), expected_days).date.isoformat())
        return procedure


def start_special(session: Session, clock: Clock, kind: str, reason: str, expected_days: int,
                  actor: User | None, *, for_step: Clock | None = None) -> int:
    """Pause the clock; `for_step` is the step whose procedure stops the case's clock too."""
    if clock.state == "paused":
        raise Conflict("A special procedure is already running on this clock")
    clock.state, clock.paused_since = "paused", today()
    procedure = SpecialProcedure(clock_id=clock.id, kind=kind, reason=reason, started_on=today(),
                                 expected_days=expected_days, started_by=actor.id if actor else None,
                                 step_clock_id=for_step.id if for_step is not None else None)
    session.add(procedure)
    session.flush()
    schedule(session, clock, today())
    record(session, "special_procedure_started", actor=actor, instance_id=clock.instance_id,
           clock_id=clock.id, label=clock.label, procedure_id=procedure.id, kind=kind, reason=reason,
           expected_days=expected_days)
    return procedure.id


def resume(clock_id: int, result: str, actor: User, on: date | None = None) -> Clock:
    """End the running special procedure; the deadlines move by the working days it took. The
    case's clock, stopped by a step's procedure, runs again when no step of it is in one."""
    require(actor, *PROCEDURE_ROLES)
    if not (result or "").strip():  # the applicant reads it: how it ended (达标, 评审通过 ...)
        raise Invalid("Say how the special procedure ended (its result)")
    with session_scope() as session:
        clock = running_clock(session, clock_id, actor)
        if not ended_by_hand(running_procedure(session, clock)):
            raise Conflict("This pause ends by itself: with the applicant's corrections, or with the special "
                           "procedure of the step that stopped it")
        return _end_with_steps(session, clock, result, actor, on or today())


def _end_with_steps(session: Session, clock: Clock, result: str, actor: User | None, on: date) -> Clock:
    """End the clock's special procedure; the case's clock, stopped for its steps' procedures,
    runs again when no step is in one any more."""
    clock = end_special(session, clock, result, actor, on)
    whole = case_clock(session, clock.instance_id) if clock.task_id is not None else None
    if whole is not None and _waits_only_for_steps_now_done(session, whole):
        end_special(session, whole, result, actor, on)
    return clock


def _waits_only_for_steps_now_done(session: Session, whole: Clock) -> bool:
    """Whether the case's clock was stopped by its steps' procedures (not by one of its own, a
    hearing on the case or the applicant's corrections), and no step is in one any more."""
    procedure = running_procedure(session, whole)
    if procedure is None or procedure.step_clock_id is None:
        return False
    return session.scalar(select(Clock.id).where(Clock.instance_id == whole.instance_id,
                                                 Clock.task_id.is_not(None), Clock.state == "paused").limit(1)) is None


def end_special(session: Session, clock: Clock, result: str, actor: User | None, on: date) -> Clock:
    if clock.state != "paused":
        raise Conflict("No special procedure is running on this clock")
    procedure = running_procedure(session, clock)
    procedure.ended_on, procedure.result = on, result
    days = calendars.current().workdays_between(clock.paused_since, on)
    clock.paused_days += days
    clock.state, clock.paused_since = "running", None
    recompute(session, clock)
    record(session, "special_procedure_ended", actor=actor, instance_id=clock.instance_id,
           clock_id=clock.id, label=clock.label, procedure_id=procedure.id, kind=procedure.kind, result=result,
           paused_days=days, promised_due=clock.promised_due.isoformat())
    refresh_clock(session, clock, datetime.now(timezone.utc))
    return clock


def extend(clock_id: int, days: int, reason: str, approver: User, approval: str = "") -> Clock:
    """延长审批 (Art. 42): once, +10 working days, approved by the head of the department (the
    lead who records it); +15 for joint handling, approved by the head of the government at that
    level (本级人民政府负责人), outside the departments: `approval` says who approved and on what
    paper, and the applicant's notice says so."""
    require(approver, "lead")
    approval = (approval or "").strip()
    with session_scope() as session:
        clock = running_clock(session, clock_id, approver)
        allowed = _extension_limit(clock)
        if clock.statutory_days is None:  # a step's promised limit: Art. 42 lengthens a statutory one
            raise Conflict("Only a limit set by law can be extended (Art. 42); this one has none")
        if clock.task_id is not None:  # Art. 43's twenty days for a lower level have no extension
            raise Conflict("Art. 42 extends the case's limit, not a step's")
        if clock.extension_days:
            raise Conflict("The limit has already been extended once")
        if not 0 < days <= allowed or not reason:
            raise Invalid("An extension is 1 to %(days)s working days, with a reason", days=allowed)
        if allowed == JOINT_EXTENSION and not 0 < len(approval) <= MAX_APPROVAL:
            raise Invalid("A joint handling's extension is approved by the head of the government at this level "
                          "(Art. 42): say who approved it and the document or record, in at most %(max)s characters",
                          max=MAX_APPROVAL)
        clock.extension_days = days
        recompute(session, clock)
        joint = {"approval": approval} if allowed == JOINT_EXTENSION else {}
        record(session, "clock_extended", actor=approver, instance_id=clock.instance_id, clock_id=clock.id,
               days=days, reason=reason, statutory_due=clock.statutory_due and clock.statutory_due.isoformat(),
               **joint)
        if clock == case_clock(session, clock.instance_id):  # the applicant is told why and until when (Art. 42)
            promise_to_applicant(session, clock)
            notify_applicant(session, clock.instance_id, "extension", approver, days=days, reason=reason, **joint,
                             statutory_due=clock.statutory_due.isoformat(),
                             statutory_provisional=calendars.current().provisional(clock.statutory_due))
        refresh_clock(session, clock, datetime.now(timezone.utc))
        return clock


def offered(task_id: int, actor: User) -> list[dict]:
    """The limits an open task's page offers to stop, restart or extend: its step's and its
    case's, where they still count and are the actor's department's, each with what this actor
    may do by the rules pause, resume and extend apply (no button they would refuse)."""
    with read_session() as session:
        task = session.get(Task, task_id)
        if task is None or task.state != "ready" or not may_work_on(actor, task):  # a head's step, to a reviewer
            return []
        step = session.scalar(select(Clock).where(Clock.task_id == task_id).order_by(Clock.id).limit(1))
        limits = [c for c in (step, case_clock(session, task.instance_id))
                  if c is not None and c.state != "stopped" and governs(actor, c)]
        return [_offer(session, c, actor) for c in limits]


def _offer(session: Session, clock: Clock, actor: User) -> dict:
    procedure = running_procedure(session, clock) if clock.state == "paused" else None
    own = ended_by_hand(procedure)
    works = any(actor.has_role(role) for role in PROCEDURE_ROLES) and not held_by_another(session, clock, actor)
    return {**describe(clock), "may_pause": works and clock.state == "running", "may_resume": works and own,
            "procedure": {"kind": procedure.kind, "reason": procedure.reason, "expected_days": procedure.expected_days,
                          "started_on": procedure.started_on.isoformat(),
                          "overrun": own and today() > expected_end(procedure)} if procedure else None,
            # Art. 42 lengthens the case's statutory limit, once; a step's limit (promised, or Art. 43's) not.
            "may_extend": actor.has_role("lead") and clock.statutory_days is not None and clock.task_id is None
            and not clock.extension_days,
            "extension_limit": _extension_limit(clock)}


def stop(session: Session, clock: Clock, actor: User | None = None, result: str = ENDED_WITH_STEP) -> None:
    """The step or case is decided: the clock keeps the level it reached and stops. A special
    procedure still running ends with it (its days are not counted), as does the case clock's
    stop for it."""
    if clock.state == "paused":
        _end_with_steps(session, clock, result, actor, today())
    clock.state, clock.stopped_on = "stopped", today()
    clock.used_days = max(0, calendars.current().workdays_between(clock.started_on, clock.stopped_on)
                          - clock.paused_days)
    schedule(session, clock, today())
    record(session, "clock_stopped", actor=actor, instance_id=clock.instance_id, clock_id=clock.id,
           label=clock.label, on_time=clock.stopped_on <= clock.promised_due)


def stop_running(session: Session, instance_id: int | None, actor: User | None = None,
                 result: str = ENDED_WITH_STEP) -> None:
    """The case is decided, delivered or ended: every clock still counting on it stops (a special
    procedure still running ends with `result`)."""
    for running in session.scalars(select(Clock).where(Clock.instance_id == instance_id, Clock.state != "stopped")):
        stop(session, running, actor, result)

