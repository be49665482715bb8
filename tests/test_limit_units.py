"""Time limits in 工作日, 自然日 or 小时 (engine/clock/units.py): the calendar-day rule (the start day not
counted, a last day that is no working day giving way to the first working day after it), hours on
the wall clock from acceptance, and what each unit does to warnings, cards, pauses, extensions, the
recount, the catalogue, the exchange records and the pages.

March 2026: Monday 2 to Friday 6, Monday 9 to Friday 13 are working days; the Spring Festival's
holidays run from 15 to 23 February 2026, Saturday 14 February is worked.
"""
from datetime import date, datetime, time, timedelta, timezone

import pytest
from sqlalchemy import select

from engine import catalogue, clock, exchange, intake, supervision, timers
from engine.calendar import Deadline, WorkCalendar
from engine.clock import extension, levels, limits, offers, pauses, stopping, units
from engine.errors import Conflict, Invalid
from engine.services import calendars, cases, deploy, tasks, users
from engine.store import session_scope
from engine.store.models import Clock, Event, Notice, SupervisionOrder, Task, Timer
from tests.bpmn_builder import one_review
from tests.procedures import promised_item
from tests.test_clock import get, instance_id, new_clock  # noqa: F401 (fixture)
from tests.test_year_end import ASSUMED_2027
from tests.web import element, signed_in

MON, WED = date(2026, 3, 2), date(2026, 3, 4)
HOURS, DAYS, WORKING = units.HOURS, units.CALENDAR_DAYS, units.WORKING_DAYS
APPLICANT = {"name": "张三", "id_number": "110101199001011237", "phone": "13800000000"}


def at(day: date, hour: int, minute: int = 0, second: int = 0) -> datetime:
    """A moment of that day in China, in UTC as the engine keeps it."""
    return datetime.combine(day, time(hour, minute, second), clock.SHANGHAI).astimezone(timezone.utc)


@pytest.fixture
def now(monkeypatch):
    """The moment, set by the test (now.at = ...); the day in China follows it."""
    class Now:
        at = at(MON, 10)
    monkeypatch.setattr(clock, "now", lambda: Now.at)
    return Now


def pending(clock_id: int) -> list[datetime]:
    with session_scope() as session:
        return [t.due_at for t in session.scalars(select(Timer).where(
            Timer.clock_id == clock_id, Timer.kind == "clock", Timer.state == "pending"))]


# -- the calendar-day rule ---------------------------------------------------------------------

@pytest.mark.parametrize("start, n, end", [
    (MON, 10, date(2026, 3, 12)),  # a Thursday: the period ends on it
    (MON, 5, date(2026, 3, 9)),  # Saturday the 7th is a rest day: the Monday after it
    (date(2026, 2, 10), 5, date(2026, 2, 24)),  # Sunday the 15th, in the Spring Festival: the day after it
    (date(2025, 9, 26), 5, date(2025, 10, 9)),  # 1 October, in National Day's 1-8 October
    (date(2026, 2, 4), 10, date(2026, 2, 14)),  # a Saturday made a working day (调休): it ends on it
    (MON, 0, MON),
])
def test_a_limit_in_calendar_days_ends_on_its_nth_day_or_the_first_working_day_after_it(start, n, end):
    assert WorkCalendar().add_calendar_days(start, n) == Deadline(end, False)


def test_the_start_day_counts_where_a_local_rule_counts_it_and_an_estimated_year_is_provisional():
    assert WorkCalendar(count_start_day=True).add_calendar_days(MON, 10).date == date(2026, 3, 11)
    # 9 January 2027 is a Saturday of a year without its notice: moved to the Monday, provisional
    assert WorkCalendar().add_calendar_days(date(2026, 12, 20), 20) == Deadline(date(2027, 1, 11), True)


# -- clocks in calendar days --------------------------------------------------------------------

def test_a_clock_in_calendar_days_warns_and_takes_its_cards_by_the_days(instance_id):
    cid = new_clock(instance_id, MON, promised=10, statutory=20, promised_unit=DAYS, statutory_unit=DAYS)
    c = get(cid)
    # the 22nd, the statutory limit's last day, is a Sunday: it ends on Monday the 23rd
    assert (c.promised_due, c.statutory_due, c.promised_due_at) == (date(2026, 3, 12), date(2026, 3, 23), None)
    # warned from two days before (20% of ten), counted in days, weekends too
    assert [levels.level_on(c, d) for d in (date(2026, 3, 9), date(2026, 3, 10), date(2026, 3, 12),
                                          date(2026, 3, 13), date(2026, 3, 23), date(2026, 3, 24))] == \
        ["normal", "warning", "warning", "yellow", "yellow", "red"]
    shown = limits.describe(c, date(2026, 3, 7))
    assert (shown["promised_unit"], shown["statutory_unit"], shown["left"]) == (DAYS, DAYS, 5)
    assert shown["workdays_left"] == 4  # what the working-day count would say of the same date


