"""Four `run.py worker` processes, 2,000 timers, one worker killed with kill -9: each fires once."""
import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select

from engine.services import cases, deploy
from engine.store import session_scope
from engine.store.models import Event, Instance, Timer
from tests.bpmn_builder import process
from tests.server import ROOT

TIMERS = 2000
WAIT = process("wait_end", [("start", "s", "s"), ("timer", "wait", "等待", {"date": "due"}),
                            ("end", "e", "e")], [("s", "wait"), ("wait", "e")])


def counts():
    with session_scope() as session:
        pending = session.scalar(select(func.count()).select_from(Timer).where(Timer.state == "pending"))
        fired = session.scalars(select(Event).where(Event.type == "timer_fired")).all()
        return pending, [e.data["timer_id"] for e in fired]


def test_four_workers_fire_2000_timers_exactly_once_despite_kill_9(org, database_url):
    deploy.deploy([("w.bpmn", WAIT.encode())], org["designer"])
    later = (datetime.now(timezone.utc) + timedelta(hours=1)).isoformat()
    for _ in range(TIMERS):
        cases.start_instance("wait_end", org["clerk"], data={"due": later})
    # Creating 2,000 cases takes a while; bring every row due within the next few seconds.
    soon = datetime.now(timezone.utc) + timedelta(seconds=3)
    with session_scope() as session:
        for i, timer in enumerate(session.scalars(select(Timer))):
            timer.due_at = soon + timedelta(milliseconds=i)
    env = dict(os.environ, DATABASE_URL=database_url)
    workers = [subprocess.Popen([sys.executable, str(ROOT / "run.py"), "worker"], cwd=ROOT, env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for _ in range(4)]
    try:
        killed = False
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            pending, fired = counts()
            if not killed and len(fired) >= TIMERS // 4:
                workers[0].send_signal(signal.SIGKILL)  # mid-batch: it was firing
                killed = True
            if pending == 0:
                break
            time.sleep(0.5)
        assert killed
    finally:
        for w in workers:
            w.kill()
            w.wait()
    pending, fired = counts()
    assert pending == 0
    assert len(fired) == TIMERS and len(set(fired)) == TIMERS
    with session_scope() as session:
        states = session.execute(select(Instance.state, func.count()).group_by(Instance.state)).all()
    assert dict(states) == {"completed": TIMERS}
