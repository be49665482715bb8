"""The year's end: dates counted into 2027 before its holiday notice, and what entering it changes.

ASSUMED_2027 is an assumed notice, made up for these tests after the law's holidays (the State
Council's 2027 notice is not in our sources, and the product does not ship it): New Year 1-3
January; Spring Festival 5-11 February with Saturday 20 February worked; Qingming 3-5 April;
Labour Day 1-5 May with Sunday 25 April worked; Dragon Boat 9 June; Mid-Autumn 15 September;
National Day 1-7 October with Sunday 26 September and Saturday 9 October worked. Against the
estimate (Spring Festival 5-10 February), Thursday 11 February becomes a holiday and Saturday 20
February a working day: a date counted onto 11-19 February moves on by a working day.
"""
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from engine import clock, intake, termination, timers
from engine.clock import limits, orders
from engine.calendar import WorkCalendar, parse_notice
from engine.errors import Invalid
from engine.services import calendars, cases, deploy
from engine.store import session_scope
from engine.store.models import CalendarYear, Clock, Event, SupervisionOrder, Task, Timer
from tests.bpmn_builder import process
from tests.test_portal_review_correction import (COMPANY, company, in_review_correction, people,  # noqa: F401 (fixtures)
                                                 sign_in)
from tests.web import signed_in

ASSUMED_2027 = """year: 2027
source: 国办发明电〔2026〕（测试用假设通知）
holidays:
  - 2027-01-01..2027-01-03
  - 2027-02-05..2027-02-11
  - 2027-04-03..2027-04-05
  - 2027-05-01..2027-05-05
  - 2027-06-09
  - 2027-09-15
  - 2027-10-01..2027-10-07
makeup_workdays: [2027-02-20, 2027-04-25, 2027-09-26, 2027-10-09]
"""
ESTIMATE, NOTICE = WorkCalendar(), WorkCalendar([parse_notice(ASSUMED_2027)])
ONE = process("one", [("start", "s", "s"), ("user", "t", "审查"), ("end", "e", "e")], [("s", "t"), ("t", "e")],
              lanes={"housing": ["t"]})


def events(type_):
    with session_scope() as session:
        return [(e.actor_id, e.data) for e in session.scalars(select(Event).where(Event.type == type_).order_by(Event.id))]


def test_the_assumed_notice_gives_the_laws_days_off():
    notice = parse_notice(ASSUMED_2027)
    assert notice.days_off == 13 and notice.unlike_law is None
    assert not NOTICE.is_workday(date(2027, 2, 11)) and ESTIMATE.is_workday(date(2027, 2, 11))
    assert NOTICE.is_workday(date(2027, 2, 20))
    assert (ESTIMATE.add_workdays(date(2027, 2, 1), 5).date, NOTICE.add_workdays(date(2027, 2, 1), 5).date) == (
        date(2027, 2, 12), date(2027, 2, 15))


def test_a_day_listed_twice_is_refused_naming_both_places():
    """Overlapping ranges are a typing mistake: which range was meant is not known."""
    with pytest.raises(ValueError, match=r"2027-02-10 is listed twice: n.yaml holidays item 1 and n.yaml holidays item 2"):
        parse_notice("year: 2027\nholidays:\n  - 2027-02-05..2027-02-11\n  - 2027-02-10..2027-02-14\n", name="n.yaml")
    with pytest.raises(ValueError, match="line 3"):
        parse_notice("date,kind\n2027-10-01..2027-10-07,holiday\n2027-10-07,holiday\n")


@pytest.fixture
def instance_id(org):
    deploy.deploy([("one.bpmn", ONE.encode())], org["designer"])
    return cases.start_instance("one", org["clerk"], business_key="20261221000001")["id"]


def new_clock(instance_id, started_on, promised, statutory=None):
    with session_scope() as session:
        c = limits.start_clock(session, instance_id, label="测试事项", promised_days=promised,
                              statutory_days=statutory, started_on=started_on, department="housing")
        return c.id