def test_a_special_procedure_moves_a_limit_in_calendar_days_by_the_days_it_took(instance_id, org, now):
    """Paused Wednesday to Monday: five days, three of them working days. The promise in days moves
    five days, the statutory limit in working days three."""
    cid = new_clock(instance_id, MON, promised=10, statutory=20, promised_unit=DAYS)
    now.at = at(WED, 9)
    pauses.pause(cid, "expert_review", "专家评审", 3, org["reviewer"])
    now.at = at(date(2026, 3, 9), 9)
    resumed = pauses.resume(cid, "评审通过", org["reviewer"])
    assert (resumed.paused_calendar_days, resumed.paused_days) == (5, 3)
    assert resumed.promised_due == date(2026, 3, 17)  # 15 days from Monday the 2nd
    assert resumed.statutory_due == calendars.current().add_workdays(MON, 23).date
    with session_scope() as session:
        ended = session.scalar(select(Event).where(Event.type == "special_procedure_ended")).data
    assert (ended["moved"], ended["unit"], ended["paused_days"]) == (5, DAYS, 3)


def test_an_extension_adds_days_of_the_statutory_limits_unit(instance_id, org):
    cid = new_clock(instance_id, MON, promised=10, statutory=20, statutory_unit=DAYS, department="devreform")
    with pytest.raises(Invalid, match=r"1 to 10 days"):
        extension.extend(cid, 11, "情况复杂", org["lead"])
    extended = extension.extend(cid, 10, "情况复杂", org["lead"])
    assert extended.statutory_due == date(2026, 4, 1)  # 30 days from Monday 2 March, a Wednesday
    with session_scope() as session:
        assert session.scalar(select(Event).where(Event.type == "clock_extended")).data["unit"] == DAYS


def test_a_calendar_change_counts_a_limit_in_days_again_but_not_one_in_hours(instance_id, org, now):
    """Counted into 2027 before its notice, the 14 days from Thursday 28 January end on Thursday 11
    February, a working day by the estimate; the notice makes it a Spring Festival holiday, and the
    limit ends on Friday the 12th. Hours count on no calendar: a limit in hours does not move."""
    now.at = at(date(2027, 1, 28), 10)
    days = new_clock(instance_id, date(2027, 1, 28), promised=14, promised_unit=DAYS)
    hours = new_clock(instance_id, date(2027, 1, 28), promised=24, promised_unit=HOURS)
    assert (get(days).promised_due, get(days).provisional) == (date(2027, 2, 11), True)
    was = get(hours).promised_due_at
    calendars.import_notice(ASSUMED_2027, org["admin"])
    assert (get(days).promised_due, get(days).provisional) == (date(2027, 2, 12), False)
    assert (get(hours).promised_due_at, get(hours).promised_due) == (was, date(2027, 1, 29))
    with session_scope() as session:
        moved = session.scalars(select(Event).where(Event.type == "clock_recomputed")).all()
    assert [(e.data["clock_id"], e.data["was_promised_due"], e.data["promised_due"]) for e in moved] == [
        (days, "2027-02-11", "2027-02-12")]


# -- clocks in hours ----------------------------------------------------------------------------

