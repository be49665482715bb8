"""Case clocks: statutory and promised deadlines in working days, pauses, extensions, levels.

Supervision colours follow the promised deadline and legal breaches the statutory one
(domain.md section 3). A clock's level changes on a known day; a timer row for that day
(kind "clock") makes the tick recompute it, so no sweep over all cases is needed.
"""
from datetime import date, datetime, time, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.clock.levels import refresh_clock
from engine.clock.limits import case_clock, describe, promise_to_applicant, recompute
from engine.clock.procedures import ended_by_hand, expected_end, running_procedure
from engine.clock.rights import PROCEDURE_ROLES, governs, held_by_another, running_clock
from engine.errors import Conflict, Invalid
from engine.notices import notify_applicant
from engine.services import calendars
from engine.services.events import record
from engine.services.lanes import may_work_on
from engine.services.users import require
from engine.store import session_scope
from engine.store.db import read_session
from engine.store.models import Clock, Task, User

SHANGHAI = ZoneInfo("Asia/Shanghai")
JOINT_EXTENSION = 15  # Art. 42: a joint handling's 45 days, extended by the government's head
MAX_APPROVAL = 200


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

