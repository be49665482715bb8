"""The deadline of a step whose silence is consent (silenceConsentsExpression; engine/silence.py
completes it): one timer (kind "consent") at the end of the last working day of the step's own
limit, which follows its clock: moved with its date (a special procedure's days, the calendar),
none while a special procedure pauses it, gone when the step closes.

The step's own limit, not the date its case's capped it to (limits._cap_to_case): a department
consulted has the days its rule gives it before its silence is taken for agreement; a step opening
when its case is already late is on a card meanwhile, as any."""
from datetime import datetime

from sqlalchemy.orm import Session

import engine.clock
from engine.store.models import Clock, Task
from engine.timers import one_per_date

KIND = "consent"


def deadline(clock: Clock) -> datetime:
    """When the department's silence becomes its consent: the end of the last working day of the
    step's own limit, a moment before that day's yellow card would fall."""
    from engine.clock import limits  # which schedules its clocks' timers through levels, and so this
    return engine.clock.end_of(limits.own_promised_due(clock))


def schedule(session: Session, clock: Clock) -> None:
    """The step clock's one pending consent timer, where its step's silence consents: at its
    deadline while it runs, none while it is paused or stopped."""
    if clock.task_id is None or not session.get(Task, clock.task_id).silence_consents:
        return
    one_per_date(session, KIND, [deadline(clock)] if clock.state == "running" else [],
                 clock_id=clock.id, instance_id=clock.instance_id)