def get(clock_id):
    with session_scope() as session:
        return session.get(Clock, clock_id)


def test_a_notice_short_of_the_laws_days_changes_nothing_unless_the_administrator_checked_it(instance_id, org):
    """A notice with the Spring Festival alone would make 1 May and 1 October working days, and
    every 2027 date official: refused, the year stays estimated and provisional."""
    cid = new_clock(instance_id, date(2026, 12, 21), promised=10, statutory=20)
    spring_only = "year: 2027\nholidays: [2027-02-05..2027-02-11]\nmakeup_workdays: [2027-02-20]\n"
    with pytest.raises(Invalid) as refused:
        calendars.import_notice(spring_only, org["admin"])
    assert "gives 4 working days off, the law 13" in str(refused.value.message)
    with session_scope() as session:
        assert session.get(CalendarYear, 2027) is None
    assert get(cid).provisional and calendars.current().year_status(2027) == "estimated"
    assert events("calendar_imported") == []
    notice, _ = calendars.import_notice(spring_only, org["admin"], unlike_law=True)  # the notice says so
    assert notice.days_off == 4 and calendars.current().year_status(2027) == "official"
    assert events("calendar_imported")[0][1]["law"] == 13


def test_a_second_notice_for_the_year_says_which_one_it_replaces(db, org):
    assert calendars.import_notice(ASSUMED_2027, org["admin"])[1] is None
    first = calendars.on_file(2027)
    assert first["imported_by"] == org["admin"].known_as and "假设" in first["source"]
    _, replaced = calendars.import_notice(ASSUMED_2027.replace("（测试用假设通知）", "（更正）"), None)
    assert replaced["imported_at"] == first["imported_at"] and "假设" in replaced["source"]
    now = calendars.on_file(2027)
    assert now["imported_by"] is None and now["imported_at"] > first["imported_at"] and "更正" in now["source"]
    assert [d["replaced"] for _, d in events("calendar_imported")] == [False, True]


def test_entering_the_notice_moves_dates_later_and_the_history_says_what_who_and_from_what(instance_id, org):
    moving = new_clock(instance_id, date(2027, 1, 25), promised=10, statutory=15)
    firm = new_clock(instance_id, date(2026, 12, 21), promised=10, statutory=20)
    assert (get(moving).promised_due, get(moving).statutory_due) == (date(2027, 2, 12), date(2027, 2, 19))
    with session_scope() as session:
        limits.promise_to_applicant(session, session.get(Clock, moving))  # printed: it may move later, not back
        order = orders.issue_order(session, session.get(Clock, moving), "yellow", date(2027, 2, 9))
        order.issued_at = clock.start_of(date(2027, 2, 9)) + timedelta(hours=9)
        order_id = order.id
        assert order.feedback_due == date(2027, 2, 15)  # 11, 12 and 15 February, on the estimate
    calendars.import_notice(ASSUMED_2027, org["admin"])

    assert (get(moving).promised_due, get(moving).statutory_due) == (date(2027, 2, 15), date(2027, 2, 20))
    assert not get(moving).provisional and not get(firm).provisional
    moved, became_firm = (d for actor, d in events("clock_recomputed") if actor == org["admin"].id)
    assert (moved["was_promised_due"], moved["promised_due"]) == ("2027-02-12", "2027-02-15")
    assert (moved["was_statutory_due"], moved["statutory_due"]) == ("2027-02-19", "2027-02-20")
    assert became_firm["was_promised_due"] == became_firm["promised_due"] and became_firm["provisional"] is False

    # The department's feedback date ran over 11 February: it moves on a day, and the escalation with it.
    with session_scope() as session:
        assert session.get(SupervisionOrder, order_id).feedback_due == date(2027, 2, 16)
        assert [t.due_at for t in session.scalars(select(Timer).where(
            Timer.kind == "order_due", Timer.state == "pending"))] == [clock.end_of(date(2027, 2, 16))]
    [(actor, recounted)] = events("date_recounted")
    assert actor == org["admin"].id and (recounted["what"], recounted["was"], recounted["due_on"]) == (
        "order", "2027-02-15", "2027-02-16")
    timers.tick(now=clock.end_of(date(2027, 2, 15)) + timedelta(hours=1))
    assert events("supervision_order_overdue") == []
    timers.tick(now=clock.end_of(date(2027, 2, 16)) + timedelta(hours=1))
    assert [d["feedback_due"] for _, d in events("supervision_order_overdue")] == ["2027-02-16"]


