"""Case clocks (domain.md section 3): a case's and its steps' time limits (in working days, calendar
days or hours), and the day and moment in China they count in.

One job a module:
  units       the units a limit is counted in (工作日, 自然日, 小时) and how each counts its end
  limits      a clock's deadlines: started, recomputed, capped at its case's, described
  levels      its level on a day (warning, yellow and red cards) and the timer of its next change
  watchers    who is told of a clock
  orders      supervision orders (督办单) for a card
  procedures  the special procedure a clock waits for, its expected end, its overrun
  pauses      special procedures (Art. 45) stopping and restarting a clock
  stopping    a clock stopped for good when its step or case is decided
  extension   Art. 42's extension of a case's statutory limit
  rights      who may act on a clock
  offers      what a task page offers to do with its limits
(The special procedures' kinds are engine.services.special_kinds.)

Here, the day in China and the moment. The modules read them as engine.clock.today() and
engine.clock.now() at each call, never as names of their own: a day or moment set for the whole
engine (a test's) then holds in every one of them; a moment set moves the day with it.
"""
from datetime import date, datetime, time, timezone
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


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


def now() -> datetime:
    """This moment (UTC): what a limit in hours counts from and is measured at."""
    return datetime.now(timezone.utc)


def today() -> date:
    return now().astimezone(SHANGHAI).date()
