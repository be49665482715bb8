"""Chinese working days: Monday to Friday, minus statutory holidays, plus makeup working days.

Years 2004-2026 come from the `chinesecalendar` package; a year's State Council notice
imported by an administrator overrides it; a year with neither is estimated from the law
(estimated_holidays) and every result that depends on it is provisional. Regional closure days
are extra non-working days.
"""
import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path

import chinese_calendar
import yaml
from borax.calendars.lunardate import LunarDate, TermUtils

from engine.errors import Message

PACKAGE_YEARS = range(2004, 2027)
LUNAR_YEARS = range(1901, 2100)  # what the lunar calendar package converts


def law_days_off(year: int) -> int | None:
    """The whole population's holidays a year by 全国年节及纪念日放假办法: 13 since its 2024
    revision, 11 from 2008 (earlier years had their golden weeks: not checked)."""
    return 13 if year >= 2025 else 11 if year >= 2008 else None


@dataclass(frozen=True)
class YearNotice:
    year: int
    holidays: frozenset = field(default_factory=frozenset)
    workdays: frozenset = field(default_factory=frozenset)
    source: str = ""

    @property
    def days_off(self) -> int:
        """Working days the notice gives off, net of its makeup days: law_days_off() whatever
        its 调休, unless a holiday is missing (or a local one added)."""
        return len([d for d in self.holidays if d.weekday() < 5]) - len(self.workdays)

    @property
    def unlike_law(self) -> int | None:
        """The law's days off for the year when the notice gives another number (a holiday
        missing, or a local one added), else None: what an import warns of."""
        law = law_days_off(self.year)
        return law if law is not None and self.days_off != law else None

    def to_dict(self) -> dict:
        return {"year": self.year, "source": self.source,
                "holidays": sorted(d.isoformat() for d in self.holidays),
                "workdays": sorted(d.isoformat() for d in self.workdays)}

    @classmethod
    def from_dict(cls, data: dict) -> "YearNotice":
        return cls(int(data["year"]), frozenset(map(date.fromisoformat, data.get("holidays", []))),
                   frozenset(map(date.fromisoformat, data.get("workdays", []))), data.get("source", ""))


@dataclass(frozen=True)
class Deadline:
    date: date
    provisional: bool


@lru_cache(maxsize=64)
def estimated_holidays(year: int) -> frozenset:
    """The days off of a year no notice covers, as 全国年节及纪念日放假办法 (2024 revision, in
    force 2025) sets them: 元旦 1 day, 春节 4 (除夕 to 初三), 清明 1, 劳动节 2, 端午 1, 中秋 1,
    国庆 3; a holiday on a Saturday or Sunday is made up on the working days after it (Art. 6),
    and so is one that falls on another (中秋 on 1-3 October: an eight-day break).

    The notice then moves days around (调休) into longer breaks with makeup Saturdays, which no
    one knows before it is issued; as it moves days but adds none, a year's count of working
    days comes out right, and a date near a holiday may be off by a few days.
    """
    blocks = [[date(year, 1, 1)], [date(year, 5, 1), date(year, 5, 2)],
              [date(year, 10, 1), date(year, 10, 2), date(year, 10, 3)]]
    if year in LUNAR_YEARS:
        new_year = LunarDate(year, 1, 1).to_solar_date()
        blocks += [[new_year + timedelta(days=i) for i in range(-1, 3)],
                   [TermUtils.day_start_from_term(year, "清明")],
                   [LunarDate(year, 5, 5).to_solar_date()], [LunarDate(year, 8, 15).to_solar_date()]]
    off = set()
    for block in sorted(blocks):
        owed, day = sum(d.weekday() >= 5 or d in off for d in block), max(block)
        off.update(block)
        while owed:
            day += timedelta(days=1)
            if day.weekday() < 5 and day not in off:
                off.add(day)
                owed -= 1
    return frozenset(off)


