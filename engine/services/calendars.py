"""The working-day calendar in force: packaged years, imported notices, regional closures.

Building a calendar reads two small tables; it is kept for a short while so the thousands of
deadline computations of a supervision page do not each query them. A process that imports
a notice drops its copy at once; other processes see the change within CACHE_SECONDS.
"""
import threading
import time
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.calendar import WorkCalendar, YearNotice, parse_notice
from engine.config import counts_acceptance_day
from engine.errors import EngineFailure, Invalid, NotFound
from engine.store import session_scope
from engine.store.db import read_session
from engine.store.models import CalendarYear, Closure, User, utcnow

from .events import record
from .users import require

CACHE_SECONDS = 30
ALERT_FROM, URGENT_FROM = 10, 12  # the months from which next year's missing notice is alerted, then urgently
_lock = threading.Lock()
_cached: tuple[float, WorkCalendar] | None = None


def current() -> WorkCalendar:
    global _cached
    with _lock:
        if _cached is not None and time.monotonic() - _cached[0] < CACHE_SECONDS:
            return _cached[1]
    with read_session() as session:
        notices = [YearNotice.from_dict(row.notice) for row in session.scalars(select(CalendarYear))]
        closures = list(session.scalars(select(Closure.day).where(Closure.stops_clocks)))
    calendar = WorkCalendar(notices=notices, closures=closures, count_start_day=counts_acceptance_day())
    with _lock:
        _cached = (time.monotonic(), calendar)
    return calendar


def year_overview(year: int) -> dict:
    """The year's exceptions to Monday-Friday, for the admin page and the API."""
    cal = current()
    day, off, makeup = date(year, 1, 1), [], []
    while day.year == year:
        weekend = day.weekday() >= 5
        working = cal.is_workday(day)
        if weekend and working:
            makeup.append(day.isoformat())
        elif not weekend and not working:
            off.append(day.isoformat())
        day += timedelta(days=1)
    return {"year": year, "status": cal.year_status(year), "non_working_weekdays": off,
            "makeup_workdays": makeup, "holidays": sorted(d.isoformat() for d in cal.holidays(year)),
            "across_years": [{"day": d.isoformat(), "working": working, "notice_year": by}
                             for d, working, by in cal.across_years(year)]}


def next_year_warning(today: date) -> dict | None:
    """The alert while a year has no official calendar (an imported notice or the package's data)
    when it should: the State Council issues the notice from October to December (domain.md), and
    until it is imported every date counted into the year is estimated. From 1 October the year
    ahead is `warning`, from 1 December `urgent`, and so is a year begun without one (`begun`).
    None when there is nothing to say. For the administrator's pages, the supervisors' board and
    the installation's health (engine/health.py, GET /api/health)."""
    cal = current()
    if cal.year_status(today.year) == "estimated":
        return {"year": today.year, "level": "urgent", "begun": True}
    if today.month >= ALERT_FROM and cal.year_status(today.year + 1) == "estimated":
        level = "urgent" if today.month >= URGENT_FROM else "warning"
        return {"year": today.year + 1, "level": level, "begun": False}
    return None


def invalidate() -> None:
    global _cached
    with _lock:
        _cached = None


def import_notice(source, actor: User | None, fmt: str | None = None, name: str = "notice", *,
                  unlike_law: bool = False) -> tuple[YearNotice, dict | None]:
    """Store a year's notice (replacing an earlier one for that year: returned as on_file said
    it, else None) and count open limits and dates again. `source` as parse_notice reads it; `name`, an upload's file name, for its errors.
    A notice giving another number of days off than the law is refused unless `unlike_law` says
    the administrator checked it: a holiday left out would turn into a working day, and every
    date of the year would be taken as official, no longer provisional."""
    if actor is not None:
        require(actor, "admin")
    notice = _read(source, fmt, name)
    if notice.unlike_law is not None and not unlike_law:
        raise Invalid("The notice for %(year)s gives %(n)s working days off, the law %(law)s: a holiday is "
                      "missing or a range mistyped. Nothing was imported; import it as it stands only if the "
                      "State Council's notice itself says so", year=notice.year, n=notice.days_off,
                      law=notice.unlike_law)
    earlier = on_file(notice.year)
    with session_scope() as session:
        _shares_no_day(session, notice)
        row = session.get(CalendarYear, notice.year)
        if row is None:
            session.add(CalendarYear(year=notice.year, notice=notice.to_dict(),
                                     imported_by=actor.id if actor else None))
        else:
            row.notice, row.imported_by, row.imported_at = notice.to_dict(), actor.id if actor else None, utcnow()
        record(session, "calendar_imported", actor=actor, year=notice.year, source=notice.source,
               holidays=len(notice.holidays), workdays=len(notice.workdays), replaced=row is not None,
               **({"days_off": notice.days_off, "law": notice.unlike_law} if notice.unlike_law is not None else {}))
    _changed(actor)
    return notice, earlier


def _read(source, fmt: str | None, name: str) -> YearNotice:
    try:
        return parse_notice(source, fmt, name)
    except ValueError as exc:
        raise Invalid("The notice cannot be read: %(error)s", error=exc.args[0]) from exc


