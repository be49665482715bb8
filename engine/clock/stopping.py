"""A clock stops for good when its step or case is decided, delivered or ended: it keeps the level
it reached, and the working days it used are counted for the board and the monthly report (in
working days whatever its limits' unit: the report's one measure of time taken)."""
from sqlalchemy import select
from sqlalchemy.orm import Session

import engine.clock
from engine.clock import units
from engine.clock.levels import schedule
from engine.clock.limits import OPEN
from engine.clock.pauses import end_with_steps
from engine.services import calendars
from engine.services.events import record
from engine.store.models import Clock, User

# The result a special procedure records when its step or case is decided while it runs.
ENDED_WITH_STEP = "随环节办结而结束"
ENDED_WITH_CASE = "随办件终止而结束"  # its time was never resumed: the applicant is not told it was


def stop(session: Session, clock: Clock, actor: User | None = None, result: str = ENDED_WITH_STEP) -> None:
    """The step or case is decided: the clock keeps the level it reached and stops. A special
    procedure still running ends with it (its days are not counted), as does the case clock's
    stop for it."""
    if clock.state == "paused":
        end_with_steps(session, clock, result, actor, engine.clock.today())
    clock.state, clock.stopped_on, clock.stopped_at = "stopped", engine.clock.today(), engine.clock.now()
    clock.used_days = max(0, calendars.current().workdays_between(clock.started_on, clock.stopped_on)
                          - clock.paused_days)
    schedule(session, clock, clock.stopped_at)
    record(session, "clock_stopped", actor=actor, instance_id=clock.instance_id, clock_id=clock.id,
           label=clock.label, on_time=not units.late(clock, clock.stopped_on, clock.stopped_at))


def stop_running(session: Session, instance_id: int | None, actor: User | None = None,
                 result: str = ENDED_WITH_STEP) -> None:
    """The case is decided, delivered or ended: every clock still counting on it stops (a special
    procedure still running ends with `result`)."""
    for running in session.scalars(select(Clock).where(Clock.instance_id == instance_id, OPEN)):
        stop(session, running, actor, result)