@lru_cache(maxsize=64)
def _package_year(year: int) -> tuple[frozenset, frozenset]:
    """(non-working weekdays, working weekend days) of a year the package knows."""
    off, on = set(), set()
    day = date(year, 1, 1)
    while day.year == year:
        working = chinese_calendar.is_workday(day)
        if day.weekday() < 5 and not working:
            off.add(day)
        elif day.weekday() >= 5 and working:
            on.add(day)
        day += timedelta(days=1)
    return frozenset(off), frozenset(on)


@lru_cache(maxsize=64)
def _package_holidays(year: int) -> frozenset:
    """Every day of a holiday break in a year the package knows, its weekends included."""
    days = (date(year, 1, 1) + timedelta(days=i) for i in range(366))
    return frozenset(d for d in days if d.year == year and chinese_calendar.get_holiday_detail(d)[1]
                     and chinese_calendar.is_holiday(d))


class WorkCalendar:
    def __init__(self, notices=(), closures=(), count_start_day: bool = False):
        self.notices = {n.year: n for n in notices}
        self.closures = frozenset(closures)
        self.count_start_day = count_start_day
        self._years: dict[int, tuple[frozenset, frozenset]] = {}

    def year_status(self, year: int) -> str:
        return "official" if year in self.notices or year in PACKAGE_YEARS else "estimated"

    def provisional(self, day: date) -> bool:
        """Whether the day falls in a year without an official notice, where counting estimates."""
        return self.year_status(day.year) == "estimated"

    def _year(self, year: int) -> tuple[frozenset, frozenset]:
        cached = self._years.get(year)
        if cached is None:
            if year in self.notices:
                n = self.notices[year]
                cached = (n.holidays, n.workdays)
            elif year in PACKAGE_YEARS:
                cached = _package_year(year)
            else:
                cached = (estimated_holidays(year), frozenset())
            self._years[year] = cached
        return cached

    def holidays(self, year: int) -> frozenset:
        """Every day off for a holiday, the weekends of a holiday break included (for showing
        the year: a weekend is no working day either way)."""
        if year in self.notices:
            return self.notices[year].holidays
        return _package_holidays(year) if year in PACKAGE_YEARS else estimated_holidays(year)

    def is_workday(self, day: date) -> bool:
        if day in self.closures:
            return False
        holidays, workdays = self._year(day.year)
        if day in workdays:
            return True
        return day.weekday() < 5 and day not in holidays

    def next_workday(self, day: date) -> date:
        day += timedelta(days=1)
        while not self.is_workday(day):
            day += timedelta(days=1)
        return day

    def add_workdays(self, start: date, n: int) -> Deadline:
        """The end of the N-th working day after `start` (the start day not counted by default)."""
        if n < 0:
            raise ValueError("n must not be negative")
        provisional = self.provisional(start)
        day = start
        if self.count_start_day and self.is_workday(start) and n > 0:
            n -= 1
        if n == 0 and not self.is_workday(day):
            day = self.next_workday(day)
        for _ in range(n):
            day = self.next_workday(day)
        return Deadline(day, provisional or self.provisional(day))

    def workdays_between(self, a: date, b: date) -> int:
        """Working days after `a` up to and including `b`; 0 when b is not after a."""
        count, day = 0, a
        while day < b:
            day += timedelta(days=1)
            if self.is_workday(day):
                count += 1
        return count


RANGE = re.compile(r"^(\d{4}-\d{2}-\d{2})\s*\.\.\s*(\d{4}-\d{2}-\d{2})$")


def _dates(value, where: Message) -> set[date]:
    text = str(value).strip()
    try:
        match = RANGE.match(text)
        if match:
            first, last = map(date.fromisoformat, match.groups())
            if last < first:
                raise ValueError
            return {first + timedelta(days=i) for i in range((last - first).days + 1)}
        return {value if isinstance(value, date) else date.fromisoformat(text)}
    except ValueError:
        raise ValueError(Message("%(where)s: %(text)s is not a date (YYYY-MM-DD) or range (YYYY-MM-DD..YYYY-MM-DD)",
                                 where=where, text=repr(text))) from None


