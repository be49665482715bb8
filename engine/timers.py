"""Timers are rows, not threads.

A step that leaves a timer event waiting writes its due time in `timers` in the same
transaction. Every process (`run.py serve` and each `run.py worker`) runs `tick` once a second:
it claims one due row at a time (its instance and case, then the row, FOR UPDATE SKIP LOCKED on
PostgreSQL; SQLite's write lock serialises the claim), fires it and marks it fired in the same transaction. A crash rolls both
back, so another process fires it later: exactly once with any number of processes, and a
timer that fell due while everything was down fires at the next start.
"""
import logging
from uuid import UUID
from datetime import datetime, timedelta, timezone

from SpiffWorkflow.bpmn.specs.event_definitions import MultipleEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.task import TaskState
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from engine.errors import Conflict, state_name
from engine.store import session_scope
from engine.store.db import fetch, locked, uses_postgres
from engine.store.models import Case, Instance, Timer, User

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 5
CANDIDATES = 20  # due timers a tick looks at when others are held: more than processes firing
BACKOFF = timedelta(seconds=5)


def _now() -> datetime:
    return datetime.now(timezone.utc)


def one_per_date(session: Session, kind: str, wanted, **owner) -> None:
    """One pending timer of `kind` for the owner (case_id=, clock_id=, instance_id=) at each moment
    `wanted`, and no other: a timer that answers for every row due at its moment."""
    wanted = set(wanted)
    for timer in session.scalars(select(Timer).where(Timer.kind == kind, Timer.state == "pending",
                                                     *(getattr(Timer, k) == v for k, v in owner.items()
                                                       if k != "instance_id"))):
        if timer.due_at in wanted:
            wanted.discard(timer.due_at)
        else:
            timer.state = "cancelled"
    for due in sorted(wanted):
        session.add(Timer(kind=kind, due_at=due, **owner))


def _timer_due(task) -> datetime | None:
    definition = getattr(task.task_spec, "event_definition", None)
    definitions = (definition.event_definitions if isinstance(definition, MultipleEventDefinition)
                   else [definition])
    if not any(isinstance(d, TimerEventDefinition) for d in definitions):
        return None
    value = task.internal_data.get("event_value")
    if isinstance(value, dict):  # a cycle: the next occurrence
        value = value.get("next")
    if not value:
        return None
    due = TimerEventDefinition.get_datetime(value) if isinstance(value, str) else value
    return due if due.tzinfo else due.replace(tzinfo=timezone.utc)


def sync_bpmn_timers(session: Session, instance_id: int, tasks, had_timers: bool = True) -> bool:
    """Make the timers table hold one pending row per waiting timer event of the instance.

    Returns whether any timer is waiting, so the next step can skip the query when none was.
    """
    waiting = {}
    for task in tasks:
        if task.state == TaskState.WAITING:
            due = _timer_due(task)
            if due is not None:
                waiting[str(task.id)] = due
    if not waiting and not had_timers:
        return False
    rows = {t.spiff_id: t for t in session.scalars(select(Timer).where(
        Timer.instance_id == instance_id, Timer.kind == "bpmn", Timer.state.in_(("pending", "incident"))))}
    for spiff_id, row in rows.items():
        if spiff_id not in waiting:
            row.state = "cancelled"
        elif row.due_at != waiting[spiff_id] and row.state == "pending":
            row.due_at = waiting[spiff_id]
    for spiff_id, due in waiting.items():
        if spiff_id not in rows:
            session.add(Timer(kind="bpmn", instance_id=instance_id, spiff_id=spiff_id, due_at=due))
    return bool(waiting)


def _mark_due(task) -> None:
    """The row is due, so the event is: SpiffWorkflow would compare with this process's own clock."""
    value = task.internal_data.get("event_value")
    if isinstance(value, dict):  # a cycle fires when its next occurrence has passed
        value["next"] = datetime(1970, 1, 1, tzinfo=timezone.utc).isoformat()
    else:
        task.internal_data["event_fired"] = True


def _claim(session: Session, now: datetime) -> Timer | None:
    """The next due timer, held until the transaction ends.

    On PostgreSQL its instance and its case are locked first, then the timer row: the order in
    which steps and the window's operations take them (a step locks its instance, then changes
    the case and cancels or moves timers; the window locks the case, then cancels its timers).
    Taken the other way round, a timer falling due while someone acted on its case deadlocked.
    A candidate someone holds is passed over until the next tick, and what the tick locked for
    it is given back at once (a savepoint).
    """
    due = (Timer.state == "pending", Timer.due_at <= now)
    if not uses_postgres():  # SQLite's write transaction already holds every step off
        return session.scalar(select(Timer).where(*due).order_by(Timer.due_at, Timer.id).limit(1))
    owner = or_(Case.id == Timer.case_id, and_(Timer.case_id.is_(None), Case.instance_id == Timer.instance_id))
    candidates = session.execute(
        select(Timer.id, func.coalesce(Timer.instance_id, Case.instance_id), Case.id).outerjoin(Case, owner)
        .where(*due).order_by(Timer.due_at, Timer.id).limit(CANDIDATES)).all()
    for timer_id, instance_id, case_id in candidates:
        attempt = session.begin_nested()
        timer = _held(session, Instance, instance_id) and _held(session, Case, case_id) and session.scalar(
            select(Timer).where(Timer.id == timer_id, *due).with_for_update(skip_locked=True))
        if timer:
            attempt.commit()  # releases the savepoint, not the locks
            return timer
        attempt.rollback()
    return None


