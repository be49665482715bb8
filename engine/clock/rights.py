"""Who may act on a clock: stop it for a special procedure, restart it, extend it. A limit is its
department's (an administrator's too); a step's limit is its holder's or its head's."""
from sqlalchemy.orm import Session

from engine.errors import Conflict, Forbidden
from engine.store.db import fetch, locked
from engine.store.models import Clock, Instance, Task, User

PROCEDURE_ROLES = ("reviewer", "lead")  # who start and end a special procedure; a head (lead) extends


def running_clock(session: Session, clock_id: int, actor: User) -> Clock:
    """The clock, if it still runs and it is the actor's department's limit (or the actor is an
    administrator): another department may not stop or lengthen it, nor a colleague a step
    someone else holds (its head may).

    Its case is held first, as a step holds it: two departments pausing at once, or a pause and
    the timer tick, then take their turns instead of both reading the case clock as running.
    """
    clock = fetch(session, Clock, clock_id, "clock")
    locked(session, Instance, clock.instance_id)
    session.refresh(clock)
    if not governs(actor, clock):
        raise Forbidden("This time limit belongs to another department")
    if held_by_another(session, clock, actor):
        step = session.get(Task, clock.task_id)
        if step.assignee is None:  # a head's step, not yet taken
            raise Forbidden("This step is decided by the department's head (the lead role)")
        raise Forbidden("%(holder)s holds this step: its time limit is theirs, or the head's, to stop or restart",
                        holder=step.assignee.known_as)
    if clock.state == "stopped":
        raise Conflict("This clock has stopped")
    return clock


def held_by_another(session: Session, clock: Clock, actor: User) -> bool:
    """A step's limit that is not the actor's to stop: a colleague holds the step, or it is its
    head's to take (a head governs both)."""
    step = session.get(Task, clock.task_id) if clock.task_id is not None else None
    return (step is not None and not actor.has_role("lead")
            and (step.assignee_id not in (None, actor.id) or step.lead_only))


def governs(actor: User, clock: Clock) -> bool:
    return actor.has_role("admin") or clock.department in actor.groups