def test_a_clock_in_hours_warns_and_takes_its_cards_at_its_moments(instance_id, org, now):
    """Four hours promised from Monday 10:00, the law's one working day beside them: warned when a
    fifth of the four hours is left (13:12), a yellow card past 14:00, a red one past Tuesday."""
    cid = new_clock(instance_id, MON, promised=4, statutory=1, promised_unit=HOURS)
    c = get(cid)
    assert (c.started_at, c.promised_due_at, c.promised_due) == (at(MON, 10), at(MON, 14), MON)
    assert (c.statutory_due, c.statutory_due_at, c.provisional) == (date(2026, 3, 3), None, False)
    assert [levels.level_at(c, at(MON, h, m)) for h, m in ((13, 11), (13, 12), (14, 0))] == ["normal"] + ["warning"] * 2
    assert pending(cid) == [at(MON, 13, 12)]
    timers.tick(now=at(MON, 13, 12, 30))
    assert get(cid).level == "warning" and pending(cid) == [at(MON, 14, 0, 1)]
    timers.tick(now=at(MON, 14, 0, 2))  # the same day: the card comes with the hour, not the next day
    assert get(cid).level == "yellow"
    timers.tick(now=at(date(2026, 3, 4), 0, 0, 1))
    assert get(cid).level == "red"
    with session_scope() as session:
        assert [o.card for o in session.scalars(select(SupervisionOrder).order_by(SupervisionOrder.id))] == [
            "yellow", "red"]
    now.at = at(date(2026, 3, 4), 0)
    shown = limits.describe(get(cid))
    assert (shown["promised_due_at"], shown["promised_provisional"]) == ("2026-03-02T14:00:00+08:00", False)
    assert (shown["promised_unit"], shown["left"]) == (HOURS, -34)  # 14:00 Monday to Wednesday's first moment


def test_a_steps_limit_in_working_days_passes_with_its_cases_hour(instance_id, org, now):
    """A step has the time its case has: its working day ends on Tuesday, the day its case's 24
    hours end, at 10:00; capped to them, it passes then, its task due then, not at the day's end."""
    new_clock(instance_id, MON, promised=24, statutory=2, promised_unit=HOURS)
    [task] = tasks.list_tasks(org["admin"], instance_id=instance_id)
    tuesday = date(2026, 3, 3)
    step = get(new_clock(instance_id, MON, promised=1, task_id=task["id"]))
    assert (step.promised_due, step.promised_due_at, step.promised_unit) == (tuesday, at(tuesday, 10), WORKING)
    with session_scope() as session:
        assert session.get(Task, task["id"]).due_at == at(tuesday, 10)
    assert limits.describe(step)["capped"]
    assert levels.level_at(step, at(tuesday, 10, 1)) == "yellow"


def test_a_special_procedure_moves_a_limit_in_hours_by_the_time_it_took(instance_id, org, now):
    cid = new_clock(instance_id, MON, promised=4, statutory=1, promised_unit=HOURS)
    now.at = at(MON, 11)
    pauses.pause(cid, "testing", "现场检测", 1, org["reviewer"])
    now.at = at(MON, 12, 30)
    resumed = pauses.resume(cid, "检测合格", org["reviewer"])
    assert (resumed.paused_seconds, resumed.promised_due_at) == (5400, at(MON, 15, 30))
    assert resumed.statutory_due == date(2026, 3, 3)  # the same day: no working day taken
    with session_scope() as session:
        ended = session.scalar(select(Event).where(Event.type == "special_procedure_ended")).data
    assert (ended["moved"], ended["unit"]) == (2, HOURS)  # an hour and a half: two hours begun


@pytest.mark.parametrize("statutory_unit, offered", [(HOURS, False), (WORKING, True)])
def test_a_limit_in_hours_is_not_extended_nor_offered_to_be(instance_id, org, now, statutory_unit, offered):
    cid = new_clock(instance_id, MON, promised=2, statutory=8, statutory_unit=statutory_unit, promised_unit=HOURS)
    head = users.add_user("hlead", "住建局长", "housing", ["lead"], "pass-hlead")
    [task] = tasks.list_tasks(org["admin"], instance_id=instance_id)
    assert [o["may_extend"] for o in offers.offered(task["id"], head)] == [offered]
    if offered:
        assert extension.extend(cid, 1, "情况复杂", head).extension_days == 1
    else:
        with pytest.raises(Conflict, match="in hours has no extension"):
            extension.extend(cid, 1, "情况复杂", head)
        assert get(cid).extension_days == 0


def test_a_limit_in_hours_is_met_or_missed_to_the_minute_on_the_board_and_in_the_report(instance_id, org, now):
    """Two clocks promised for 14:00 stop the same day, one at 13:50 and one at 14:10: by the day both
    would be on time; by the hour the second is late."""
    met, missed = (new_clock(instance_id, MON, promised=4, statutory=1, promised_unit=HOURS, item_code=code)
                   for code in ("Q-1", "Q-2"))
    for clock_id, moment in ((met, at(MON, 13, 50)), (missed, at(MON, 14, 10))):
        now.at = moment
        with session_scope() as session:
            stopping.stop(session, session.get(Clock, clock_id))
    with session_scope() as session:
        said = [e.data["on_time"] for e in session.scalars(select(Event).where(Event.type == "clock_stopped")
                                                           .order_by(Event.id))]
    assert said == [True, False]
    rows = {r["item_code"]: r for r in supervision.overview(org["supervisor"], "all")["rows"]}
    assert (rows["Q-1"]["on_time"], rows["Q-2"]["on_time"]) == (1, 0)
    assert rows["Q-1"]["promised_unit"] == HOURS and rows["Q-1"]["avg_promised_days"] == 4
    [housing] = [r for r in supervision.monthly(2026, 3) if r["department"] == "housing"]
    assert (housing["finished"], housing["on_time"], housing["overdue"]) == (1, 0, 1)  # one case: both its clocks


