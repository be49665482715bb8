"""A notice that reaches across the year's end: 2019's made Saturday 29 December 2018 a working day
for its New Year (31 December off), as the State Council may do again. A notice may list days of
the December before and the January after its year; they count for its law check, move dates when
it is imported, show on both years' pages, and a day two notices list is refused.

ACROSS_2027 is the assumed 2027 notice of test_year_end with such a New Year: 31 December 2026 to
3 January 2027 off, Saturday 26 December 2026 worked.
"""
from datetime import date

import pytest

from engine.calendar import WorkCalendar, parse_notice
from engine.clock import limits, orders
from engine.errors import Invalid
from engine.services import calendars
from engine.store import session_scope
from engine.store.models import CalendarYear, Clock, SupervisionOrder
from tests.test_calendar import unlike_the_package
from tests.test_year_end import ASSUMED_2027, events, get, instance_id, new_clock  # noqa: F401 (fixture)
from tests.web import signed_in

# As published: 国办发明电〔2017〕12号 and 〔2018〕15号, 2019's Labour Day as 〔2019〕2号 changed it.
NOTICE_2018 = """year: 2018
source: 国办发明电〔2017〕12号
holidays: [2018-01-01, 2018-02-15..2018-02-21, 2018-04-05..2018-04-07, 2018-04-29..2018-05-01, 2018-06-18,
           2018-09-24, 2018-10-01..2018-10-07]
makeup_workdays: [2018-02-11, 2018-02-24, 2018-04-08, 2018-04-28, 2018-09-29, 2018-09-30]
"""
NOTICE_2019 = """year: 2019
source: 国办发明电〔2018〕15号
holidays: [2018-12-30..2019-01-01, 2019-02-04..2019-02-10, 2019-04-05, 2019-05-01..2019-05-04, 2019-06-07,
           2019-09-13, 2019-10-01..2019-10-07]
makeup_workdays: [2018-12-29, 2019-02-02, 2019-02-03, 2019-04-28, 2019-05-05, 2019-09-29, 2019-10-12]
"""
ACROSS_2027 = ASSUMED_2027.replace("2027-01-01..2027-01-03", "2026-12-31..2027-01-03").replace(
    "makeup_workdays: [", "makeup_workdays: [2026-12-26, ")
SAT, THU = date(2026, 12, 26), date(2026, 12, 31)


def test_the_2019_notice_as_published_gives_the_packages_days_across_the_year_end():
    """Imported over the package's own years, 2018's and 2019's notices give every day of both as
    the package has it: 29 December 2018 a working day, 31 December off, by 2019's notice alone."""
    cal = WorkCalendar([parse_notice(NOTICE_2018), parse_notice(NOTICE_2019)])
    assert unlike_the_package(cal, date(2018, 1, 1), date(2019, 12, 31)) == []
    assert cal.is_workday(date(2018, 12, 29)) and not cal.is_workday(date(2018, 12, 31))
    assert parse_notice(NOTICE_2019).days_off == 11
    # The December days are 2019's, in the package too: a 2019 notice without them takes them away.
    plain = parse_notice(NOTICE_2019.replace("2018-12-30..2019-01-01", "2019-01-01").replace("[2018-12-29, ", "["))
    assert WorkCalendar([plain]).is_workday(date(2018, 12, 31))
    assert not WorkCalendar([plain]).is_workday(date(2018, 12, 29))
    assert WorkCalendar().across_years(2018) == WorkCalendar().across_years(2019) == [
        (date(2018, 12, 29), True, 2019), (date(2018, 12, 31), False, 2019)]


def test_the_law_check_counts_the_notices_days_wherever_they_fall():
    """31 December given off without its makeup Saturday is a day more than the law's eleven."""
    assert parse_notice(ACROSS_2027).days_off == 13 and parse_notice(ACROSS_2027).unlike_law is None
    assert parse_notice(NOTICE_2019.replace("[2018-12-29, ", "[")).days_off == 12
    assert parse_notice(ACROSS_2027.replace("[2026-12-26, ", "[")).unlike_law == 13
    assert parse_notice("date,kind\n2026-12-26,workday\n2026-12-31,holiday\n2027-01-01..2027-01-03,holiday\n").year == 2027
    with pytest.raises(ValueError, match="the one most of its days fall in, found 2026, 2027"):
        parse_notice("date,kind\n2026-12-26,workday\n2027-01-01,holiday\n")


