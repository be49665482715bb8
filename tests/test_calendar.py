"""The working-day calendar against the package's data, the worked examples and its own laws."""
from datetime import date, timedelta

import chinese_calendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.calendar import Deadline, WorkCalendar, YearNotice, parse_notice

CAL = WorkCalendar()


def unlike_the_package(cal: WorkCalendar, first: date, last: date) -> list[date]:
    """The days from first to last the calendar tells otherwise than the package."""
    days = (first + timedelta(days=i) for i in range((last - first).days + 1))
    return [d for d in days if cal.is_workday(d) != chinese_calendar.is_workday(d)]


def test_every_day_2004_to_2026_agrees_with_the_package():
    assert unlike_the_package(CAL, date(2004, 1, 1), date(2026, 12, 31)) == []


@pytest.mark.parametrize("start,n,end", [
    (date(2025, 9, 26), 20, date(2025, 10, 30)),   # skips 10/1-8, counts Sunday 9/28 and Saturday 10/11
    (date(2026, 2, 12), 5, date(2026, 2, 26)),     # counts Saturday 2/14
    (date(2026, 1, 2), 1, date(2026, 1, 4)),       # Sunday 1/4 is a makeup working day
])
def test_worked_examples(start, n, end):
    deadline = CAL.add_workdays(start, n)
    assert deadline.date == end and not deadline.provisional


def test_counting_the_start_day_is_a_setting(db, monkeypatch):
    assert WorkCalendar(count_start_day=True).add_workdays(date(2026, 2, 12), 5).date == date(2026, 2, 25)
    from engine.services import calendars
    calendars.invalidate()
    assert calendars.current().add_workdays(date(2026, 2, 12), 5).date == date(2026, 2, 26)  # the law's count
    monkeypatch.setenv("COUNT_ACCEPTANCE_DAY", "1")  # a place whose rule counts the day of acceptance
    calendars.invalidate()
    assert calendars.current().add_workdays(date(2026, 2, 12), 5).date == date(2026, 2, 25)
    monkeypatch.delenv("COUNT_ACCEPTANCE_DAY")
    calendars.invalidate()


def test_a_year_without_a_notice_is_estimated_until_one_is_imported():
    assert CAL.year_status(2027) == "estimated"
    assert CAL.add_workdays(date(2026, 12, 28), 10).provisional
    notice = parse_notice("year: 2027\nsource: 国办发明电〔2026〕\nholidays:\n  - 2027-01-01\n"
                          "  - 2027-02-05..2027-02-11\nmakeup_workdays:\n  - 2027-02-13\n")
    cal = WorkCalendar([notice])
    assert cal.year_status(2027) == "official"
    assert not cal.add_workdays(date(2026, 12, 28), 10).provisional
    assert not cal.is_workday(date(2027, 2, 8)) and cal.is_workday(date(2027, 2, 13))
    assert YearNotice.from_dict(notice.to_dict()) == notice


@pytest.mark.parametrize("year", [2025, 2026])
def test_the_estimate_of_a_year_is_what_its_notice_came_to(year):
    """Estimated as the law sets the holidays (lunar ones included), 2025 and 2026 come out with
    their notices' count of working days, and every estimated day off was off."""
    from engine.calendar import _package_year, estimated_holidays
    off, makeup = _package_year(year)
    weekdays_off = {d for d in estimated_holidays(year) if d.weekday() < 5}
    assert weekdays_off <= off
    assert len(weekdays_off) == len(off) - len(makeup) == 13


def test_2027_is_estimated_with_its_lunar_holidays_until_its_notice_comes():
    cal = WorkCalendar()
    # 除夕 Friday 5 February, 春节 Saturday to Monday: Saturday and Sunday made up on Tuesday and Wednesday.
    assert [cal.is_workday(date(2027, 2, d)) for d in range(4, 12)] == [True] + [False] * 6 + [True]
    assert not cal.is_workday(date(2027, 4, 5))  # 清明
    assert not cal.is_workday(date(2027, 6, 9)) and not cal.is_workday(date(2027, 9, 15))  # 端午, 中秋
    deadline = cal.add_workdays(date(2027, 2, 1), 5)
    assert deadline == Deadline(date(2027, 2, 12), provisional=True)


def test_a_holiday_falling_on_another_is_made_up_too():
    """2028: 中秋 on Tuesday 3 October, inside 国庆 (Sunday to Tuesday): the Sunday and the shared
    day are made up on Wednesday and Thursday, and the year keeps its 13 days off."""
    from engine.calendar import estimated_holidays
    off = estimated_holidays(2028)
    assert {date(2028, 10, d) for d in range(1, 6)} <= off and date(2028, 10, 6) not in off
    assert len([d for d in off if d.weekday() < 5]) == 13


def test_closures_are_not_working_days():
    cal = WorkCalendar(closures=[date(2026, 3, 4)])
    assert not cal.is_workday(date(2026, 3, 4))
    assert cal.add_workdays(date(2026, 3, 3), 1).date == date(2026, 3, 5)


@pytest.mark.parametrize("text,message", [
    ("year: 2027\nholidays: [2027-13-01]\n", "not a date"),
    ("year: 2027\nholidays: [2028-02-01]\n", "outside 2027 and the December before and January after it"),
    ("year: 2027\nmakeup_workdays: [2026-11-28]\n", "outside 2027"),
    ("year: 2027\nholidays: [2027-02-13]\nmakeup_workdays: [2027-02-13]\n", "both"),
    ("year: 2027\nmakeup_workdays: [2027-02-10]\n", "not a Saturday or Sunday"),
    ("holidays: []\n", "'year'"),
    ("date,kind\n2027-01-01,holiday\n2027-01-02,party\n", "line 3"),
])
def test_bad_notices_are_refused_with_the_place(text, message):
    with pytest.raises(ValueError, match=message):
        parse_notice(text)


@pytest.mark.parametrize("year", [2019, 2024, 2025, 2026])
def test_a_complete_notice_gives_the_laws_days_off(year):
    """What the import checks a notice against: the notices of those years, as the package has
    them, give exactly the law's days off (11 until 2024, 13 since)."""
    from engine.calendar import _package_year, law_days_off
    off, makeup = _package_year(year)
    assert YearNotice(year, off, makeup).days_off == law_days_off(year)


def test_a_notice_not_in_utf8_is_refused_saying_so(tmp_path):
    gbk = tmp_path / "2027.csv"
    gbk.write_bytes("date,kind\n2027-01-01,holiday\n# 元旦\n".encode("gbk"))
    with pytest.raises(ValueError, match="2027.csv is not UTF-8 text"):
        parse_notice(gbk)


def test_csv_notice():
    notice = parse_notice("date,kind\n2027-01-01,holiday\n2027-02-13,workday\n")
    assert notice.year == 2027 and date(2027, 2, 13) in notice.workdays


days = st.dates(min_value=date(2004, 1, 1), max_value=date(2026, 10, 1))


@settings(max_examples=300, deadline=None)
@given(start=days, n=st.integers(min_value=0, max_value=60))
def test_adding_then_counting_back_gives_n(start, n):
    end = CAL.add_workdays(start, n).date
    assert CAL.is_workday(end)
    if n > 0:
        assert CAL.workdays_between(start, end) == n


@settings(max_examples=200, deadline=None)
@given(start=days, n=st.integers(min_value=0, max_value=40))
def test_monotonic(start, n):
    assert CAL.add_workdays(start, n).date <= CAL.add_workdays(start, n + 1).date