def parse_notice(source, fmt: str | None = None, name: str = "notice") -> YearNotice:
    """Read a notice from a path, text or bytes (an upload called `name`): YAML (year, holidays,
    makeup_workdays, source) or CSV (date,kind with kind holiday|workday). Errors name the
    field or line."""
    text = source
    if isinstance(source, Path) or (isinstance(source, str) and "\n" not in source and Path(source).exists()):
        path = Path(source)
        text, name = path.read_bytes(), path.name
        fmt = fmt or ("csv" if path.suffix.lower() == ".csv" else "yaml")
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")  # Excel's "CSV UTF-8" begins with a byte-order mark
        except UnicodeDecodeError:  # Excel in China saves CSV as GBK
            raise ValueError(Message("%(name)s is not UTF-8 text: save it as UTF-8 (CSV UTF-8)", name=name)) from None
    fmt = fmt or ("csv" if text.lstrip().lower().startswith("date,") else "yaml")
    holidays, workdays, year, origin = set(), set(), None, ""
    listed: dict[date, Message] = {}

    def add(days: set, value, where: Message) -> None:
        """A day listed twice (overlapping ranges) is a typing mistake: which was meant is unknown."""
        for day in sorted(_dates(value, where)):
            if day in (workdays if days is holidays else holidays):
                raise ValueError(Message("%(name)s: %(day)s is listed as both holiday and working day",
                                         name=name, day=day))
            if day in listed:
                raise ValueError(Message("%(day)s is listed twice: %(first)s and %(second)s",
                                         day=day, first=listed[day], second=where))
            listed[day] = where
            days.add(day)
    if fmt == "csv":
        for line_no, row in enumerate(csv.DictReader(io.StringIO(text)), start=2):
            kind = (row.get("kind") or "").strip()
            if kind not in ("holiday", "workday"):
                raise ValueError(Message("%(name)s line %(line)s: kind must be holiday or workday",
                                         name=name, line=line_no))
            where = Message("%(name)s line %(line)s", name=name, line=line_no)
            add(holidays if kind == "holiday" else workdays, row.get("date"), where)
        years = {d.year for d in holidays | workdays}
        if len(years) != 1:
            raise ValueError(Message("%(name)s: a notice covers exactly one year, found %(years)s",
                                     name=name, years=", ".join(map(str, sorted(years))) or "-"))
        year = years.pop()
    else:
        try:  # every value as text: dates are checked here, with the field named
            data = yaml.load(text, Loader=yaml.BaseLoader)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            raise ValueError(Message("%(name)s line %(line)s: not valid YAML (%(problem)s)", name=name,
                                     line=mark.line + 1 if mark else "?",
                                     problem=getattr(exc, "problem", None) or exc)) from None
        if not isinstance(data, dict) or not str(data.get("year", "")).isdigit():
            raise ValueError(Message("%(name)s: 'year' (a number) is required", name=name))
        year, origin = int(data["year"]), str(data.get("source", ""))
        for field_name, days in (("holidays", holidays), ("makeup_workdays", workdays)):
            for i, v in enumerate(data.get(field_name) or [], start=1):
                add(days, v, Message("%(name)s %(field)s item %(item)s", name=name, field=field_name, item=i))
    for d in holidays | workdays:
        if d.year != year:
            raise ValueError(Message("%(name)s: %(day)s is outside %(year)s", name=name, day=d, year=year))
    for d in workdays:
        if d.weekday() < 5:
            raise ValueError(Message("%(name)s: makeup working day %(day)s is not a Saturday or Sunday",
                                     name=name, day=d))
    return YearNotice(year, frozenset(holidays), frozenset(workdays), origin)
