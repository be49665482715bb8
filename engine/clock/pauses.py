"""Special procedures (特殊环节, Art. 45) stopping a clock: a department starts one (a hearing, a
test, an expert review ...) and ends it with its result; its time is not counted, so the
deadlines move by it, each in its limit's unit (units.py). A step's procedure stops its case's
clock too, which runs again when no step is in one; the applicant is told in writing."""
import math
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

import engine.clock
from engine.clock import units
from engine.clock.levels import refresh_clock, schedule
from engine.clock.limits import case_clock, recompute
from engine.clock.procedures import ended_by_hand, running_procedure
from engine.clock.rights import PROCEDURE_ROLES, running_clock
from engine.errors import Conflict, Invalid
from engine.notices import notify_applicant
from engine.services import calendars, special_kinds
from engine.services.events import record
from engine.services.users import require
from engine.store import session_scope
from engine.store.models import Clock, SpecialProcedure, User

# A special procedure's expected length: a year of working days is more than any takes (and each
# day expected is a day the deadlines are counted over).
MAX_SPECIAL_DAYS = 250
MAX_PARTICIPANTS = 200  # characters: 参与人员范围, which the notice tells the applicant


def pause(clock_id: int, kind: str, reason: str, expected_days: int, actor: User, participants: str = "") -> int:
    """Start a special procedure (Art. 45): the clock stops until it ends. Its time is not
    counted against the case either, so a step's procedure stops the case's clock too; the
    applicant is told in writing what it is, who takes part and how long it will take (特殊环节通知书)."""
    require(actor, *PROCEDURE_ROLES)
    if not reason or not 0 < expected_days <= MAX_SPECIAL_DAYS:
        raise Invalid("A reason and the expected length, 1 to %(max)s working days, are required",
                      max=MAX_SPECIAL_DAYS)
    participants = participants.strip()
    if len(participants) > MAX_PARTICIPANTS:
        raise Invalid("Say who takes part in at most %(max)s characters", max=MAX_PARTICIPANTS)
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
        # The notice cites Art. 45 for the law's own procedures only (a licence's, notices.py). Its
        # expected end is counted as the pages count the procedure's (procedures.expected_end).
        today = engine.clock.today()
        end = calendars.current().add_workdays(today, expected_days).date
        # It says the case's promise moves by the time the procedure takes, in the promise's unit.
        notify_applicant(session, clock.instance_id, "special", actor, procedure=kinds[kind],
                         law=kind in special_kinds.SPECIAL_KINDS, reason=reason, expected_days=expected_days,
                         expected_end=end.isoformat(), counted_from=today.isoformat(),
                         unit=units.of(whole or clock, "promised"),
                         **({"participants": participants} if participants else {}))
        return procedure


def start_special(session: Session, clock: Clock, kind: str, reason: str, expected_days: int,
                  actor: User | None, *, for_step: Clock | None = None) -> int:
    """Pause the clock; `for_step` is the step whose procedure stops the case's clock too."""
    if clock.state == "paused":
        raise Conflict("A special procedure is already running on this clock")
    clock.state, clock.paused_since, clock.paused_at = "paused", engine.clock.today(), engine.clock.now()
    procedure = SpecialProcedure(clock_id=clock.id, kind=kind, reason=reason, started_on=engine.clock.today(),
                                 expected_days=expected_days, started_by=actor.id if actor else None,
                                 step_clock_id=for_step.id if for_step is not None else None)
    session.add(procedure)
    session.flush()
    schedule(session, clock, engine.clock.start_of(engine.clock.today()))
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
        return end_with_steps(session, clock, result, actor, on or engine.clock.today())


def end_with_steps(session: Session, clock: Clock, result: str, actor: User | None, on: date) -> Clock:
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
    """End the clock's special procedure on the day `on` (now, for its moment): each deadline moves by
    the time it took in the limit's unit (working days, days, or the hours between the two moments)."""
    if clock.state != "paused":
        raise Conflict("No special procedure is running on this clock")
    procedure = running_procedure(session, clock)
    procedure.ended_on, procedure.result = on, result
    took = units.paused(calendars.current(), clock.paused_since, on, clock.paused_at, engine.clock.now())
    clock.paused_days += took[units.WORKING_DAYS]
    clock.paused_calendar_days += took[units.CALENDAR_DAYS]
    clock.paused_seconds += took[units.HOURS]
    clock.state, clock.paused_since, clock.paused_at = "running", None, None
    recompute(session, clock)
    unit = units.of(clock, "promised")  # how far the promised date moved, in its unit (hours begun whole)
    moved = math.ceil(took[unit] / 3600) if unit == units.HOURS else took[unit]
    record(session, "special_procedure_ended", actor=actor, instance_id=clock.instance_id,
           clock_id=clock.id, label=clock.label, procedure_id=procedure.id, kind=procedure.kind, result=result,
           paused_days=took[units.WORKING_DAYS], moved=moved, unit=unit, promised_due=clock.promised_due.isoformat())
    refresh_clock(session, clock, engine.clock.now())
    return clock
