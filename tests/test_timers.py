"""Timers as rows: fired once, late timers fired at the next tick, failures retried then incidents."""
import time
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from engine import timers
from engine.errors import Conflict, Forbidden
from engine.services import cases, deploy, tasks
from engine.store import session_scope
from engine.store.models import Event, Timer
from tests.bpmn_builder import process
from tests.conftest import BACKEND

WAIT_THEN_REVIEW = process("wait", [
    ("start", "start", "s"), ("timer", "pause", "等待", {"date": "due"}),
    ("user", "review", "审查"), ("end", "end", "e")],
    [("start", "pause"), ("pause", "review"), ("review", "end")])

WAIT_THEN_FAIL = process("failing", [
    ("start", "start", "s"), ("timer", "wait", "等待", {"date": "due"}),
    ("script", "boom", "出错", {"script": "x = 1 / zero"}), ("end", "end", "e")],
    [("start", "wait"), ("wait", "boom"), ("boom", "end")])

REMIND = process("remind", [
    ("start", "start", "s"), ("user", "review", "审查"),
    ("boundary", "late", "超时自动通过", {"attached": "review", "duration": "days(2)"}),
    ("script", "auto", "视为同意", {"script": "opinion = 'approve'"}),
    ("end", "done", "办结"), ("end", "auto_done", "自动办结")],
    [("start", "review"), ("review", "done"), ("late", "auto"), ("auto", "auto_done")])


def now():
    return datetime.now(timezone.utc)


def fired_events(instance_id=None):
    with session_scope() as session:
        query = select(func.count()).select_from(Event).where(Event.type == "timer_fired")
        if instance_id:
            query = query.where(Event.instance_id == instance_id)
        return session.scalar(query)


def test_timer_fires_once_when_due(org):
    deploy.deploy([("wait.bpmn", WAIT_THEN_REVIEW.encode())], org["designer"])
    due = now() + timedelta(hours=1)
    instance = cases.start_instance("wait", org["clerk"], data={"due": due.isoformat()})
    assert instance["tasks"] == []
    with session_scope() as session:
        row = session.scalars(select(Timer)).one()
        assert row.state == "pending" and abs((row.due_at - due).total_seconds()) < 1
    assert timers.tick() == 0
    assert timers.tick(now=due + timedelta(seconds=1)) == 1
    assert timers.tick(now=due + timedelta(seconds=2)) == 0
    after = cases.get_instance(instance["id"], org["admin"])
    assert [t["name"] for t in after["tasks"] if t["state"] == "ready"] == ["review"]
    assert fired_events(instance["id"]) == 1


def test_a_timer_that_fell_due_while_down_fires_at_the_next_tick(org):
    deploy.deploy([("wait.bpmn", WAIT_THEN_REVIEW.encode())], org["designer"])
    due = now() + timedelta(seconds=1)
    ids = [cases.start_instance("wait", org["clerk"], data={"due": due.isoformat()})["id"] for _ in range(3)]
    time.sleep(max(0.0, (due - now()).total_seconds()) + 0.2)  # nothing ticks while "down"
    assert timers.tick() == 3
    assert timers.tick() == 0
    for instance_id in ids:
        assert fired_events(instance_id) == 1


def test_boundary_timer_acts_when_the_department_is_silent(org):
    deploy.deploy([("remind.bpmn", REMIND.encode())], org["designer"])
    instance = cases.start_instance("remind", org["clerk"])
    assert timers.tick(now=now() + timedelta(days=1)) == 0
    assert timers.tick(now=now() + timedelta(days=2, minutes=1)) == 1
    after = cases.get_instance(instance["id"], org["admin"])
    assert after["state"] == "completed" and after["data"]["opinion"] == "approve"
    assert [t["state"] for t in after["tasks"]] == ["cancelled"]


def test_completing_the_task_cancels_its_boundary_timer(org):
    deploy.deploy([("remind.bpmn", REMIND.encode())], org["designer"])
    instance = cases.start_instance("remind", org["clerk"])
    task = instance["tasks"][0]
    tasks.claim(task["id"], org["reviewer"])
    tasks.complete(task["id"], org["reviewer"], {})
    with session_scope() as session:
        assert [t.state for t in session.scalars(select(Timer))] == ["cancelled"]
    assert timers.tick(now=now() + timedelta(days=30)) == 0