def preview_notice(source, actor: User | None, fmt: str | None = None, name: str = "notice") -> dict:
    """What importing the notice would change, stored nowhere: each day it would make a working day
    or a day off against the calendar in force (the notice on file, or the estimate), the year's
    count of working days before and after, its days off against the law's, the notice it would
    replace. A notice the import would refuse whatever is checked (unreadable, a day a neighbouring
    year's notice lists) is refused here too."""
    if actor is not None:
        require(actor, "admin")
    notice = _read(source, fmt, name)
    with read_session() as session:
        _shares_no_day(session, notice)
    now = current()
    then = WorkCalendar(notices=[*(n for y, n in now.notices.items() if y != notice.year), notice],
                        closures=now.closures, count_start_day=now.count_start_day)
    # the notice's own year, and the December before and January after it may list (跨年调休)
    first, last = date(notice.year - 1, 12, 1), date(notice.year + 1, 1, 31)
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    in_year = [d for d in days if d.year == notice.year]
    return {"year": notice.year, "source": notice.source, "days_off": notice.days_off, "law": notice.unlike_law,
            "replaces": on_file(notice.year),
            "changes": [{"day": d.isoformat(), "working": then.is_workday(d)}
                        for d in days if now.is_workday(d) != then.is_workday(d)],
            "working_days": {"now": sum(map(now.is_workday, in_year)), "then": sum(map(then.is_workday, in_year))}}


def _shares_no_day(session: Session, notice: YearNotice) -> None:
    """A day the notice lists that the year before's or after's notice lists too is refused, naming
    both: the State Council lists a day once, in the notice of the holiday it serves (2019's for
    the makeup Saturday of 29 December 2018), so two listings are a typing mistake in one of them,
    and which is not known. Letting the later import win would make the day depend on the order of
    imports, and a notice replaced later would bring the other's version back unseen."""
    for other in session.scalars(select(CalendarYear).where(CalendarYear.year.in_((notice.year - 1,
                                                                                   notice.year + 1)))):
        shared = sorted(notice.days & YearNotice.from_dict(other.notice).days)
        if shared:
            raise Invalid("%(day)s is listed by this notice for %(year)s and by the notice for %(other)s already "
                          "imported (%(source)s): a day belongs to one year's notice. Nothing was imported; "
                          "correct the notice that is wrong and import it", day=shared[0].isoformat(),
                          year=notice.year, other=other.year, source=other.notice.get("source") or "-")


def on_file(year: int) -> dict | None:
    """The notice imported for the year, if any: its source, when and by whom (the page shows
    which notice a year follows; an import says which one it replaces)."""
    with read_session() as session:
        row = session.get(CalendarYear, year)
        if row is None:
            return None
        by = session.get(User, row.imported_by) if row.imported_by else None
        return {"source": row.notice.get("source", ""), "imported_at": row.imported_at,
                "imported_by": by.known_as if by else None}


def add_closure(day: date, reason: str, actor: User | None, *, stops_clocks: bool = False) -> None:
    """A day the office is shut. Time limits run on through it unless it is decreed a suspension
    (stops_clocks): then it is no working day, and open clocks are counted again. A day already
    past may be recorded after the fact: the clocks still running count without it, while a date
    that fell due before the record stays as it fell (engine.recount)."""
    if actor is not None:
        require(actor, "admin")
    if not reason:
        raise Invalid("A closure needs a reason")
    invalidate()  # whether the day is a working day, on the calendar as stored now
    with session_scope() as session:
        if session.get(Closure, day) is not None:
            raise Invalid("%(day)s is already a closure day", day=str(day))
        if not current().is_workday(day):  # a weekend or a holiday: the office is shut anyway
            raise Invalid("%(day)s is not a working day: there is nothing to close", day=str(day))
        session.add(Closure(day=day, reason=reason, stops_clocks=stops_clocks))
        record(session, "calendar_closure_added", actor=actor, day=day.isoformat(), reason=reason,
               stops_clocks=stops_clocks)
    if stops_clocks:
        _changed(actor)


def remove_closure(day: date, actor: User | None) -> None:
    """Take back a closure day (entered in error, or the office opened after all). Open clocks are
    counted again without it; a deadline already promised to an applicant stays as printed."""
    if actor is not None:
        require(actor, "admin")
    with session_scope() as session:
        closure = session.get(Closure, day)
        if closure is None:
            raise NotFound("%(day)s is not a closure day", day=str(day))
        session.delete(closure)
        record(session, "calendar_closure_removed", actor=actor, day=day.isoformat(), reason=closure.reason)
    if closure.stops_clocks:
        _changed(actor)


def recount(actor: User | None) -> tuple[int, int]:
    """Count every open clock and every date still awaited again on the calendar as stored: what
    a calendar change does after its own transaction, redone where that was cut short (a failure
    left dates counted on the calendar before). Counting again twice changes nothing. Returns the
    clocks counted and the dates that moved."""
    if actor is not None:
        require(actor, "admin")
    return _changed(actor)


def _changed(actor: User | None) -> tuple[int, int]:
    """The calendar changed: every open clock is counted again, and so is every other date still
    awaited that was counted in working days (engine.recount), each recorded on its case. Both
    count from what each date keeps (its start and working days), not from the calendar before:
    run again, as after a failure here, they do what is left and change nothing else."""
    from engine import recount as dates
    from engine.clock import limits
    invalidate()
    try:
        clocks = limits.recompute_open_clocks(actor)
        return clocks, dates.dates_awaited(current(), actor)
    except Exception as exc:  # the calendar itself is stored: say what is left to do
        raise EngineFailure("The calendar is changed, but counting the open limits and dates again on it failed "
                            "(%(error)s): run it again (run.py calendar recount, or import the notice again)",
                            error=str(exc) or type(exc).__name__) from exc
