"""Suspending and resuming definitions and instances: what stops, what waits, what is recorded."""
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select, update

from engine import operations, timers
from engine.errors import Conflict, Forbidden, Invalid
from engine.services import admin, cases, deploy, tasks
from engine.store import session_scope
from engine.store.models import Event, Instance, Timer
from tests.bpmn_builder import process

REVIEW = process("review", [("start", "start", "s"), ("user", "check", "审查"), ("end", "end", "e")],
                 [("start", "check"), ("check", "end")], lanes={"housing": ["check"]})
WAIT = process("wait", [("start", "start", "s"), ("timer", "pause", "等待", {"duration": "days(1)"}),
                        ("user", "check", "审查"), ("end", "end", "e")],
               [("start", "pause"), ("pause", "check"), ("check", "end")])


def later(days):
    return datetime.now(timezone.utc) + timedelta(days=days, minutes=1)


def events(type_):
    with session_scope() as session:
        return [(e.actor.login if e.actor else None, e.data)
                for e in session.scalars(select(Event).where(Event.type == type_).order_by(Event.id))]


def timer_states(instance_id):
    with session_scope() as session:
        return [t.state for t in session.scalars(select(Timer).where(Timer.instance_id == instance_id))]


def test_a_suspended_definition_starts_nothing_until_resumed(org):
    deploy.deploy([("review.bpmn", REVIEW.encode())], org["designer"])
    running = cases.start_instance("review", org["clerk"])
    admin.set_definition_suspended("review", 1, True, org["admin"])
    with pytest.raises(Conflict):
        cases.start_instance("review", org["clerk"])
    # Instances already running carry on.
    task = running["tasks"][0]
    tasks.claim(task["id"], org["reviewer"])
    assert tasks.complete(task["id"], org["reviewer"], {})["state"] == "completed"
    admin.set_definition_suspended("review", 1, False, org["admin"])
    assert cases.start_instance("review", org["clerk"])["state"] == "running"
    assert events("definition_suspended") == [("admin", {"key": "review", "version": 1})]
    assert events("definition_resumed") == [("admin", {"key": "review", "version": 1})]


def updated_at(instance_id):
    with session_scope() as session:
        return session.get(Instance, instance_id).updated_at


def test_a_suspended_instance_takes_no_step_until_resumed(org):
    deploy.deploy([("review.bpmn", REVIEW.encode())], org["designer"])
    instance = cases.start_instance("review", org["clerk"])
    task = instance["tasks"][0]
    tasks.claim(task["id"], org["reviewer"])
    before = updated_at(instance["id"])
    admin.suspend_instance(instance["id"], "材料真实性待核查", org["admin"])
    assert updated_at(instance["id"]) > before  # the instances page says when it last changed
    with pytest.raises(Conflict):
        tasks.complete(task["id"], org["reviewer"], {})
    with pytest.raises(Conflict):  # not twice
        admin.suspend_instance(instance["id"], "again", org["admin"])
    tasks.unclaim(task["id"], org["reviewer"])
    with pytest.raises(Conflict, match="suspended"):  # nobody takes up a suspended case's task
        tasks.claim(task["id"], org["reviewer2"])
    with pytest.raises(Conflict, match="suspended"):  # nor sends it elsewhere
        operations.transfer(task["id"], org["reviewer"], to_user="taxman", reason="转税务")
    assert cases.get_instance(instance["id"], org["admin"])["state"] == "suspended"
    admin.resume_instance(instance["id"], org["admin"])
    tasks.claim(task["id"], org["reviewer"])
    assert tasks.complete(task["id"], org["reviewer"], {})["state"] == "completed"
    assert [d["reason"] for _, d in events("instance_suspended")] == ["材料真实性待核查"]
    assert [login for login, _ in events("instance_resumed")] == ["admin"]


def test_a_suspended_instances_timer_waits_and_fires_after_resuming(org):
    deploy.deploy([("wait.bpmn", WAIT.encode())], org["designer"])
    instance_id = cases.start_instance("wait", org["clerk"])["id"]
    admin.suspend_instance(instance_id, "暂停", org["admin"])
    assert timer_states(instance_id) == ["suspended"]
    assert timers.tick(now=later(2)) == 0
    admin.resume_instance(instance_id, org["admin"])
    assert timer_states(instance_id) == ["pending"]
    assert timers.tick(now=later(2)) == 1
    assert cases.get_instance(instance_id, org["admin"])["tasks"][0]["name"] == "check"


def test_a_timer_claimed_as_its_instance_is_suspended_waits_instead_of_being_cancelled(org):
    deploy.deploy([("wait.bpmn", WAIT.encode())], org["designer"])
    instance_id = cases.start_instance("wait", org["clerk"])["id"]
    with session_scope() as session:  # the state a tick can meet when another process suspends
        session.execute(update(Instance).where(Instance.id == instance_id).values(state="suspended"))
    assert timers.tick(now=later(2)) == 1
    assert timer_states(instance_id) == ["suspended"]
    admin.resume_instance(instance_id, org["admin"])
    assert timers.tick(now=later(2)) == 1
    assert cases.get_instance(instance_id, org["admin"])["tasks"][0]["state"] == "ready"


def test_suspending_needs_an_administrator_and_a_reason(org):
    deploy.deploy([("review.bpmn", REVIEW.encode())], org["designer"])
    instance_id = cases.start_instance("review", org["clerk"])["id"]
    with pytest.raises(Forbidden):
        admin.suspend_instance(instance_id, "x", org["designer"])
    with pytest.raises(Forbidden):
        admin.set_definition_suspended("review", 1, True, org["supervisor"])
    with pytest.raises(Invalid):
        admin.suspend_instance(instance_id, " ", org["admin"])