def test_importing_2027_moves_the_dates_counted_over_the_end_of_2026(instance_id, org):
    """Five working days from Monday 28 December end on Tuesday 5 January on the estimate, on the
    6th once 31 December is off (a clock's dates and a supervision order's alike). Seven from the
    21st end on the 30th; Saturday the 26th worked would make it the 29th, but a date printed for
    the applicant is never shortened."""
    over = new_clock(instance_id, date(2026, 12, 28), promised=5)
    printed = new_clock(instance_id, date(2026, 12, 21), promised=7)
    with session_scope() as session:
        limits.promise_to_applicant(session, session.get(Clock, printed))
        order_id = orders.issue_order(session, session.get(Clock, printed), "yellow", date(2026, 12, 28)).id
    assert (get(over).promised_due, get(printed).promised_due) == (date(2027, 1, 5), date(2026, 12, 30))
    assert get(over).provisional and not get(printed).provisional

    calendars.import_notice(ACROSS_2027, org["admin"])
    assert get(over).promised_due == date(2027, 1, 6) and not get(over).provisional
    assert get(printed).promised_due == date(2026, 12, 30)
    assert calendars.current().add_workdays(date(2026, 12, 21), 7).date == date(2026, 12, 29)
    with session_scope() as session:  # 29, 30 December and (31 December and 1 January off) 4 January
        assert session.get(SupervisionOrder, order_id).feedback_due == date(2027, 1, 4)
    [(actor, moved)] = [(a, d) for a, d in events("clock_recomputed") if d["clock_id"] == over]
    assert actor == org["admin"].id and (moved["was_promised_due"], moved["promised_due"]) == (
        "2027-01-05", "2027-01-06")
    assert [(d["what"], d["was"], d["due_on"]) for _, d in events("date_recounted")] == [
        ("order", "2026-12-31", "2027-01-04")]


@pytest.fixture
def notice_2026(db):
    """2026's notice as published (国办发明电〔2025〕7号), 31 December mistyped into it as a holiday
    (imported as it stands, the administrator having said so)."""
    return """year: 2026
source: 国办发明电〔2025〕7号
holidays: [2026-01-01..2026-01-03, 2026-02-15..2026-02-23, 2026-04-04..2026-04-06, 2026-05-01..2026-05-05,
           2026-06-19..2026-06-21, 2026-09-25..2026-09-27, 2026-10-01..2026-10-07, 2026-12-31]
makeup_workdays: [2026-01-04, 2026-02-14, 2026-02-28, 2026-05-09, 2026-09-20, 2026-10-10]
"""


def test_a_day_two_notices_list_is_refused_naming_both_whichever_comes_first(org, notice_2026):
    calendars.import_notice(notice_2026, org["admin"], unlike_law=True)
    with pytest.raises(Invalid) as refused:
        calendars.import_notice(ACROSS_2027, org["admin"])
    assert str(refused.value.message) == (
        "2026-12-31 is listed by this notice for 2027 and by the notice for 2026 already imported "
        "(国办发明电〔2025〕7号): a day belongs to one year's notice. Nothing was imported; correct the notice "
        "that is wrong and import it")
    with session_scope() as session:
        assert session.get(CalendarYear, 2027) is None
    corrected = notice_2026.replace(", 2026-12-31]", "]")
    calendars.import_notice(corrected, org["admin"])  # replacing its own year's notice is no clash
    calendars.import_notice(ACROSS_2027, org["admin"])
    with pytest.raises(Invalid, match="2026-12-31 is listed by this notice for 2026 and by the notice for 2027"):
        calendars.import_notice(notice_2026, org["admin"], unlike_law=True)
    calendars.import_notice(ACROSS_2027, org["admin"])  # the same notice again
    assert [d["year"] for _, d in events("calendar_imported")] == [2026, 2026, 2027, 2027]


@pytest.fixture
def app(org):
    from web import create_app
    return create_app({"TESTING": True, "WTF_CSRF_ENABLED": False})


def test_both_years_pages_show_the_days_moved_across_the_year_end(app, org):
    calendars.import_notice(ACROSS_2027, org["admin"])
    admin = signed_in(app, "admin")
    page = admin.get("/admin/calendar?year=2026").text
    assert f'class="day makeup" data-date="{SAT}"' in page and f'class="day holiday" data-date="{THU}"' in page
    assert "跨年调休：2026-12-26 调休上班（2027 年放假安排）；2026-12-31 放假（2027 年放假安排）" in page
    assert "跨年调休：2026-12-26 调休上班（2027 年放假安排）" in admin.get("/admin/calendar?year=2027").text
    assert "跨年调休" not in admin.get("/admin/calendar?year=2025").text
    from tests.test_api_routes import auth
    year = app.test_client().get("/api/calendar/2026", headers=auth("clerk")).json
    assert SAT.isoformat() in year["makeup_workdays"] and THU.isoformat() in year["holidays"]
    assert year["across_years"] == [{"day": "2026-12-26", "working": True, "notice_year": 2027},
                                    {"day": "2026-12-31", "working": False, "notice_year": 2027}]
