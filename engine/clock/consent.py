"""The deadline of a step whose silence is consent (silenceConsentsExpression; engine/silence.py
completes it): one timer (kind "consent") at the end of the step clock's last working day, which
follows the clock: moved with its date (a special procedure's days, the calendar, the case's cap),
none while a special procedure pauses it, gone when the step closes."""
from datetime import datetime

from sqlalchemy.orm import Session

import engine.clock
from engine.store.models import Clock, Task
from engine.timers import one_per_date

KIND = "consent"


def deadline(clock: Clock) -> datetime:
    """When the department's silence becomes its consent: the end of the clock's promised day
    (the task's due time), before the next day's yellow card would fall on it."""
    return engine.clock.end_of(clock.promised_due)


def schedule(session: Session, clock: Clock) -> None:
    """The step clock's one pending consent timer, where its step's silence consents: at its
    deadline while it runs, none while it is paused or stopped."""
    if clock.task_id is None or not session.get(Task, clock.task_id).silence_consents:
        return
    one_per_date(session, KIND, [deadline(clock)] if clock.state == "running" else [],
                 clock_id=clock.id, instance_id=clock.instance_id)