@pytest.mark.skipif(BACKEND != "postgres", reason="SQLite's write transaction holds the tick off a step's case")
def test_a_timer_on_a_case_a_step_holds_waits_for_the_next_tick_without_holding_the_timer(org):
    """A step locks its case, then its timers: the tick takes them in the same order, so a timer
    falling due during a completion is passed over, never left holding the timer row."""
    from engine.store import get_engine
    from engine.store.models import Instance
    deploy.deploy([("remind.bpmn", REMIND.encode())], org["designer"])
    instance = cases.start_instance("remind", org["clerk"])
    later = now() + timedelta(days=2, minutes=1)
    with get_engine().connect() as step:  # a completion under way on the case
        step.execute(select(Instance.id).where(Instance.id == instance["id"]).with_for_update(key_share=True))
        assert timers.tick(now=later) == 0
        with get_engine().connect() as other:  # the timer row is free for the step to cancel
            other.execute(select(Timer.id).where(Timer.instance_id == instance["id"])
                          .with_for_update(nowait=True)).all()
            other.rollback()
        step.rollback()
    assert timers.tick(now=later) == 1
    assert cases.get_instance(instance["id"], org["admin"])["state"] == "completed"


def test_failing_timer_backs_off_then_becomes_an_incident_an_admin_retries(org):
    deploy.deploy([("failing.bpmn", WAIT_THEN_FAIL.encode())], org["designer"])
    due = now() + timedelta(hours=1)
    instance = cases.start_instance("failing", org["clerk"], data={"due": due.isoformat(), "zero": 0})
    moment = due + timedelta(seconds=1)
    delays = []
    for _ in range(timers.MAX_ATTEMPTS):
        assert timers.tick(now=moment) == 0
        with session_scope() as session:
            row = session.scalars(select(Timer)).one()
        if row.state == "pending":
            delays.append((row.due_at - moment).total_seconds())
            moment = row.due_at + timedelta(seconds=1)
    assert delays == sorted(delays) and delays[0] > 0  # the waits grow
    assert row.state == "incident" and "boom" in row.last_error
    assert [i["id"] for i in timers.incidents()] == [row.id]
    stuck = cases.get_instance(instance["id"], org["admin"])  # api.md's `error`: it waits for an administrator
    assert stuck["state"] == "error" and [i["timer_id"] for i in stuck["incidents"]] == [row.id]
    assert "boom" in stuck["incidents"][0]["error"]
    assert "error" not in cases.get_instance(instance["id"], org["clerk"])["incidents"][0]  # the administrator's
    with pytest.raises(Forbidden):
        timers.retry(row.id, org["clerk"])
    timers.retry(row.id, org["admin"])
    with pytest.raises(Conflict):
        timers.retry(row.id, org["admin"])
    with session_scope() as session:
        assert session.get(Timer, row.id).state == "pending"
    assert cases.get_instance(instance["id"], org["admin"])["state"] == "running"
    assert cases.get_instance(instance["id"], org["admin"])["incidents"] == []


SILENCE_IS_CONSENT = process("silence", [
    ("start", "start", "s"), ("user", "review", "审查"),
    ("boundary", "late", "两个工作日未答复视为同意", {"attached": "review", "date": "workdays(2)"}),
    ("script", "auto", "视为同意", {"script": "opinion = 'approve'"}),
    ("end", "done", "办结"), ("end", "auto_done", "自动办结")],
    [("start", "review"), ("review", "done"), ("late", "auto"), ("auto", "auto_done")])


def test_a_timer_written_in_working_days_falls_due_at_the_end_of_the_nth_working_day(org):
    from engine import clock
    from engine.services import calendars
    deploy.deploy([("silence.bpmn", SILENCE_IS_CONSENT.encode())], org["designer"])
    instance = cases.start_instance("silence", org["clerk"])
    end_day = calendars.current().add_workdays(clock.today(), 2).date
    with session_scope() as session:
        due = session.scalar(select(Timer.due_at).where(Timer.instance_id == instance["id"]))
    assert due.astimezone(clock.SHANGHAI).date() == end_day  # weekends and holidays skipped
    assert due.astimezone(clock.SHANGHAI).time().hour == 23
    assert timers.tick(now=due - timedelta(minutes=1)) == 0
    assert timers.tick(now=due + timedelta(seconds=1)) == 1
    after = cases.get_instance(instance["id"], org["admin"])
    assert after["state"] == "completed" and after["data"]["opinion"] == "approve"


def test_a_scripts_today_is_the_day_its_working_days_count_from(org, monkeypatch):
    """today() in a script is the time limits' day (engine.clock.today), as workdays(n) counts
    from it: a day set for the whole engine holds in its scripts too."""
    from datetime import date

    from engine import clock
    from engine.bpmn.scripting import make_script_engine
    monkeypatch.setattr(clock, "today", lambda: date(2026, 3, 2))  # a Monday, a working day
    scripts = make_script_engine().environment
    assert scripts.evaluate("today()", {}) == date(2026, 3, 2)
    assert scripts.evaluate("parse_date(workdays(1)[:10])", {}) == date(2026, 3, 3)