def test_a_clocks_page_says_provisional_until_the_notice_then_what_moved(instance_id, org, app):
    cid = new_clock(instance_id, date(2027, 1, 25), promised=10, statutory=15)
    with session_scope() as session:
        orders.issue_order(session, session.get(Clock, cid), "yellow", date(2027, 2, 9))
    supervisor = signed_in(app, "supervisor")
    page = supervisor.get(f"/supervision/instances/{instance_id}/clocks").text
    assert "2027-02-15（暂定）" in page  # the order's feedback date, besides the clock's dates
    calendars.import_notice(ASSUMED_2027, org["admin"])
    page = supervisor.get(f"/supervision/instances/{instance_id}/clocks").text
    assert "暂定" not in page
    assert "承诺期限 2027-02-12 → 2027-02-15" in page and "法定期限 2027-02-19 → 2027-02-20" in page


@pytest.fixture
def app(org):
    from web import create_app
    return create_app({"TESTING": True, "WTF_CSRF_ENABLED": False})


def test_a_correction_date_given_on_the_estimate_moves_with_the_notice(app, people, company, monkeypatch):
    """The applicant's ten working days from 27 January run over 11 February: the notice said the
    date was provisional; once the notice comes the window may not end the case before the new
    date, and the printed notice says the date was moved."""
    monkeypatch.setattr(clock, "today", lambda: date(2027, 1, 27))
    case = in_review_correction(people, company)
    printed, moved = ESTIMATE.add_workdays(date(2027, 1, 27), 10).date, NOTICE.add_workdays(date(2027, 1, 27), 10).date
    assert moved > printed and termination.correction(case.id) == (printed, False)
    [notice] = [n for n in intake.describe(case.id)["notices"] if n["kind"] == "review_correction"]
    clerk = signed_in(app, "clerk")
    assert f"{printed.isoformat()}（暂定，以国务院公布的节假日安排为准，只延不缩）" in clerk.get(
        f"/intake/notices/{notice['id']}").text
    online = sign_in(app, COMPANY)  # the applicant's page says which dates are provisional, and why
    mine = online.get(f"/portal/cases/{case.number}").text
    assert f"请于 {printed.isoformat()}（暂定） 前提交" in mine and 'id="provisional-note"' in mine

    calendars.import_notice(ASSUMED_2027, people["admin"])
    assert termination.correction(case.id) == (moved, False)
    text = clerk.get(f"/intake/notices/{notice['id']}").text
    assert f"请于 {printed.isoformat()} 前提交" in text and f"顺延至 {moved.isoformat()}" in text
    assert f"补正期限：{printed.isoformat()} → {moved.isoformat()}" in clerk.get(f"/intake/cases/{case.id}").text
    mine = online.get(f"/portal/cases/{case.number}").text
    assert f"请于 {moved.isoformat()} 前提交" in mine and "暂定" not in mine
    monkeypatch.setattr(clock, "today", lambda: printed + timedelta(days=1))
    with pytest.raises(Exception, match="has until"):
        termination.lapse(case.id, people["clerk"])
    with session_scope() as session:
        assert [t.due_at for t in session.scalars(select(Timer).where(
            Timer.kind == "answer_due", Timer.state == "pending"))] == [clock.end_of(moved)]


