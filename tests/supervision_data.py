"""The cases the supervision tests look at: housing has one finished late, one on time and one
open; tax has one open."""
from datetime import timedelta

from engine import clock
from engine.clock import limits, stopping
from engine.services import cases, deploy
from engine.store import session_scope
from engine.store.models import Clock
from tests.bpmn_builder import process

ONE = process("one", [("start", "s", "s"), ("user", "t", "审查"), ("end", "e", "e")], [("s", "t"), ("t", "e")],
              lanes={"housing": ["t"]})


def four_clocks(org) -> dict[str, int]:
    """Clock ids by name: late, on_time, open, tax."""
    deploy.deploy([("one.bpmn", ONE.encode())], org["designer"])
    specs = (("late", "housing", clock.today() - timedelta(days=40), 5), ("on_time", "housing", clock.today(), 5),
             ("open", "housing", clock.today(), 10), ("tax", "tax", clock.today(), 3))
    instance_ids = [cases.start_instance("one", org["clerk"])["id"] for _ in specs]
    ids = {}
    with session_scope() as session:
        for instance_id, (name, dept, started, promised) in zip(instance_ids, specs):
            ids[name] = limits.start_clock(session, instance_id, label=name, promised_days=promised,
                                           statutory_days=promised * 2, started_on=started, department=dept,
                                           item_code="I-" + dept).id
        for name in ("late", "on_time"):
            stopping.stop(session, session.get(Clock, ids[name]))
    return ids
