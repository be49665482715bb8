"""Case clocks: deadlines in working days, levels, pauses, extensions, cards and floors."""
from datetime import date, datetime, time, timedelta, timezone

import pytest
from sqlalchemy import select

from engine import clock, timers
from engine.clock import extension, levels, limits, offers, pauses, stopping
from engine.errors import Conflict, Forbidden, Invalid
from engine.services import calendars, cases, deploy, tasks
from engine.store import session_scope
from engine.store.models import Clock, Event, Instance, Notification, SpecialProcedure, SupervisionOrder, Timer
from tests.bpmn_builder import process

ONE = process("one", [("start", "s", "s"), ("user", "t", "审查"), ("end", "e", "e")], [("s", "t"), ("t", "e")],
              lanes={"housing": ["t"]})

# A 2027 notice that makes January's weekends working days: deadlines counted into it end earlier.
WORKING_JANUARY_WEEKENDS = ("year: 2027\nsource: test\nholidays: []\nmakeup_workdays:\n"
                            + "".join(f"  - 2027-01-{d:02d}\n" for d in (2, 3, 9, 10, 16, 17, 23, 24)))


def shanghai(day: date, hour=9) -> datetime:
    return datetime.combine(day, time(hour), clock.SHANGHAI).astimezone(timezone.utc)


@pytest.fixture
def instance_id(org):
    deploy.deploy([("one.bpmn", ONE.encode())], org["designer"])
    return cases.start_instance("one", org["clerk"], business_key="20261128000007")["id"]


def new_clock(instance_id, started_on, promised=20, statutory=None, department="housing", **kw):
    with session_scope() as session:
        c = limits.start_clock(session, instance_id, label="测试事项", promised_days=promised,
                               statutory_days=statutory, started_on=started_on, department=department, **kw)
        return c.id


def get(clock_id):
    with session_scope() as session:
        return session.get(Clock, clock_id)


def test_deadlines_follow_the_working_day_calendar(instance_id):
    c = get(new_clock(instance_id, date(2025, 9, 26), promised=20, statutory=20))
    assert c.promised_due == date(2025, 10, 30) and c.statutory_due == date(2025, 10, 30)
    c = get(new_clock(instance_id, date(2026, 2, 12), promised=5, statutory=20))
    assert c.promised_due == date(2026, 2, 26) and not c.provisional


def test_levels_change_on_their_days_and_cards_open_orders(instance_id, org):
    started = clock.today()
    cid = new_clock(instance_id, started, promised=5, statutory=10)
    c = get(cid)
    cal = calendars.current()
    assert (c.promised_due, c.statutory_due) == (cal.add_workdays(started, 5).date, cal.add_workdays(started, 10).date)
    assert c.level == "normal"
    warn_day = cal.add_workdays(started, 4).date  # one working day left: max(1, 20% of 5)
    assert levels.level_on(c, warn_day - timedelta(days=1)) == "normal" or cal.workdays_between(
        warn_day - timedelta(days=1), c.promised_due) <= 1
    for day, level in ((warn_day, "warning"), (c.promised_due + timedelta(days=1), "yellow"),
                       (c.statutory_due + timedelta(days=1), "red")):
        timers.tick(now=shanghai(day))
        assert get(cid).level == level, day
    with session_scope() as session:
        orders = session.scalars(select(SupervisionOrder).order_by(SupervisionOrder.id)).all()
        assert [o.card for o in orders] == ["yellow", "red"]
        notified = {n.user_id for n in session.scalars(select(Notification))}
    assert org["supervisor"].id in notified
    assert org["reviewer"].id not in notified  # not assigned, not a head
    with session_scope() as session:  # the case is named as staff know it, by its number
        business_key = session.get(Instance, instance_id).business_key
    from engine.services import notifications
    from tests.web import in_chinese
    said = [in_chinese(n["text"]) for n in notifications.notifications(org["supervisor"])]
    assert said and all(t.startswith(f"办件 {business_key} 「") for t in said) and business_key
    assert any("已超法定时限（红牌）" in t for t in said)


