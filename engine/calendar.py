"""Chinese working days: Monday to Friday, minus statutory holidays, plus makeup working days.

Years 2004-2026 come from the `chinesecalendar` package; a year's State Council notice
imported by an administrator overrides it; a year with neither is estimated from the law
(estimated_holidays) and every result that depends on it is provisional. A year's notice may move
days at the edges of the years beside it (2019's made Saturday 29 December 2018 a working day for
its New Year). Regional closure days are extra non-working days.
"""
import csv
import io
import re
from collections import Counter
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
CALENDAR_YEARS = range(1990, 2101)  # the years the pages and the API show, and a notice may be for


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
    def days(self) -> frozenset:
        """Every day the notice lists, as a holiday or as a working day."""
        return self.holidays | self.workdays

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


def _package_owner(day: date) -> int:
    """The year whose notice set a day the package knows: a December day of a New Year break, or
    its makeup Saturday, is the next year's."""
    new_year = chinese_calendar.Holiday.new_years_day.value
    return day.year + 1 if day.month == 12 and chinese_calendar.get_holiday_detail(day)[1] == new_year else day.year


def _package_days(year: int):
    """The days the package's data for a year's notice covers: the year's own but its next New
    Year's, and those of its New Year in the December before."""
    day = date(year - 1, 12, 1) if year - 1 in PACKAGE_YEARS else date(year, 1, 1)
    while day.year <= year:
        if _package_owner(day) == year:
            yield day
        day += timedelta(days=1)


@lru_cache(maxsize=64)
def _package_year(year: int) -> tuple[frozenset, frozenset]:
    """(non-working weekdays, working weekend days) of a year's notice as the package has it."""
    off, on = set(), set()
    for day in _package_days(year):
        working = chinese_calendar.is_workday(day)
        if day.weekday() < 5 and not working:
            off.add(day)
        elif day.weekday() >= 5 and working:
            on.add(day)
    return frozenset(off), frozenset(on)


@lru_cache(maxsize=64)
def _package_holidays(year: int) -> frozenset:
    """Every day of a holiday break of a year's notice as the package has it, its weekends included."""
    return frozenset(d for d in _package_days(year) if chinese_calendar.get_holiday_detail(d)[1]
                     and chinese_calendar.is_holiday(d))


class WorkCalendar:
    def __init__(self, notices=(), closures=(), count_start_day: bool = False):
        self.notices = {n.year: n for n in notices}
        self.closures = frozenset(closures)
        self.count_start_day = count_start_day
        self._years: dict[int, dict[date, bool]] = {}

    def year_status(self, year: int) -> str:
        return "official" if year in self.notices or year in PACKAGE_YEARS else "estimated"

    def provisional(self, day: date) -> bool:
        """Whether the day falls in a year without an official notice, where counting estimates."""
        return self.year_status(day.year) == "estimated"

    def _source(self, year: int) -> tuple[frozenset, frozenset]:
        """(days off, working days) as the year's notice lists them, or the package's data, or the
        estimate; a notice's and the package's may fall at the edges of the years beside it."""
        if year in self.notices:
            return self.notices[year].holidays, self.notices[year].workdays
        return _package_year(year) if year in PACKAGE_YEARS else (estimated_holidays(year), frozenset())

    def _listing(self, year: int) -> list[int]:
        """The years whose notice or data may list days of `year`, a notice's last: it outranks
        the package's data (an import keeps two notices from listing one day). An estimate lists
        days of its own year only."""
        years = [y for y in (year - 1, year + 1) if y in self.notices or y in PACKAGE_YEARS] + [year]
        return sorted(years, key=lambda y: y in self.notices)

    def _listed(self, year: int) -> dict[date, bool]:
        """The days of `year` listed as off (False) or working (True), whichever year listed them."""
        cached = self._years.get(year)
        if cached is None:
            cached = {}
            for y in self._listing(year):
                off, on = self._source(y)
                cached.update((d, False) for d in off if d.year == year)
                cached.update((d, True) for d in on if d.year == year)
            self._years[year] = cached
        return cached

    def holidays(self, year: int) -> frozenset:
        """Every day of `year` off for a holiday, the weekends of a holiday break included, whichever
        year's notice gave it (for showing the year: a weekend is no working day either way)."""
        days = set()
        for y in self._listing(year):
            listed = self.notices[y].holidays if y in self.notices else \
                _package_holidays(y) if y in PACKAGE_YEARS else estimated_holidays(y)
            days.update(d for d in listed if d.year == year)
        return frozenset(d for d in days if not self.is_workday(d))

    def across_years(self, year: int) -> list[tuple[date, bool, int]]:
        """The days the year's notice moves in the years beside it, and those their notices move in
        it, each as (day, a working day, the notice's year)."""
        moved = set()
        for y in self._listing(year):
            off, on = self._source(y)
            moved.update((d, y) for d in off | on if d.year != y and year in (d.year, y)
                         and self.is_workday(d) != (d.weekday() < 5))
        return sorted((d, self.is_workday(d), y) for d, y in moved)

    def is_workday(self, day: date) -> bool:
        if day in self.closures:
            return False
        listed = self._listed(day.year).get(day)
        return day.weekday() < 5 if listed is None else listed

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

    def add_calendar_days(self, start: date, n: int) -> Deadline:
        """The end of the N-th day after `start` (自然日; the start day not counted by default, 民法典
        第201条), or of the first working day after it when that day is none, a weekend or a holiday
        (第203条: a period whose last day is a 法定休假日 ends on the day after the holiday). Only
        that move depends on the calendar: provisional where it falls in a year without a notice."""
        if n < 0:
            raise ValueError("n must not be negative")
        last = start + timedelta(days=n - 1 if self.count_start_day and n > 0 else n)
        day = last if self.is_workday(last) else self.next_workday(last)
        return Deadline(day, self.provisional(last) or self.provisional(day))

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
        # Its year is the one most of its days fall in: a few may be in the December before it.
        counts = Counter(d.year for d in holidays | workdays).most_common()
        if not counts or (len(counts) > 1 and counts[0][1] == counts[1][1]):
            raise ValueError(Message("%(name)s: a notice's year is the one most of its days fall in, found %(years)s",
                                     name=name, years=", ".join(str(y) for y, _ in sorted(counts)) or "-"))
        year = counts[0][0]
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
    if year not in CALENDAR_YEARS:  # a typo (20277): stored, no page could show it
        raise ValueError(Message("%(name)s: the year %(year)s is not from %(first)s to %(last)s", name=name,
                                 year=year, first=CALENDAR_YEARS[0], last=CALENDAR_YEARS[-1]))
    for d in holidays | workdays:  # 2019's notice made Saturday 29 December 2018 a working day
        if d.year != year and (d.year, d.month) not in ((year - 1, 12), (year + 1, 1)):
            raise ValueError(Message("%(name)s: %(day)s is outside %(year)s and the December before and "
                                     "January after it", name=name, day=d, year=year))
    for d in workdays:
        if d.weekday() < 5:
            raise ValueError(Message("%(name)s: makeup working day %(day)s is not a Saturday or Sunday",
                                     name=name, day=d))
    return YearNotice(year, frozenset(holidays), frozenset(workdays), origin)