# -- the catalogue --------------------------------------------------------------------------------

def item(**limits_given) -> dict:
    return {**promised_item("U-1", "units_review", "housing"), **limits_given}


@pytest.mark.parametrize("given, refused", [
    ({"promised_unit": "weeks"}, "promised_unit is one of working_days"),
    ({"statutory_unit": "工作日"}, "statutory_unit is one of working_days"),
    ({"promised_days": 100, "promised_unit": HOURS, "statutory_days": 30, "statutory_unit": DAYS},
     "promised_days in hours is a whole number from 1 to 72"),
    ({"promised_days": 0, "promised_unit": HOURS}, "promised_days in hours is a whole number from 1 to 72"),
    ({"statutory_days": None, "statutory_unit": DAYS}, "statutory_unit is the unit of statutory_days"),
    ({"promised_days": 3, "promised_unit": DAYS, "statutory_days": 48, "statutory_unit": HOURS},
     "statutory_days must not be shorter than promised_days"),
    ({"promised_days": 13, "promised_unit": HOURS, "statutory_days": 1}, "at most half of statutory_days"),
    ({"promised_days": 11, "promised_unit": DAYS, "statutory_days": 20}, "at most half of statutory_days"),
    ({"promised_days": 1.5, "promised_unit": DAYS}, "promised_days must be a whole number of its unit"),
])
def test_the_catalogue_refuses_a_unit_it_does_not_know_and_limits_that_do_not_fit(given, refused):
    with pytest.raises(Invalid, match=refused):
        catalogue.validate({k: v for k, v in item(**given).items() if v is not None})


def test_the_catalogue_takes_working_days_by_default_and_limits_in_other_units_that_fit():
    assert catalogue.validate(item()) and catalogue.validate(item(promised_days=12, statutory_days=1,
                                                                   promised_unit=HOURS))
    assert catalogue.validate(item(promised_days=10, statutory_days=20, promised_unit=DAYS, statutory_unit=DAYS))


# -- a case under an item in hours, from acceptance to its pages and records ------------------------

@pytest.fixture
def hours_case(org, now):
    """A case of an item promising its decision within four hours, one working day by law,
    accepted at the window on Monday at 10:00."""
    deploy.deploy([("units.bpmn", one_review("units_review", "住建审查", "housing").encode())], org["designer"])
    catalogue.save(item(promised_days=4, promised_unit=HOURS, statutory_days=1), None)
    case = intake.submit("U-1", APPLICANT, [intake.Upload("id_card", "id.pdf", b"%PDF id")], org["clerk"])
    return intake.accept(case.id, org["clerk"])


def test_the_procedure_reads_the_promise_with_its_unit(hours_case, org):
    data = cases.get_instance(intake.describe(hours_case.id)["instance_id"], org["admin"])["data"]
    assert (data["promised_days"], data["promised_unit"]) == (4, HOURS)


def test_the_acceptance_notice_and_the_exchange_record_promise_the_hour(hours_case, org, app_client, monkeypatch):
    with session_scope() as session:
        notice = session.scalar(select(Notice).where(Notice.case_id == hours_case.id, Notice.kind == "acceptance"))
        data, notice_id = notice.data, notice.id
    assert (data["promised_due"], data["promised_due_at"]) == ("2026-03-02", "2026-03-02T14:00:00+08:00")
    assert (data["promised_unit"], data["statutory_unit"]) == (HOURS, WORKING)
    page = app_client("clerk").get(f"/intake/notices/{notice_id}").text
    assert "2026-03-02 14:00" in element(page, "promised-due") and "2026-03-03" in element(page, "statutory-due")
    said = element(page, "counted")
    assert "工作日不含法定节假日" in said and "小时自受理时起连续计算" in said
    monkeypatch.setattr(exchange, "SETTLE", timedelta(0))
    [record] = [r for r in exchange.feed(0, exchange.MAX_LIMIT)["records"] if r["dataset"] == "acceptance"]
    assert (record["statutory_unit"], record["promised_unit"]) == ("工作日", "小时")
    assert (record["promised_due"], record["promised_due_at"]) == ("2026-03-02", "2026-03-02T14:00:00+08:00")


