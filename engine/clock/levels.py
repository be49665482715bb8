"""A clock's level (电子监察): normal, warning before the promised limit (预警), a yellow card past
it and a red card past the statutory one (domain.md section 3), each change recorded and told,
a card with its supervision order. A level changes at a known moment (a day's start, or for a
limit in hours the moment it warns or passes): a timer row for it (kind "clock") makes the tick
recompute it, so no sweep over all cases is needed."""
import math
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

import engine.clock
from engine.clock import consent, units
from engine.clock.orders import issue_order, open_order
from engine.clock.procedures import expected_end, running_procedure, tell_overrun
from engine.clock.watchers import notify_watchers
from engine.errors import Message
from engine.services import calendars
from engine.services.events import record
from engine.store.db import fetch
from engine.store.models import Clock, Timer

LEVELS = ("normal", "warning", "yellow", "red")


def _warning_threshold(clock: Clock) -> float:
    """What is left of the promised limit, in its unit, when the clock warns. In days: at least a
    day's warning, but not on the day a limit of a day or two starts (it warned at once), counted
    over the days the limit really has (a calendar may count the start). In hours: the share
    itself (a two-hour limit warns 24 minutes before at 20%)."""
    share = clock.warn_ratio * clock.promised_days
    unit = units.of(clock, "promised")
    if unit == units.HOURS:
        return share
    span = (clock.promised_due - clock.started_on).days if unit == units.CALENDAR_DAYS \
        else calendars.current().workdays_between(clock.started_on, clock.promised_due)
    return min(max(1, math.ceil(share)), max(span - 1, 0))


def level_on(clock: Clock, day: date, threshold: float | None = None) -> str:
    """The clock's level on the day (of a clock whose limits are in days: any moment of it)."""
    return level_at(clock, engine.clock.start_of(day), threshold)


def level_at(clock: Clock, now: datetime, threshold: float | None = None) -> str:
    """The clock's level at the moment; `threshold` (_warning_threshold), if the caller has it."""
    if units.passed(clock.statutory_due, clock.statutory_due_at, now):
        return "red"
    if units.passed(clock.promised_due, clock.promised_due_at, now):
        return "yellow"
    if threshold is None:
        threshold = _warning_threshold(clock)
    day = now.astimezone(engine.clock.SHANGHAI).date()
    if units.left(calendars.current(), clock, day, now) <= threshold:
        return "warning"
    return "normal"


def _next_change(clock: Clock, now: datetime) -> datetime | None:
    """The first later moment at which the level differs (None once red: nothing worse follows)."""
    threshold = _warning_threshold(clock)  # the same every day: worked out once
    level = level_at(clock, now, threshold)
    if level == "red":
        return None
    return next((moment for moment in _moments(clock, now, threshold)
                 if level_at(clock, moment, threshold) != level), None)


def _moments(clock: Clock, now: datetime, threshold: float) -> list[datetime]:
    """The moments after `now` at which the level may change: the start of each day up to the day
    after the last limit's, and for a limit passing at a moment (in hours), just after it, and the
    promised one's warning."""
    moments = set()
    last = clock.statutory_due or clock.promised_due
    day = now.astimezone(engine.clock.SHANGHAI).date() + timedelta(days=1)
    while day <= last + timedelta(days=1):
        moments.add(engine.clock.start_of(day))
        day += timedelta(days=1)
    for at in (clock.promised_due_at, clock.statutory_due_at):
        if at is not None:
            moments.add(at + timedelta(seconds=1))
    if units.of(clock, "promised") == units.HOURS:
        moments.add(clock.promised_due_at - timedelta(hours=threshold))
    return sorted(m for m in moments if m > now)


def schedule(session: Session, clock: Clock, now: datetime) -> None:
    """The clock's one pending timer: the moment its level changes next; while it is paused, the
    day after its special procedure's expected end (the overrun is told then). A step whose silence
    is its consent has its deadline's timer beside it (consent.py)."""
    for timer in session.scalars(select(Timer).where(Timer.clock_id == clock.id, Timer.kind == "clock",
                                                     Timer.state == "pending")):
        timer.state = "cancelled"
    nxt = None
    if clock.state == "paused":  # no level changes meanwhile; the special procedure's overrun is watched
        end = expected_end(running_procedure(session, clock))
        day = now.astimezone(engine.clock.SHANGHAI).date()
        nxt = engine.clock.start_of(end + timedelta(days=1)) if end is not None and end >= day else None
    elif clock.state == "running":
        nxt = _next_change(clock, now)
    if nxt is not None:
        session.add(Timer(kind="clock", instance_id=clock.instance_id, clock_id=clock.id, due_at=nxt))
    consent.schedule(session, clock)


def refresh(session: Session, clock_id: int, now: datetime) -> Clock:
    """Called by the tick when a clock timer falls due."""
    clock = fetch(session, Clock, clock_id, "clock")
    if clock.state == "paused":
        tell_overrun(session, clock, now.astimezone(engine.clock.SHANGHAI).date())
    return refresh_clock(session, clock, now)


def refresh_clock(session: Session, clock: Clock, now: datetime) -> Clock:
    """The running clock's level at the moment: it rises, or falls back to normal only (a limit
    moved later); then its next timer."""
    if clock.state == "running":
        new = level_at(clock, now)
        if LEVELS.index(new) > LEVELS.index(clock.level) or new == "normal":
            if new != clock.level:
                _change_level(session, clock, new, now.astimezone(engine.clock.SHANGHAI).date())
    schedule(session, clock, now)
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
