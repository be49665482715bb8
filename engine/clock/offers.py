"""What an open task's page offers to do with its limits: stop one for a special procedure,
restart it, extend it, each only where the rules of pauses, rights and extension would allow it
(no button they would refuse)."""
from sqlalchemy import select
from sqlalchemy.orm import Session

import engine.clock
from engine.clock import units
from engine.clock.extension import extension_limit
from engine.clock.limits import case_clock, describe
from engine.clock.procedures import ended_by_hand, expected_end, running_procedure
from engine.clock.rights import PROCEDURE_ROLES, governs, held_by_another
from engine.services.lanes import may_work_on
from engine.store.db import read_session
from engine.store.models import Clock, Task, User

def offered(task_id: int, actor: User) -> list[dict]:
    """The limits an open task's page offers to stop, restart or extend: its step's and its
    case's, where they still count and are the actor's department's, each with what this actor
    may do by the rules pause, resume and extend apply (no button they would refuse)."""
    with read_session() as session:
        task = session.get(Task, task_id)
        if task is None or task.state != "ready" or not may_work_on(actor, task):  # a head's step, to a reviewer
            return []
        step = session.scalar(select(Clock).where(Clock.task_id == task_id).order_by(Clock.id).limit(1))
        whole = case_clock(session, task.instance_id)
        limits = [c for c in (step, whole) if c is not None and c.state != "stopped" and governs(actor, c)]
        # A special procedure should in principle end within the item's promise (the seeds' 龙里 rule).
        promise = whole.promised_days if whole is not None else None
        unit = units.of(whole, "promised") if whole is not None else None
        return [{**_offer(session, c, actor), "case_promised_days": promise, "case_promised_unit": unit}
                for c in limits]


def _offer(session: Session, clock: Clock, actor: User) -> dict:
    procedure = running_procedure(session, clock) if clock.state == "paused" else None
    own = ended_by_hand(procedure)
    works = any(actor.has_role(role) for role in PROCEDURE_ROLES) and not held_by_another(session, clock, actor)
    # Art. 42 lengthens the case's statutory limit, once; a step's limit (promised, or Art. 43's) not,
    # nor one in hours.
    may_extend = (actor.has_role("lead") and clock.statutory_days is not None and clock.task_id is None
                  and not clock.extension_days and units.of(clock, "statutory") != units.HOURS)
    return {**describe(clock), "may_pause": works and clock.state == "running", "may_resume": works and own,
            "procedure": {"kind": procedure.kind, "reason": procedure.reason, "expected_days": procedure.expected_days,
                          "started_on": procedure.started_on.isoformat(),
                          "overrun": own and engine.clock.today() > expected_end(procedure)} if procedure else None,
            "may_extend": may_extend,
            "extension_limit": extension_limit(session, clock) if may_extend else None}  # its case, looked up