def test_a_special_procedure_notice_says_a_promise_in_hours_moves_by_the_time_it_takes(hours_case, org, app_client):
    [whole] = limits.clocks_of(hours_case.instance_id)
    pauses.pause(whole.id, "testing", "现场检测", 1, org["reviewer"])
    with session_scope() as session:
        notice_id = session.scalar(select(Notice.id).where(Notice.case_id == hours_case.id, Notice.kind == "special"))
    page = app_client("clerk").get(f"/intake/notices/{notice_id}").text
    assert "审批期限顺延特殊环节所用的时间" in page and "顺延相应的工作日" not in page


def test_the_extension_record_names_the_unit_of_the_limit_it_extends(org, now, monkeypatch, app_client):
    deploy.deploy([("units.bpmn", one_review("units_review", "住建审查", "devreform").encode())], org["designer"])
    catalogue.save({**item(promised_days=10, statutory_days=30, statutory_unit=DAYS), "department": "devreform"},
                   None)
    case = intake.submit("U-1", APPLICANT, [intake.Upload("id_card", "id.pdf", b"%PDF id")], org["clerk"])
    case = intake.accept(case.id, org["clerk"])
    whole = limits.clocks_of(case.instance_id)[0]
    # the head's form offers days of the statutory limit's unit
    [task] = tasks.list_tasks(org["admin"], instance_id=case.instance_id)
    form = app_client("lead").get(f"/inbox/tasks/{task['id']}").text
    assert "法定期限可延长一次，至多 10 个自然日" in form and "延长天数" in form and "个工作日（《行政许可法》" not in form
    extension.extend(whole.id, 10, "需现场核查", org["lead"])
    monkeypatch.setattr(exchange, "SETTLE", timedelta(0))
    records = exchange.feed(0, exchange.MAX_LIMIT)["records"]
    [special] = [r for r in records if r["dataset"] == "special_procedure"]
    assert (special["kind_code"], special["limit_days"], special["time_unit"]) == ("1", 10, "自然日")
    [accepted] = [r for r in records if r["dataset"] == "acceptance"]
    assert (accepted["statutory_unit"], accepted["promised_unit"], accepted["promised_due_at"]) == (
        "自然日", "工作日", None)


@pytest.fixture
def app_client(org):
    from web import create_app
    app = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False})
    return lambda login: signed_in(app, login)


def test_the_pages_say_each_limit_in_its_unit_in_chinese_and_english(hours_case, org, app_client):
    window = app_client("clerk")
    guide = window.get("/portal/items/U-1").text
    assert element(guide, "promised-limit") == '<dd id="promised-limit">4 小时</dd>'
    assert element(guide, "statutory-limit") == '<dd id="statutory-limit">1 个工作日</dd>'
    assert "决定：自受理时起 4 小时内作出决定。" in guide
    assert "承诺 4 小时" in window.get("/intake/").text
    case_page = window.get(f"/intake/cases/{hours_case.id}").text
    assert "2026-03-02 14:00" in case_page and "剩余 4 小时" in case_page
    board = app_client("supervisor").get(f"/supervision/instances/{hours_case.instance_id}/clocks").text
    row = element(board, "clocks")
    assert "2026-03-02 14:00" in row and "4 小时" in row and "1 个工作日" in row
    english = window.get("/portal/items/U-1", query_string={"lang": "en"}).text  # the session's language from here
    assert "4 hour(s)" in element(english, "promised-limit") and "1 working day(s)" in english
    assert "Decision: within 4 hour(s) of the moment of acceptance." in english
    assert "4 hour(s) left" in window.get(f"/intake/cases/{hours_case.id}").text


def test_the_shipped_records_query_promises_its_answer_within_the_hour(org, app_client):
    from tests.procedures import install
    install(org)
    query = catalogue.get("1104-NRES-004")
    assert catalogue.limit_units(query) == {"promised_unit": HOURS, "statutory_unit": WORKING}
    assert (query.promised_days, query.statutory_days, query.case_type) == (1, 1, "immediate")
    guide = app_client("clerk").get("/portal/items/1104-NRES-004").text
    assert element(guide, "promised-limit") == '<dd id="promised-limit">1 小时</dd>'
