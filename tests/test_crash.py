"""kill -9 of the server in the middle of completions loses nothing that was acknowledged."""
import signal
import threading
import time
from http.client import HTTPException
from uuid import UUID

import pytest
from SpiffWorkflow.task import TaskState
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from engine.bpmn import runtime
from engine.services import cases, deploy
from engine.services.tokens import issue_token
from engine.store import get_engine, session_scope
from engine.store.models import Instance, Task
from tests.conftest import BACKEND
from tests.bpmn_builder import parallel
from tests.server import call, free_port, start_server


def test_kill_9_mid_completion_loses_nothing(org, database_url):
    deploy.deploy([("p.bpmn", parallel("p", branches=3).encode())], org["designer"])
    instance_ids = [cases.start_instance("p", org["clerk"])["id"] for _ in range(30)]
    token = issue_token("lead")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_server(database_url, port, "--no-scheduler")
    acknowledged, stop = [], threading.Event()

    def work():
        while not stop.is_set():
            status, ready = call(base, "GET", "/api/tasks?state=ready", token)
            if status != 200 or not ready:
                return
            for task in ready:
                if stop.is_set():
                    return
                call(base, "POST", f"/api/tasks/{task['id']}/claim", token)
                status, _ = call(base, "POST", f"/api/tasks/{task['id']}/complete", token, {"data": {}})
                if status == 200:
                    acknowledged.append(task["id"])

    def work_until_killed():
        try:
            work()
        except (OSError, HTTPException):  # the kill cut a request off, before or mid-answer
            pass
    worker = threading.Thread(target=work_until_killed)
    worker.start()
    try:
        while len(acknowledged) < 25 and worker.is_alive():
            threading.Event().wait(0.02)
        server.send_signal(signal.SIGKILL)
        server.wait(timeout=10)
    finally:
        stop.set()
        worker.join(timeout=30)
        if server.poll() is None:
            server.kill()
    assert len(acknowledged) >= 25

    runtime.clear_caches()  # what follows reads only what reached the database
    with session_scope() as session:
        for task_id in acknowledged:
            assert session.get(Task, task_id).state == "completed"
        for instance_id in instance_ids:
            instance = session.get(Instance, instance_id)
            workflow = runtime.load(session, instance).workflow
            ready_in_engine = {str(t.id) for t in runtime.ready_user_tasks(runtime.all_tasks(workflow))}
            ready_in_table = {t.spiff_id for t in session.query(Task).filter_by(
                instance_id=instance_id, state="ready")}
            assert ready_in_engine == ready_in_table, instance_id
            for row in session.query(Task).filter_by(instance_id=instance_id, state="completed"):
                assert workflow.get_task_from_id(UUID(row.spiff_id)).state \
                    == TaskState.COMPLETED

    # and the server comes back and carries every case to its end
    server = start_server(database_url, port, "--no-scheduler")
    try:
        for _ in range(200):
            status, ready = call(base, "GET", "/api/tasks?state=ready", token)
            if not ready:
                break
            task = ready[0]
            call(base, "POST", f"/api/tasks/{task['id']}/claim", token)
            status, body = call(base, "POST", f"/api/tasks/{task['id']}/complete", token, {"data": {}})
            assert status == 200, body
        for instance_id in instance_ids:
            status, body = call(base, "GET", f"/api/instances/{instance_id}", token)
            assert body["state"] == "completed"
    finally:
        server.kill()
        server.wait()


@pytest.mark.skipif(BACKEND != "postgres", reason="only a database server can end a connection")
def test_connections_the_server_ended_are_replaced_not_used(org, database_url):
    """A restarted server or an idle timeout ends the pool's connections; the next step gets a
    new one instead of failing on a dead one."""
    from engine.services import tasks
    deploy.deploy([("p.bpmn", parallel("p", branches=3).encode())], org["designer"])
    intake = cases.start_instance("p", org["clerk"])["tasks"][0]
    others = ("SELECT {} FROM pg_stat_activity WHERE datname = current_database() "
              "AND pid <> pg_backend_pid()")
    assert get_engine().pool.checkedin() >= 1
    # A connection outside the pool, to end the pool's from.
    with create_engine(database_url, poolclass=NullPool).connect() as conn:
        conn.execute(text(others.format("pg_terminate_backend(pid)")))
        deadline = time.monotonic() + 10
        while conn.execute(text(others.format("count(*)"))).scalar() and time.monotonic() < deadline:
            time.sleep(0.05)
    tasks.claim(intake["id"], org["lead"])
    instance = tasks.complete(intake["id"], org["lead"], {})
    states = {t["id"]: t["state"] for t in instance["tasks"]}
    assert states.pop(intake["id"]) == "completed"
    assert list(states.values()) == ["ready"] * 3