def test_level_rules_on_fixed_dates(instance_id):
    c = Clock(instance_id=instance_id, label="x", started_on=date(2026, 3, 2), promised_days=5,
              statutory_days=10, warn_ratio=0.2, promised_due=date(2026, 3, 9),
              statutory_due=date(2026, 3, 16), paused_days=0, extension_days=0)
    assert [levels.level_on(c, d) for d in (date(2026, 3, 3), date(2026, 3, 6), date(2026, 3, 10),
                                          date(2026, 3, 17))] == ["normal", "warning", "yellow", "red"]
    one_day = Clock(instance_id=instance_id, label="x", started_on=date(2026, 3, 2), promised_days=1,
                    statutory_days=2, warn_ratio=0.2, promised_due=date(2026, 3, 3),
                    statutory_due=date(2026, 3, 4), paused_days=0, extension_days=0)
    # A one-day step warns on the day it is due, not the moment it starts; a same-day limit on its day.
    assert [levels.level_on(one_day, d) for d in (date(2026, 3, 2), date(2026, 3, 3))] == ["normal", "warning"]
    same_day = Clock(instance_id=instance_id, label="x", started_on=date(2026, 3, 2), promised_days=0,
                     statutory_days=0, warn_ratio=0.2, promised_due=date(2026, 3, 2),
                     statutory_due=date(2026, 3, 2), paused_days=0, extension_days=0)
    assert [levels.level_on(same_day, d) for d in (date(2026, 3, 2), date(2026, 3, 3))] == ["warning", "red"]


def test_special_procedure_moves_the_deadline(instance_id, org):
    cid = new_clock(instance_id, clock.today(), promised=10, statutory=20)
    before = get(cid)
    pauses.pause(cid, "expert_review", "专家评审", 5, org["reviewer"])
    with pytest.raises(Conflict):
        pauses.pause(cid, "hearing", "听证", 3, org["reviewer"])
    with pytest.raises(Invalid):
        pauses.pause(cid, "nap", "休息", 3, org["reviewer"])
    with pytest.raises(Invalid, match="1 to 250"):  # each expected day is a day the deadlines are counted over
        pauses.pause(cid, "testing", "检测", 10 ** 9, org["reviewer"])
    cal = calendars.current()
    resume_on = cal.add_workdays(clock.today(), 3).date
    with pytest.raises(Invalid, match="result"):  # the applicant reads how it ended
        pauses.resume(cid, "  ", org["reviewer"], on=resume_on)
    after = pauses.resume(cid, "专家意见：同意", org["reviewer"], on=resume_on)
    assert after.paused_days == 3
    assert after.promised_due == cal.add_workdays(before.started_on, 13).date
    assert after.statutory_due == cal.add_workdays(before.started_on, 23).date


def test_only_the_limits_department_or_an_administrator_pauses_resumes_or_extends_it(instance_id, org):
    cid = new_clock(instance_id, clock.today(), promised=10, statutory=20)  # housing's limit
    with pytest.raises(Forbidden):
        pauses.pause(cid, "expert_review", "专家评审", 5, org["taxman"])
    with pytest.raises(Forbidden):
        extension.extend(cid, 5, "情况复杂", org["lead"])  # a head, of another department
    assert get(cid).state == "running" and get(cid).extension_days == 0
    pauses.pause(cid, "expert_review", "专家评审", 5, org["reviewer"])
    with pytest.raises(Forbidden):
        pauses.resume(cid, "同意", org["taxman"])
    assert pauses.resume(cid, "同意", org["admin"]).state == "running"



def test_a_colleague_does_not_stop_the_limit_of_a_step_someone_else_holds(instance_id, org):
    [task] = tasks.list_tasks(org["admin"], instance_id=instance_id)
    cid = new_clock(instance_id, clock.today(), promised=5, task_id=task["id"])
    tasks.claim(task["id"], org["reviewer"])
    assert not offers.offered(task["id"], org["reviewer2"])[0]["may_pause"]  # no button it would refuse
    with pytest.raises(Forbidden, match="holds this step"):
        pauses.pause(cid, "testing", "检测", 3, org["reviewer2"])
    assert get(cid).state == "running"
    with pytest.raises(Conflict, match="held by"):  # and is told who holds it, not to claim it first
        tasks.complete(task["id"], org["reviewer2"], {})
    pauses.pause(cid, "testing", "检测", 3, org["reviewer"])
    assert pauses.resume(cid, "检测完毕", org["admin"]).state == "running"

