"""The unit a time limit is counted in: 工作日, 自然日 or 小时. The Administrative Licensing Law counts
in working days (Art. 82); other statutes count in calendar days or hours, so every limit carries
its unit, as GB/T 39046 gives each its 法定/承诺办结时限单位 (domain-reference.md 1.1, 1.4).

  working_days   ends with the N-th working day after the start day (domain.md section 3)
  calendar_days  ends with the N-th day after the start day (民法典 第201条: the start day is not
                 counted; COUNT_ACCEPTANCE_DAY counts it, as for working days); a last day that is no
                 working day, a weekend or a holiday, gives way to the first working day after it
                 (第203条: a period whose last day is a 法定休假日 ends the day after the holiday)
  hours          N hours by the clock on the wall from the moment the limit started (第201条: a period
                 in hours counts from the moment set), nights, weekends and holidays included, its
                 end never moved: domain-reference.md 1.4's reading, no rule found counting office
                 hours only. A promise made for the same visit (即时办结), so at most MAX_HOURS.

A special procedure (Art. 45) moves a limit by the time it took in the limit's own unit (working
days, days, or the seconds from its start to its end). An extension (Art. 42) adds days of the
limit's unit; a limit in hours has none.
"""
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import engine.clock
from engine.calendar import WorkCalendar

WORKING_DAYS, CALENDAR_DAYS, HOURS = "working_days", "calendar_days", "hours"
# GB/T 39046's names of the units (法定办结时限单位, 承诺办结时限单位), as the exchange records send them.
NAMES = {WORKING_DAYS: "工作日", CALENDAR_DAYS: "自然日", HOURS: "小时"}
MAX_HOURS = 72  # three days: a longer limit is given in days
HOURS_A_DAY = 24  # comparing limits in different units (a promise at most half the statutory limit)


def of(clock, which: str) -> str:
    """The unit of a clock's `which` limit (promised or statutory). A clock built but not stored
    (a test's) has none yet: it counts in working days, as the column's default."""
    return getattr(clock, f"{which}_unit") or WORKING_DAYS


def in_hours(n: int, unit: str) -> int:
    """A limit as hours, a day of either kind as 24: only for comparing two limits' lengths."""
    return n if unit == HOURS else n * HOURS_A_DAY


@dataclass(frozen=True)
class End:
    date: date  # the day it passes
    provisional: bool
    at: datetime | None  # the moment it passes, for a limit in hours; else with its day


def count(cal: WorkCalendar, unit: str, started_on: date, started_at: datetime | None, n: int) -> End:
    """Where a limit of n in `unit` ends, started on the day (at the moment, for one in hours)."""
    if unit == HOURS:
        at = started_at + timedelta(hours=n)
        return End(at.astimezone(engine.clock.SHANGHAI).date(), False, at)
    deadline = (cal.add_calendar_days if unit == CALENDAR_DAYS else cal.add_workdays)(started_on, n)
    return End(deadline.date, deadline.provisional, None)


def end(cal: WorkCalendar, clock, which: str, n: int) -> End:
    """Where the clock's `which` limit of n (its extension added by the caller) ends, moved by the
    time its special procedures took, in the limit's own unit."""
    unit = of(clock, which)
    if unit == HOURS:
        return count(cal, unit, clock.started_on, clock.started_at + timedelta(seconds=clock.paused_seconds), n)
    paused = clock.paused_calendar_days if unit == CALENDAR_DAYS else clock.paused_days
    return count(cal, unit, clock.started_on, clock.started_at, n + paused)


def passed(due: date | None, due_at: datetime | None, now: datetime) -> bool:
    """Whether a limit ending on `due` (at `due_at`, for one that passes at a moment) has passed."""
    if due is None:
        return False
    if due_at is not None:
        return now > due_at
    return now.astimezone(engine.clock.SHANGHAI).date() > due


def left(cal: WorkCalendar, clock, day: date, now: datetime) -> float:
    """What is left of the promised limit, in its unit (negative once past): working days after `day`
    up to its day, days, or hours from `now` to its moment."""
    if of(clock, "promised") == HOURS:
        return (clock.promised_due_at - now).total_seconds() / 3600
    if of(clock, "promised") == CALENDAR_DAYS:
        return (clock.promised_due - day).days
    return cal.workdays_between(day, clock.promised_due) if day <= clock.promised_due \
        else -cal.workdays_between(clock.promised_due, day)


def paused(cal: WorkCalendar, since: date, on: date, since_at: datetime | None, at: datetime) -> dict:
    """The time a special procedure took, in each unit a limit may be counted in: working days and
    days after the day it started up to the day it ended, and the seconds between the two moments
    (none for one started before the moment was kept)."""
    seconds = max(0, int((at - since_at).total_seconds())) if since_at is not None else 0
    return {WORKING_DAYS: cal.workdays_between(since, on), CALENDAR_DAYS: max(0, (on - since).days),
            HOURS: seconds}


def late(clock, day: date, now: datetime) -> bool:
    """Whether the clock went past its promised limit: it stopped after it, or, still counting, it
    is past it on `day` (at `now`, for a limit passing at a moment)."""
    if clock.promised_due_at is not None:
        return (clock.stopped_at or now) > clock.promised_due_at
    return (clock.stopped_on or day) > clock.promised_due
