"""A special procedure as it runs on a clock (Art. 45): which one the clock waits for, whether its
department ends it, when it is expected to end, and telling of one that runs longer."""
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.clock.watchers import notify_watchers
from engine.errors import Message
from engine.services import calendars, special_kinds
from engine.services.events import record
from engine.store.models import Clock, SpecialProcedure


def running_procedure(session: Session, clock: Clock) -> SpecialProcedure | None:
    """The special procedure the clock waits for, if any."""
    return session.scalar(select(SpecialProcedure).where(SpecialProcedure.clock_id == clock.id,
                                                         SpecialProcedure.ended_on.is_(None)))


def ended_by_hand(procedure: SpecialProcedure | None) -> bool:
    """A running special procedure its department ends: not a wait for the applicant (a correction
    round, a payment: it ends with its step), nor a case clock's stop for a step's procedure (it
    ends with that one)."""
    return procedure is not None and procedure.kind not in special_kinds.BY_STEP and procedure.step_clock_id is None


def expected_end(procedure: SpecialProcedure | None) -> date | None:
    """The last day of a special procedure's expected length, for one its department runs (a wait
    for the applicant, or for a step's procedure, has no expected length of its own)."""
    if not ended_by_hand(procedure):
        return None
    return calendars.current().add_workdays(procedure.started_on, procedure.expected_days).date


def tell_overrun(session: Session, clock: Clock, day: date) -> None:
    """A special procedure past its expected length (the applicant was told how long it would
    take, Art. 45): its department and supervisors are told, once (the tick's one timer)."""
    procedure = running_procedure(session, clock)
    end = expected_end(procedure)
    if end is None or day <= end:
        return
    said_end = end.isoformat()
    record(session, "special_procedure_overrun", instance_id=clock.instance_id, task_id=clock.task_id,
           clock_id=clock.id, label=clock.label, procedure_id=procedure.id, kind=procedure.kind,
           expected_end=said_end)
    notify_watchers(session, clock, Message("%(label)s: the special procedure %(procedure)s was expected to end by %(end)s; "
                                    "end it with its result, or tell the applicant why it takes longer",
                                    label=clock.label,
                                    procedure=special_kinds.names(session).get(procedure.kind, procedure.kind),
                                    end=said_end))