def test_extension_once_with_approval(instance_id, org):
    cid = new_clock(instance_id, clock.today(), promised=10, statutory=20, department="devreform")
    with pytest.raises(Forbidden):
        extension.extend(cid, 10, "情况复杂", org["reviewer"])
    with pytest.raises(Invalid):
        extension.extend(cid, 11, "情况复杂", org["lead"])
    promised = get(cid).promised_due
    extended = extension.extend(cid, 10, "情况复杂", org["lead"])
    assert extended.statutory_due == calendars.current().add_workdays(extended.started_on, 30).date
    assert extended.promised_due == promised  # the centre's promise is not lengthened by the law's extension
    with pytest.raises(Conflict):
        extension.extend(cid, 5, "again", org["lead"])
    # 45 days given by an item's own law to one department is no joint handling: Art. 42's 10, not
    # its 15 (tests/test_merged_assessments.py extends a 联办件 by 15).
    own_law = new_clock(instance_id, clock.today(), promised=20, statutory=45, department="devreform")
    with pytest.raises(Invalid, match="1 to 10"):
        extension.extend(own_law, 15, "联合办理", org["lead"], "县政府副县长李明批准（县政府办〔2026〕12号）")
    assert extension.extend(own_law, 10, "情况复杂", org["lead"]).extension_days == 10
    step = new_clock(instance_id, clock.today(), promised=5, department="devreform")  # no statutory limit
    with pytest.raises(Conflict, match="set by law"):
        extension.extend(step, 5, "情况复杂", org["lead"])
    assert get(step).extension_days == 0


def test_a_promised_deadline_is_never_shortened(instance_id):
    cid = new_clock(instance_id, date(2026, 12, 21), promised=10, statutory=20)
    c = get(cid)
    assert c.provisional  # runs into 2027, which has no official calendar yet
    with session_scope() as session:
        limits.promise_to_applicant(session, session.get(Clock, cid))
    printed = c.promised_due
    calendars.import_notice(WORKING_JANUARY_WEEKENDS, None, unlike_law=True)
    c = get(cid)
    assert not c.provisional
    assert c.promised_due == printed  # more working days would end earlier; the printed date holds



def test_an_extended_statutory_deadline_is_printed_and_never_shortened(instance_id, org):
    """The extension notice prints the new statutory date (Art. 42): a calendar entered later may
    move it on, not back."""
    cid = new_clock(instance_id, date(2026, 12, 21), promised=10, statutory=20, department="devreform")
    extended = extension.extend(cid, 10, "需现场核查", org["lead"]).statutory_due
    calendars.import_notice(WORKING_JANUARY_WEEKENDS, None, unlike_law=True)
    assert not get(cid).provisional and get(cid).statutory_due == extended
    unprinted = new_clock(instance_id, date(2026, 12, 21), promised=10, statutory=30)
    assert get(unprinted).statutory_due < extended  # the same 30 days, counted on the entered calendar


def test_a_steps_task_falls_due_when_its_clock_does(instance_id, org):
    """Inboxes sort and show a step by its task's due time: it follows the step's clock."""
    [task] = tasks.list_tasks(org["admin"], instance_id=instance_id)
    started = clock.today()
    cid = new_clock(instance_id, started, promised=5, task_id=task["id"])

    def due_at() -> str:
        return tasks.list_tasks(org["admin"], instance_id=instance_id)[0]["due_at"]
    first = get(cid).promised_due
    assert due_at() == clock.end_of(first).isoformat()
    pauses.pause(cid, "testing", "水质检测", 3, org["reviewer"])
    pauses.resume(cid, "检测完毕", org["reviewer"], on=calendars.current().add_workdays(started, 2).date)
    assert get(cid).promised_due > first and due_at() == clock.end_of(get(cid).promised_due).isoformat()

def test_stopped_clock_has_no_timers(instance_id):
    cid = new_clock(instance_id, clock.today(), promised=5)
    with session_scope() as session:
        stopping.stop(session, session.get(Clock, cid))
    with session_scope() as session:
        assert not session.scalars(select(Timer).where(Timer.clock_id == cid, Timer.state == "pending")).all()
        assert session.get(Clock, cid).used_days == 0


def test_a_validity_in_years_from_29_february_ends_on_28_february():
    assert clock.add_years(date(2024, 2, 29), 1) == date(2025, 2, 28)
    assert clock.add_years(date(2024, 2, 29), 4) == date(2028, 2, 29)
    assert clock.add_years(date(2023, 3, 1), 2) == date(2025, 3, 1)


