"""kill -9 of the server in the middle of completions loses nothing that was acknowledged."""
import signal
import threading
from uuid import UUID

from SpiffWorkflow.task import TaskState

from engine.bpmn import runtime
from engine.services import cases, deploy
from engine.services.users import issue_token
from engine.store import session_scope
from engine.store.models import Instance, Task
from tests.bpmn_builder import parallel
from tests.server import call, free_port, start_server


def test_kill_9_mid_completion_loses_nothing(org, database_url):
    deploy.deploy([("p.bpmn", parallel("p", branches=3).encode())], org["designer"])
    instance_ids = [cases.start_instance("p", org["lead"])["id"] for _ in range(30)]
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
                try:
                    call(base, "POST", f"/api/tasks/{task['id']}/claim", token)
                    status, _ = call(base, "POST", f"/api/tasks/{task['id']}/complete", token, {"data": {}})
                except OSError:
                    return
                if status == 200:
                    acknowledged.append(task["id"])
    worker = threading.Thread(target=work)
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
