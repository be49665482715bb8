"""Engine benchmark: the product against plain in-memory SpiffWorkflow, and step cost over a case's life.

    python bench/engine.py [--instances N] [--postgres URL]

Part 1 runs a 9-branch parallel procedure (intake, 9 parallel assessments, decision) to the end,
N times: in memory with SpiffWorkflow's serializer dumping and loading the workflow around each
action as a web request would, and through Shenpi's service layer on SQLite and on PostgreSQL;
in several rounds, each measuring both back to back, the median round reported.
Part 2 grows three cases with a correction loop to 10, 100 and 1,000 completed tasks, then steps
them in turn and splits the cost of one more step into engine time and save time.
"""
import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from SpiffWorkflow.bpmn import BpmnWorkflow  # noqa: E402
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer  # noqa: E402
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG  # noqa: E402
from SpiffWorkflow.task import TaskState  # noqa: E402

from tests.bpmn_builder import parallel, process  # noqa: E402

BRANCHES = 9
CORRECTION = process("correction", [
    ("start", "start", "受理"),
    ("user", "correct", "补正", {"loop": "rounds < limit"}),
    ("end", "end", "办结")], [("start", "correct"), ("correct", "end")])


def in_memory(instances: int) -> float:
    """Actions per second of bare SpiffWorkflow, serialising around every action."""
    from engine.bpmn.parser import make_parser
    from engine.bpmn.scripting import make_script_engine
    parser = make_parser()
    from lxml import etree
    parser.add_bpmn_xml(etree.fromstring(parallel("p", BRANCHES).encode()), filename="p.bpmn")
    spec, subs = parser.get_spec("p"), parser.get_subprocess_specs("p")
    serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG))
    actions = 0
    start = time.perf_counter()
    for _ in range(instances):
        wf = BpmnWorkflow(spec, subs, script_engine=make_script_engine())
        wf.do_engine_steps()
        state = serializer.serialize_json(wf)
        actions += 1
        while True:
            wf = serializer.deserialize_json(state)
            wf.script_engine = make_script_engine()
            ready = wf.get_tasks(state=TaskState.READY, manual=True)
            if not ready:
                break
            ready[0].run()
            wf.do_engine_steps()
            state = serializer.serialize_json(wf)
            actions += 1
    return actions / (time.perf_counter() - start)


def product(instances: int) -> tuple[int, float]:
    """Actions, and seconds taken, through the service layer (start; claim+complete for each task)."""
    from engine.services import cases, deploy, tasks
    from engine.services.users import add_user
    designer = add_user(f"bench-designer-{time.time_ns()}", "d", "bench", ["designer", "lead"])
    deploy.deploy([("p.bpmn", parallel("p", BRANCHES).encode())], designer)
    actions = 0
    start = time.perf_counter()
    for _ in range(instances):
        instance = cases.start_instance("p", designer)
        actions += 1
        while instance["state"] == "running":
            task = next(t for t in instance["tasks"] if t["state"] == "ready")
            tasks.claim(task["id"], designer)
            instance = tasks.complete(task["id"], designer, {})
            actions += 1
    return actions, time.perf_counter() - start


def statements_per_action(instances: int = 3) -> tuple[float, float]:
    """SQL statements and transactions per action, counted in a run of their own (counting costs)."""
    from sqlalchemy import event
    from engine.store import get_engine
    counts = {"statements": 0, "transactions": 0}

    def statement(conn, _cursor, sql, *_args):
        counts["statements"] += not sql.startswith("BEGIN")  # SQLite's; psycopg's is not seen here
        # A statement on an autocommit connection is a transaction of its own (a claim on PostgreSQL).
        counts["transactions"] += conn.get_execution_options().get("isolation_level") == "AUTOCOMMIT"

    def commit(_connection):
        counts["transactions"] += 1
    engine = get_engine()
    event.listen(engine, "before_cursor_execute", statement)
    event.listen(engine, "commit", commit)
    try:
        actions, _seconds = product(instances)
    finally:
        event.remove(engine, "before_cursor_execute", statement)
        event.remove(engine, "commit", commit)
    return counts["statements"] / actions, counts["transactions"] / actions


def step_costs(sizes=(10, 100, 1000), samples=20) -> dict:
    """Median engine and save time of one step when the case has completed N tasks."""
    from engine.bpmn import persistence, runtime
    timings = {"engine": [], "save": []}

    def timed(name, fn):
        def wrapper(*args, **kwargs):
            t0 = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                timings[name].append(time.perf_counter() - t0)
        return wrapper
    originals = runtime.run_engine, persistence.save
    runtime.run_engine, persistence.save = timed("engine", runtime.run_engine), timed("save", persistence.save)
    try:
        return _grow_and_measure(sizes, samples, timings)
    finally:
        runtime.run_engine, persistence.save = originals


