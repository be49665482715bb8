"""A clock's level (电子监察): normal, warning before the promised limit (预警), a yellow card past
it and a red card past the statutory one (domain.md section 3), each change recorded and told,
a card with its supervision order. A level changes on a known day: a timer row for that day
(kind "clock") makes the tick recompute it, so no sweep over all cases is needed."""
import math
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

import engine.clock
from engine.clock import consent
from engine.clock.orders import issue_order, open_order
from engine.clock.procedures import expected_end, running_procedure, tell_overrun
from engine.clock.watchers import notify_watchers
from engine.errors import Message
from engine.services import calendars
from engine.services.events import record
from engine.store.db import fetch
from engine.store.models import Clock, Timer

LEVELS = ("normal", "warning", "yellow", "red")


def _warning_threshold(clock: Clock) -> int:
    """Working days before the promised limit from which the clock warns: at least a day's warning,
    but not on the day a limit of a day or two starts (it warned at once), counted over the
    working days the limit really has (a calendar may count the start)."""
    span = calendars.current().workdays_between(clock.started_on, clock.promised_due)
    return min(max(1, math.ceil(clock.warn_ratio * clock.promised_days)), max(span - 1, 0))


def level_on(clock: Clock, day: date, threshold: int | None = None) -> str:
    """The clock's level on the day; `threshold` (_warning_threshold), if the caller has it."""
    if clock.statutory_due is not None and day > clock.statutory_due:
        return "red"
    if day > clock.promised_due:
        return "yellow"
    if threshold is None:
        threshold = _warning_threshold(clock)
    if calendars.current().workdays_between(day, clock.promised_due) <= threshold:
        return "warning"
    return "normal"


def _next_change(clock: Clock, day: date) -> date | None:
    """The first later day on which the level differs (None once red: nothing worse follows)."""
    threshold = _warning_threshold(clock)  # the same every day: worked out once
    level = level_on(clock, day, threshold)
    if level == "red":
        return None
    last = clock.statutory_due or clock.promised_due
    probe = day + timedelta(days=1)
    while probe <= last + timedelta(days=1):
        if level_on(clock, probe, threshold) != level:
            return probe
        probe += timedelta(days=1)
    return None


def schedule(session: Session, clock: Clock, day: date) -> None:
    """The clock's one pending timer: the day its level changes next; while it is paused, the day
    after its special procedure's expected end (the overrun is told then). A step whose silence is
    its consent has its deadline's timer beside it (consent.py)."""
    for timer in session.scalars(select(Timer).where(Timer.clock_id == clock.id, Timer.kind == "clock",
                                                     Timer.state == "pending")):
        timer.state = "cancelled"
    if clock.state == "paused":  # no level changes meanwhile; the special procedure's overrun is watched
        end = expected_end(running_procedure(session, clock))
        nxt = end + timedelta(days=1) if end is not None and end >= day else None
    else:
        nxt = _next_change(clock, day) if clock.state == "running" else None
    if nxt is not None:
        session.add(Timer(kind="clock", instance_id=clock.instance_id, clock_id=clock.id,
                          due_at=engine.clock.start_of(nxt)))
    consent.schedule(session, clock)


def refresh(session: Session, clock_id: int, now: datetime) -> Clock:
    """Called by the tick when a clock timer falls due."""
    clock = fetch(session, Clock, clock_id, "clock")
    if clock.state == "paused":
        tell_overrun(session, clock, now.astimezone(engine.clock.SHANGHAI).date())
    return refresh_clock(session, clock, now)


def refresh_clock(session: Session, clock: Clock, now: datetime) -> Clock:
    """The running clock's level on the day: it rises, or falls back to normal only (a limit moved
    later); then its next timer."""
    day = now.astimezone(engine.clock.SHANGHAI).date()
    if clock.state == "running":
        new = level_on(clock, day)
        if LEVELS.index(new) > LEVELS.index(clock.level) or new == "normal":
            if new != clock.level:
                _change_level(session, clock, new, day)
    schedule(session, clock, day)
    return clock


def _change_level(session: Session, clock: Clock, level: str, day: date) -> None:
    old, clock.level = clock.level, level
    record(session, "clock_level_changed", instance_id=clock.instance_id, task_id=clock.task_id,
           clock_id=clock.id, old=old, new=level, label=clock.label)
    said = {"warning": Message("%(label)s is due soon (warning)", label=clock.label),
            "yellow": Message("%(label)s is past its promised limit (yellow card)", label=clock.label),
            "red": Message("%(label)s is past its statutory limit (red card)", label=clock.label),
            "normal": Message("%(label)s is back to normal", label=clock.label)}[level]
    notify_watchers(session, clock, said)
    # A red card's order is issued once: the yellow's, escalated unanswered, may have issued it.
    if level == "yellow" or level == "red" and not open_order(session, clock, "red"):
        issue_order(session, clock, level, day)
