"""Races between real OS processes on the same database."""
import multiprocessing as mp
import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from engine import timers
from engine.services import cases, deploy, tasks
from engine.store import session_scope
from engine.store.models import Event, Task
from tests import workers
from tests.conftest import BACKEND
from tests.bpmn_builder import parallel, process
from tests.test_silence import deadline_of, start_consulted

ONE_TASK = process("one", [("start", "s", "s"), ("user", "t", "审查"), ("end", "e", "e")],
                   [("s", "t"), ("t", "e")], lanes={"housing": ["t"]})


def _run(target, args_a, args_b):
    ctx = mp.get_context("spawn")
    barrier, results = ctx.Barrier(2), ctx.Queue()
    procs = [ctx.Process(target=target, args=(*a, barrier, results)) for a in (args_a, args_b)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=600)
        assert p.exitcode == 0
    out = []
    while not results.empty():
        out.append(results.get())
    return out


def test_two_processes_claim_the_same_task_200_times(org, database_url):
    deploy.deploy([("one.bpmn", ONE_TASK.encode())], org["designer"])
    ids = [cases.start_instance("one", org["clerk"])["tasks"][0]["id"] for _ in range(200)]
    out = _run(workers.claim_race, (database_url, "reviewer", ids), (database_url, "reviewer2", ids))
    assert len(out) == 400
    for task_id in ids:
        outcomes = sorted((r[2], r[1]) for r in out if r[0] == task_id)
        assert [o[0] for o in outcomes] == ["lost", "won"], (task_id, outcomes)
    by_winner = {r[0]: r[1] for r in out if r[2] == "won"}
    for t in tasks.list_tasks(org["admin"]):
        assert t["assignee"] == by_winner[t["id"]]
        events = cases.get_instance(t["instance_id"], org["admin"])["events"]
        assert [e["actor"] for e in events if e["type"] == "task_claimed"] == [by_winner[t["id"]]]


def test_two_writers_on_one_instance_lose_nothing(org, database_url):
    deploy.deploy([("p.bpmn", parallel("p", branches=4).encode())], org["designer"])
    a_ids, b_ids, instance_ids = [], [], []
    for _ in range(15):
        inst = cases.start_instance("p", org["clerk"])
        intake = inst["tasks"][0]
        tasks.claim(intake["id"], org["lead"])
        inst = tasks.complete(intake["id"], org["lead"], {})
        branch = sorted(t["id"] for t in inst["tasks"] if t["state"] == "ready")
        a_ids += branch[:2]
        b_ids += branch[2:]
        instance_ids.append(inst["id"])
    out = _run(workers.complete_branches, (database_url, "lead", a_ids), (database_url, "admin", b_ids))
    assert sorted(out) == sorted((i, "done") for i in a_ids + b_ids)
    from engine.bpmn import runtime
    runtime.clear_caches()
    for instance_id in instance_ids:
        inst = cases.get_instance(instance_id, org["admin"])
        mine = [t["id"] for t in inst["tasks"] if t["name"].startswith("assess")]
        assert {f"t{i}" for i in mine} <= set(inst["data"]), inst["data"]
        assert [t["name"] for t in inst["tasks"] if t["state"] == "ready"] == ["decision"]


def test_a_consent_by_silence_and_its_holders_answer_at_the_same_moment_complete_the_step_once(org, database_url):
    """The tick fires a step's consent deadline while its holder completes it: one of them closes
    the step, the other changes and records nothing (the case's lock, its revision, the step's state)."""
    steps = [start_consulted(org) for _ in range(20)]
    for _instance_id, task_id in steps:
        tasks.claim(task_id, org["reviewer"])
    ids = [task_id for _instance_id, task_id in steps]
    moment = max(deadline_of(task_id) for task_id in ids)
    timers.tick(now=moment - timedelta(seconds=1))  # the clocks' warnings: at the moment, the consents alone are due
    moment = moment.isoformat()
    out = dict(_run(workers.silence_race, (database_url, "tick", ids, moment), (database_url, "reviewer", ids, moment)))
    with session_scope() as session:
        for instance_id, task_id in steps:
            events = session.scalars(select(Event.type).where(Event.instance_id == instance_id)).all()
            task = session.get(Task, task_id)
            assert (task.state, events.count("task_completed")) == ("completed", 1), task_id
            deemed = events.count("consent_deemed")
            assert (out[task_id], task.completed_by, deemed) in (("answered", org["reviewer"].id, 0),
                                                                  ("too late", None, 1)), task_id


@pytest.mark.skipif(BACKEND != "postgres", reason="SQLite's write transaction holds every other writer off")
def test_a_step_holding_a_case_does_not_hold_off_a_claim_on_it(org, database_url):
    """A claim's event refers to the case; a step's lock on the case must not make it wait (with
    FOR UPDATE it did, and the two deadlocked when the step then cancelled the claimed task)."""
    deploy.deploy([("one.bpmn", ONE_TASK.encode())], org["designer"])
    instance = cases.start_instance("one", org["clerk"])
    claimed = threading.Event()

    def claim():
        tasks.claim(instance["tasks"][0]["id"], org["reviewer"])
        claimed.set()
    with session_scope() as session:
        cases.lock_instance(session, instance["id"])  # what every step on the case holds
        worker = threading.Thread(target=claim)
        worker.start()
        assert claimed.wait(10), "the claim waited for the step's lock on the case"
    worker.join()
    assert cases.get_instance(instance["id"], org["admin"])["tasks"][0]["assignee"] == "reviewer"