def test_the_windows_five_days_art_32_move_with_the_notice(org, monkeypatch):
    """Materials arriving on 4 February: the window has five working days to answer, 17 February
    on the estimate, 18 on the notice; the case is not deemed accepted in between."""
    from tests.test_intake import ITEM, REVIEW, ZHANG, up
    from engine import catalogue
    deploy.deploy([("r.bpmn", REVIEW.encode())], org["designer"])
    catalogue.save(ITEM, None)
    monkeypatch.setattr(clock, "today", lambda: date(2027, 2, 4))
    case = intake.submit("T-001", ZHANG, up("id_card", "form"), org["clerk"])
    calendars.import_notice(ASSUMED_2027, org["admin"])
    [(actor, recounted)] = events("date_recounted")
    assert (recounted["what"], recounted["was"], recounted["due_on"]) == ("arrival", "2027-02-17", "2027-02-18")
    timers.tick(now=clock.end_of(date(2027, 2, 17)) + timedelta(hours=9))
    assert intake.describe(case.id)["status"] == "submitted"  # the 18th is still the window's
    timers.tick(now=clock.end_of(date(2027, 2, 18)) + timedelta(hours=9))
    assert intake.describe(case.id)["deemed_accepted"]


def test_the_command_line_refuses_a_short_notice_and_says_what_it_replaces(db, tmp_path):
    import subprocess
    import sys

    def run(*args, action="import"):
        return subprocess.run([sys.executable, "run.py", "calendar", action, *args], capture_output=True, text=True,
                              env={"DATABASE_URL": db, "PATH": "/usr/bin:/bin"})
    short, full = tmp_path / "spring.yaml", tmp_path / "2027.yaml"
    short.write_text("year: 2027\nholidays: [2027-02-05..2027-02-11]\nmakeup_workdays: [2027-02-20]\n")
    full.write_text(ASSUMED_2027)
    previewed = run(str(short), "--preview")  # the days it would change, one a line, and nothing imported
    assert previewed.returncode == 0 and calendars.on_file(2027) is None
    lines = previewed.stdout.splitlines()  # against the estimate: the 11th off, Saturday the 20th worked
    assert {"2027-02-11\toff", "2027-02-20\tworking"} <= set(lines) and "nothing was imported" in previewed.stderr
    assert "gives 4 working days off, the law 13" in previewed.stderr
    refused = run(str(short))
    assert refused.returncode == 1 and "gives 4 working days off, the law 13" in refused.stderr
    assert "Traceback" not in refused.stderr and calendars.on_file(2027) is None
    first = run(str(full))
    assert first.returncode == 0 and "imported 2027" in first.stdout and "replaces" not in first.stderr
    imported = calendars.on_file(2027)["imported_at"].astimezone(clock.SHANGHAI).isoformat(timespec="minutes")
    again = run(str(short), "--unlike-law")  # checked against the notice: imported, warned again
    assert again.returncode == 0 and "假设" in again.stderr
    assert f"replaces the notice for 2027 imported {imported}" in again.stderr  # in China, as the page says it
    assert "gives 4 working days off, the law 13" in again.stderr
    recounted = run(action="recount")  # what an import does after storing it, again: nothing left to move
    assert recounted.returncode == 0 and "0 dates moved" in recounted.stdout


def test_entering_the_notice_records_what_moved_on_a_step_as_on_its_case(instance_id, org):
    """The case clock's recount caps its steps again; the steps' own lines in the history still say
    what moved (a step recounted first through its case had nothing left to say)."""
    with session_scope() as session:
        task_id = session.scalar(select(Task.id).where(Task.instance_id == instance_id))
    whole = new_clock(instance_id, date(2027, 1, 25), promised=10, statutory=15)
    with session_scope() as session:
        step = limits.start_clock(session, instance_id, label="部门审查", promised_days=9, task_id=task_id,
                                  started_on=date(2027, 1, 25), department="housing").id
    was = get(step).promised_due
    calendars.import_notice(ASSUMED_2027, org["admin"])
    assert get(step).promised_due > was
    moved = {d["clock_id"]: d for actor, d in events("clock_recomputed") if actor == org["admin"].id}
    assert moved.keys() >= {whole, step}
    assert (moved[step]["was_promised_due"], moved[step]["promised_due"]) == (
        was.isoformat(), get(step).promised_due.isoformat())