def _grow_and_measure(sizes, samples, timings) -> dict:
    """One case per size, grown first; then the sizes take turns, one step each, so that the
    machine's changes of speed fall on every size alike. A case is grown to half the samples short
    of its size: the median step is the one at its size."""
    from engine.services import cases, deploy, tasks
    from engine.services.users import add_user
    user = add_user(f"bench-corrector-{time.time_ns()}", "c", "bench", ["designer", "lead"])
    deploy.deploy([("c.bpmn", CORRECTION.encode())], user)
    grown = {}

    def step(size):
        instance, done = grown[size]
        task = next(t for t in instance["tasks"] if t["state"] == "ready")
        tasks.claim(task["id"], user)
        grown[size] = tasks.complete(task["id"], user, {"rounds": done + 1}), done + 1
    for size in sizes:
        grown[size] = cases.start_instance("correction", user, data={"rounds": 0, "limit": 10 ** 6}), 0
        while grown[size][1] < max(0, size - samples // 2):
            step(size)
    measured = {size: {name: [] for name in timings} for size in sizes}
    for _ in range(samples):
        for size in sizes:
            for values in timings.values():
                values.clear()
            step(size)
            for name, values in timings.items():
                measured[size][name] += values
    return {size: {name: statistics.median(values) * 1000 for name, values in by_name.items()}
            for size, by_name in measured.items()}


def use_database(url: str) -> None:
    from engine.bpmn import runtime
    from engine.store import reset_engine
    from engine.store.migrate import upgrade
    os.environ["DATABASE_URL"] = url
    reset_engine()
    runtime.clear_caches()
    if url.startswith("sqlite:///"):  # every use starts from an empty database, as on PostgreSQL
        for suffix in ("", "-wal", "-shm"):
            Path(url.removeprefix("sqlite:///") + suffix).unlink(missing_ok=True)
    elif url.startswith("postgresql"):
        from sqlalchemy import text
        from engine.store import get_engine
        from engine.store.models import Base
        with get_engine(url).begin() as conn:
            Base.metadata.drop_all(conn)
            conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
    upgrade(url)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--instances", type=int, default=20)
    ap.add_argument("--rounds", type=int, default=3,
                    help="part 1 runs this many rounds and reports the median round")
    ap.add_argument("--postgres", default=os.environ.get("TEST_DATABASE_URL",
                                                          "postgresql+psycopg://postgres@127.0.0.1:5432/test"))
    args = ap.parse_args()
    print(f"9-branch parallel procedure, {args.instances} instances, {BRANCHES + 2} user tasks each")
    tmp = tempfile.mkdtemp()
    backends = [("SQLite", f"sqlite:///{tmp}/bench.db")]
    if args.postgres:
        backends.append(("PostgreSQL", args.postgres.replace("postgresql://", "postgresql+psycopg://", 1)))
    # Shared machines change speed from minute to minute: each round measures the baseline and
    # the product back to back, and the ratio is taken within the round.
    rounds = []
    for _ in range(args.rounds):
        base, rates = in_memory(args.instances), {}
        for label, url in backends:
            use_database(url)
            product(1)  # first deployment and cold caches are not what is measured
            actions, seconds = product(args.instances)
            rates[label] = actions / seconds
        rounds.append((base, rates))
    counted = {}
    for label, url in backends:
        use_database(url)
        counted[label] = statements_per_action()
    for label, _url in backends:
        base, rates = sorted(rounds, key=lambda r: r[1][label] / r[0])[len(rounds) // 2]
        rate = rates[label]
        print(f"  in-memory SpiffWorkflow (serialise around each action): {base:8.1f} actions/s")
        print(f"  Shenpi on {label:10}: {rate:8.1f} actions/s   ratio product/in-memory {rate / base:5.2f}"
              f"   (target >= 0.5; median of {len(rounds)} rounds: "
              f"{', '.join(f'{r[1][label] / r[0]:.2f}' for r in rounds)})")
        print(f"  {1000 / rate:.2f} ms per action, {counted[label][0]:.1f} SQL statements and "
              f"{counted[label][1]:.1f} transactions per action")
    for label, url in backends:
        use_database(url)
        costs = step_costs()
        print(f"Cost of one step on {label} after N completed tasks (median ms):")
        for size, c in costs.items():
            print(f"  N={size:5}: engine {c['engine']:7.2f} ms   save {c['save']:7.2f} ms")
        ratio = costs[1000]["save"] / costs[10]["save"]
        print(f"  save time at 1,000 / at 10 = {ratio:.2f}   (target <= 1.5)")


if __name__ == "__main__":
    main()