def _held(session: Session, model, row_id: int | None) -> bool:
    """The row locked for this tick (or there is none); False when someone else holds it."""
    return row_id is None or locked(session, model, row_id, skip_locked=True) is not None


def fire(session: Session, timer: Timer, now: datetime) -> None:
    from engine.services import cases
    from engine.services.events import record
    if timer.kind == "bpmn":
        def change(_session, _instance, workflow):
            task = workflow.get_task_from_id(UUID(timer.spiff_id))
            if task is not None and task.state == TaskState.WAITING:
                _mark_due(task)
            workflow.refresh_timers()
        try:
            cases.advance_in(session, cases.lock_instance(session, timer.instance_id), None, change)
        except Conflict:
            if session.get(Instance, timer.instance_id).state == "suspended":
                timer.state = "suspended"  # it waits; resuming the instance makes it pending again
            else:  # the case ended: nothing left to fire
                timer.state, timer.fired_at = "cancelled", now
            return
    elif timer.kind == "consent":
        from engine import silence
        if not silence.fire_timer(session, timer, now):
            return  # nothing was due: the timer says why (cancelled, or waiting with its suspended case)
    elif timer.kind == "clock":
        from engine.clock import levels
        levels.refresh(session, timer.clock_id, now)
    elif timer.kind in ("deemed", "deferred"):
        from engine import intake
        intake.fire_timer(session, timer)
    elif timer.kind == "order_due":
        from engine import escalation
        escalation.order_overdue(session, timer, now)
    elif timer.kind == "answer_due":
        from engine import termination
        termination.remind_overdue(session, timer, now)
    elif timer.kind == "rectification":
        from engine import ratings
        ratings.fire_timer(session, timer, now)
    elif timer.kind == "agency_due":
        from engine import agencies
        agencies.fire_timer(session, timer, now)
    elif timer.kind == "pledge_check":
        from engine import pledge_checks
        pledge_checks.fire_timer(session, timer, now)
    elif timer.kind == "renewal":
        from engine import renewals
        renewals.fire_timer(session, timer, now)
    timer.state, timer.fired_at = "fired", now
    record(session, "timer_fired", instance_id=timer.instance_id, timer_id=timer.id, kind=timer.kind,
           due_at=timer.due_at.isoformat())


def tick(now: datetime | None = None, limit: int = 500) -> int:
    """Fire up to `limit` due timers, one transaction each; return how many fired."""
    fired = 0
    for _ in range(limit):
        moment = now or _now()
        timer_id = None
        try:
            with session_scope() as session:
                timer = _claim(session, moment)
                if timer is None:
                    return fired
                timer_id = timer.id
                fire(session, timer, moment)
            fired += 1
        except Exception as exc:  # a failing timer must not stop the others
            if timer_id is None:
                raise
            log.warning("timer %s failed: %s", timer_id, exc)
            _failed(timer_id, exc, moment)
    return fired


def _failed(timer_id: int, exc: Exception, now: datetime) -> None:
    from engine.bpmn import runtime
    from engine.services.events import record
    with session_scope() as session:
        timer = session.get(Timer, timer_id)
        runtime.forget(timer.instance_id)
        timer.attempts += 1
        timer.last_error = f"{type(exc).__name__}: {exc}"[:2000]
        if timer.attempts >= MAX_ATTEMPTS:
            timer.state = "incident"
            record(session, "timer_incident", instance_id=timer.instance_id, timer_id=timer.id,
                   error=timer.last_error)
        else:
            timer.due_at = now + BACKOFF * 2 ** (timer.attempts - 1)


def retry(timer_id: int, actor: User) -> None:
    """An administrator sends an incident back to the queue."""
    from engine.services.events import record
    from engine.services.users import require
    require(actor, "admin")
    with session_scope() as session:
        timer = fetch(session, Timer, timer_id, "timer")
        if timer.state != "incident":
            raise Conflict("Timer %(timer)s is %(state)s, not an incident", timer=timer_id,
                           state=state_name(timer.state))
        timer.state, timer.attempts, timer.due_at = "pending", 0, _now()
        record(session, "timer_retried", actor=actor, instance_id=timer.instance_id, timer_id=timer_id)


def incidents() -> list[dict]:
    with session_scope() as session:
        return [{"id": t.id, "instance_id": t.instance_id, "kind": t.kind, "due_at": t.due_at.isoformat(),
                 "attempts": t.attempts, "error": t.last_error}
                for t in session.scalars(select(Timer).where(Timer.state == "incident").order_by(Timer.id))]
