"""Timer and supervision benchmark on PostgreSQL with 100,000 open cases.

    python bench/timers.py [--cases N] [--postgres URL]

Loads N running cases, each with a case clock and a pending clock timer, by bulk insert, then
times: one tick when nothing is due, one tick when 1,000 timers are due, and the supervision
overview query. Targets: idle tick under 50 ms, supervision query under 200 ms.
"""
import argparse
import os
import random
import statistics
import sys
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert, text  # noqa: E402

CHUNK = 10_000
DEPARTMENTS = ["housing", "tax", "natres", "eco", "water", "devreform", "realestate", "fire"]


def load(n: int, designer):
    from engine.services import deploy
    from engine.store import get_engine
    from engine.store.models import Clock, Instance, Timer
    from tests.bpmn_builder import process
    deploy.deploy([("one.bpmn", process("one", [("start", "s", "s"), ("user", "t", "t"), ("end", "e", "e")],
                                        [("s", "t"), ("t", "e")]).encode())], designer)
    engine = get_engine()
    with engine.begin() as conn:
        definition_id = conn.execute(text("SELECT id FROM definitions LIMIT 1")).scalar()
    far = datetime.now(timezone.utc) + timedelta(days=30)
    today = date.today()
    rng = random.Random(7)
    for start in range(0, n, CHUNK):
        size = min(CHUNK, n - start)
        with engine.begin() as conn:
            ids = conn.execute(insert(Instance).returning(Instance.id), [
                {"definition_id": definition_id, "key": "one", "version": 1, "state": "running", "revision": 1,
                 "workflow_state": {}, "data": {}} for _ in range(size)]).scalars().all()
            clock_ids = conn.execute(insert(Clock).returning(Clock.id), [
                {"instance_id": i, "department": rng.choice(DEPARTMENTS), "item_code": f"I-{rng.randrange(40)}",
                 "label": "bench", "started_on": today, "promised_days": 10, "statutory_days": 20,
                 "paused_days": 0, "extension_days": 0, "warn_ratio": 0.2,
                 "promised_due": today + timedelta(days=14), "statutory_due": today + timedelta(days=28),
                 "provisional": False, "state": "running", "level": rng.choice(["normal"] * 8 + ["warning", "yellow"])}
                for i in ids]).scalars().all()
            conn.execute(insert(Timer), [{"kind": "clock", "instance_id": i, "clock_id": c, "due_at": far,
                                          "state": "pending", "attempts": 0} for i, c in zip(ids, clock_ids)])
    with engine.begin() as conn:
        conn.execute(text("ANALYZE"))


def timed(fn, repeat=5):
    samples = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1000)
    return statistics.median(samples)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", type=int, default=100_000)
    ap.add_argument("--postgres", default=os.environ.get("TEST_DATABASE_URL",
                                                          "postgresql+psycopg://postgres@127.0.0.1:5432/test"))
    args = ap.parse_args()
    url = args.postgres.replace("postgresql://", "postgresql+psycopg://", 1)
    os.environ["DATABASE_URL"] = url
    from engine import supervision, timers
    from engine.services.users import add_user
    from engine.store import get_engine
    from engine.store.migrate import upgrade
    from engine.store.models import Base
    with get_engine(url).begin() as conn:
        Base.metadata.drop_all(conn)
        conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
    upgrade(url)
    designer = add_user("bench", "bench", "supervision", ["designer", "supervisor"])
    t0 = time.perf_counter()
    load(args.cases, designer)
    print(f"loaded {args.cases} open cases with clocks and timers in {time.perf_counter() - t0:.1f} s")
    idle = timed(lambda: timers.tick())
    print(f"  idle tick (nothing due):         {idle:8.1f} ms   (target < 50 ms)")
    overview = timed(lambda: supervision.overview(designer))
    print(f"  supervision overview query:      {overview:8.1f} ms   (target < 200 ms)")
    with get_engine().begin() as conn:
        conn.execute(text("UPDATE timers SET due_at = now() - interval '1 second' WHERE id IN "
                          "(SELECT id FROM timers WHERE state = 'pending' ORDER BY id LIMIT 1000)"))
    t0 = time.perf_counter()
    fired = timers.tick(limit=1000)
    busy = (time.perf_counter() - t0) * 1000
    print(f"  tick with 1,000 due:             {busy:8.1f} ms   ({fired} fired, {busy / max(fired, 1):.2f} ms each)")
    print(f"  firing latency at the default tick: {latency(designer):.2f} s (median of 5; target < 2 s)")


def latency(designer) -> float:
    """Due time to firing, with the in-process scheduler running as `run.py serve` runs it."""
    from engine.scheduler import start_background
    from engine.services import cases, deploy
    from engine.store import session_scope
    from engine.store.models import Timer
    from tests.bpmn_builder import process
    deploy.deploy([("w.bpmn", process("wait_then", [("start", "s", "s"), ("timer", "pause", "p", {"date": "due"}),
                                                     ("user", "t", "t"), ("end", "e", "e")],
                                      [("s", "pause"), ("pause", "t"), ("t", "e")]).encode())], designer)
    scheduler = start_background()
    samples = []
    try:
        for _ in range(5):
            due = datetime.now(timezone.utc) + timedelta(seconds=1.5)
            instance_id = cases.start_instance("wait_then", designer, data={"due": due.isoformat()})["id"]
            give_up = time.monotonic() + 60
            while True:
                with session_scope() as session:
                    row = session.query(Timer).filter_by(instance_id=instance_id).one()
                    if row.state == "fired":
                        samples.append((row.fired_at - row.due_at).total_seconds())
                        break
                if time.monotonic() > give_up:
                    raise SystemExit(f"the timer of instance {instance_id} is {row.state} a minute after "
                                     f"it was due: the scheduler is not firing timers")
                time.sleep(0.05)
    finally:
        scheduler.shutdown(wait=False)
    return statistics.median(samples)


if __name__ == "__main__":
    main()