def test_each_date_is_provisional_on_its_own(instance_id):
    """A promised day inside an official year is firm even when the statutory day, later, falls
    in a year with no notice yet; pages mark each date by its own year."""
    cid = new_clock(instance_id, date(2026, 12, 1), promised=5, statutory=30)
    with session_scope() as session:
        shown = limits.describe(session.get(Clock, cid))
    assert shown["promised_due"].startswith("2026-12") and not shown["promised_provisional"]
    assert shown["statutory_due"].startswith("2027") and shown["statutory_provisional"] and shown["provisional"]


def test_taking_back_a_closure_day_keeps_a_promised_deadline(instance_id, org):
    calendars.add_closure(date(2026, 3, 4), "台风", None, stops_clocks=True)
    cid = new_clock(instance_id, date(2026, 3, 2), promised=5)
    with session_scope() as session:
        limits.promise_to_applicant(session, session.get(Clock, cid))
    printed = get(cid).promised_due
    calendars.remove_closure(date(2026, 3, 4), org["admin"])
    assert get(cid).promised_due == printed  # one working day more would end a day earlier
    unpromised = new_clock(instance_id, date(2026, 3, 2), promised=5)
    assert get(unpromised).promised_due < printed


def test_a_case_counts_on_the_board_at_its_worst_open_limit(instance_id, org):
    """在办件时限状态（按件）: a case whose step is past its limit is not 正常."""
    from engine.services import progress
    [task] = tasks.list_tasks(org["admin"], instance_id=instance_id)
    whole = new_clock(instance_id, clock.today(), promised=20, statutory=40)
    step = new_clock(instance_id, clock.today(), promised=2, task_id=task["id"])
    timers.tick(now=shanghai(get(step).promised_due + timedelta(days=1)))
    assert get(step).level == "yellow" and get(whole).level == "normal"
    assert progress.open_cases_by_level() == {"normal": 0, "warning": 0, "yellow": 1, "red": 0}


def test_a_special_procedure_past_its_expected_length_is_told_once(instance_id, org):
    """The applicant was told how long it would take (Art. 45): past that, the department and
    supervisors are told, and the step's page says so."""
    [task] = tasks.list_tasks(org["admin"], instance_id=instance_id)
    cid = new_clock(instance_id, clock.today(), promised=10, task_id=task["id"])
    tasks.claim(task["id"], org["reviewer"])
    pauses.pause(cid, "testing", "水质检测", 3, org["reviewer"])
    end = calendars.current().add_workdays(clock.today(), 3).date

    def overruns():
        with session_scope() as session:
            return session.scalars(select(Event).where(Event.type == "special_procedure_overrun")).all()
    timers.tick(now=shanghai(end))
    assert overruns() == [] and not offers.offered(task["id"], org["reviewer"])[0]["procedure"]["overrun"]
    timers.tick(now=shanghai(end + timedelta(days=1)))
    timers.tick(now=shanghai(end + timedelta(days=5)))
    [told] = overruns()
    assert told.data["expected_end"] == end.isoformat() and told.data["kind"] == "testing"
    with session_scope() as session:
        notified = {n.user_id for n in session.scalars(select(Notification).where(Notification.instance_id == instance_id))}
    assert org["reviewer"].id in notified and org["supervisor"].id in notified
    with session_scope() as session:  # begun a month ago: the step's page says it has run over
        session.scalars(select(SpecialProcedure).where(SpecialProcedure.clock_id == cid)).one().started_on = \
            clock.today() - timedelta(days=30)
    assert offers.offered(task["id"], org["reviewer"])[0]["procedure"]["overrun"]
    from web import create_app
    from tests.web import element, signed_in
    app = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False})
    page = signed_in(app, "reviewer").get(f"/inbox/tasks/{task['id']}").text
    assert "已超出预计时长" in element(page, "limits")
    assert pauses.resume(cid, "检测达标", org["reviewer"]).state == "running"


def test_who_takes_part_in_a_special_procedure_is_bounded(instance_id, org):
    cid = new_clock(instance_id, clock.today(), promised=10, statutory=20, department="housing")
    with pytest.raises(Invalid, match="who takes part"):
        pauses.pause(cid, "expert_review", "专家评审", 3, org["reviewer"], "专" * 201)
    assert get(cid).state == "running"
