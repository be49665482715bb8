"""Silence as consent (逾期未反馈书面审查意见，视为同意). Where the rules allow it (older 核准 practice:
a department consulted answers within its limit or is deemed to agree), a step marked so
(silenceConsentsExpression, engine/orchestrator.py) and still open, claimed or not, when its own
limit ends is completed on its department's behalf: with the review form's agreement, by
no person, recorded with the rule that said so, and told to the department and to whoever held
it. The procedure then goes on as if the department had agreed.

Its timer (kind "consent") follows the step clock (engine/clock/consent.py); the tick fires it
here, in its transaction, with the case locked. It acts once: a step closed a moment before, a
clock paused or moved since, or a second firing does nothing and records nothing, and a step
taken on by someone else meanwhile is refused as stale (the case's revision) and tried again.
"""
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import forms
from engine.bpmn.runtime import properties
from engine.clock import consent, limits
from engine.errors import Invalid, Message
from engine.services.events import record
from engine.services.notifications import tell
from engine.store.models import WORKER_ROLES, Clock, Department, Instance, Task, Timer, User

PROPERTY = "silenceConsentsExpression"
# What the department is deemed to have answered: the review form's agreement
# (processes/forms/review_opinion.json), in the words of the rule.
CONSENT = {"opinion": "approve", "comment": "逾期未反馈书面审查意见，视为同意"}
# The product's mark on the step's data, for the procedure's scripts (review_round.bpmn marks the
# department's opinion with it), as handled_by is: no form field, so no person can send it.
DEEMED = "deemed_consent"


def fits(schema: dict | None) -> bool:
    """Whether a step's form takes the consent: a silence that could not answer the form would
    leave the procedure without the department's opinion (deploy refuses it)."""
    if schema is None:  # a step without a form takes any data
        return True
    try:
        forms.check(schema, CONSENT, Message("The form data is not valid"))
    except Invalid:
        return False
    return True


def fire_timer(session: Session, timer: Timer, now: datetime) -> bool:
    """Whether the step was deemed agreed. A suspended case's timer waits, as its procedure's do;
    unless the step is still open, its clock running and its day over, the timer is cancelled and
    nothing else changes: one that waited with its case may have fallen due on a day the clock has
    moved from since, or while a special procedure holds it."""
    from engine.services import cases
    instance = cases.lock_instance(session, timer.instance_id)
    if instance.state == "suspended":
        timer.state = "suspended"  # resuming the case makes it pending again
        return False
    clock = session.get(Clock, timer.clock_id)
    task = session.get(Task, clock.task_id)
    if not (instance.state == "running" and task.state == "ready" and clock.state == "running"
            and consent.deadline(clock) <= now):
        timer.state, timer.fired_at = "cancelled", now
        return False
    cases.advance_in(session, instance, None, lambda s, i, workflow: _agree(s, i, workflow, task, clock, now))
    return True


def _agree(session: Session, instance: Instance, workflow, task: Task, clock: Clock, now: datetime) -> None:
    """The department's consent, as the step's completion by no one (its history, the provincial
    platform's records and the steps done read it as any), and the rule's event beside it. Its
    result document is not asked for: the department sent none, which is what consent by silence
    answers."""
    from engine import orchestrator
    from engine.services import cases, tasks
    spiff = cases.spiff_task(workflow, task.spiff_id)
    before = dict(spiff.data)
    tasks.run_done(workflow, task, {**CONSENT, DEEMED: True})
    task.state, task.completed_by, task.completed_at = "completed", None, now
    orchestrator.task_closed(session, instance, task, spiff, None)
    record(session, "task_completed", instance_id=instance.id, task_id=task.id, task=task.name,
           changed={k: v for k, v in CONSENT.items() if before.get(k, object()) != v}, submitted=CONSENT,
           deemed=True)
    due = limits.own_promised_due(clock).isoformat()  # its own, which a deadline capped to the case's precedes
    record(session, "consent_deemed", instance_id=instance.id, task_id=task.id, task=task.name,
           department=task.group, assignee_id=task.assignee_id, due_on=due,
           rule=f"{PROPERTY}: {properties(spiff.task_spec)[PROPERTY]}")
    tell(session, _told(session, task), instance.id, task.id, Message(
        "%(step)s: no written opinion came by the end of its limit (%(due)s), so the department is deemed "
        "to agree (silence counts as consent)", step=task.title or task.name, due=due))


def _told(session: Session, task: Task) -> list[int]:
    """Whoever held the step, and the people who work the department's steps."""
    people = session.execute(select(User.id, User.roles).join(Department, Department.id == User.department_id)
                             .where(Department.code == task.group, User.active.is_(True)).order_by(User.id)).all()
    return [*([task.assignee_id] if task.assignee_id else []),
            *(user_id for user_id, roles in people if set(roles or ()) & set(WORKER_ROLES))]
