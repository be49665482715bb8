"""Starting instances and moving them forward, one writer at a time.

Every step takes the instance row (FOR UPDATE on PostgreSQL), loads the workflow, lets the
caller change it, runs the engine, brings the task table up to date, saves the changed
SpiffWorkflow tasks and bumps the revision. A writer that read an older revision is refused.
"""
import json
import logging
from contextlib import contextmanager
from datetime import datetime, timezone
from uuid import UUID

from SpiffWorkflow.exceptions import WorkflowException
from sqlalchemy import bindparam, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from engine import expressions, rules, timers
from engine.bpmn import persistence, runtime
from engine.errors import Conflict, EngineFailure, Forbidden, Invalid, NotFound, ShenpiError, state_name
from engine.store import session_scope
from engine.store.db import fetch, locked, read_session
from engine.store.models import Case, Clock, Definition, Event, Instance, Notification, ServiceItem, Task, Timer, User

from .deploy import find_definition
from .events import describe as describe_event
from .events import event_row, record, record_all
from .lanes import workable
from .task_views import CASE_TASKS, summary
from .users import only_as_filer, require

log = logging.getLogger(__name__)
# The window starts cases; a designer tries procedures out. A department works on what it is given.
STARTERS = ("clerk", "designer")
# A case's data are answers to forms; documents are files. Every step stores the data again in
# the rows it writes, so an oversized value would be copied many times over.
MAX_DATA_CHARS = 1_000_000


def check_data(data) -> dict:
    """The data a caller gives to a step: a JSON object of reasonable size."""
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise Invalid("data must be a JSON object")
    if len(json.dumps(data, ensure_ascii=False, default=str)) > MAX_DATA_CHARS:
        raise Invalid("data is too large (more than %(size)s characters as JSON); send documents as files",
                      size=MAX_DATA_CHARS)
    return data


def start_instance(key: str, actor: User, *, version: int | None = None,
                   business_key: str | None = None, data: dict | None = None) -> dict:
    require(actor, *STARTERS)
    data = check_data(data)
    if business_key is not None and not (isinstance(business_key, str) and len(business_key) <= 200):
        raise Invalid("business_key must be text of at most 200 characters")
    with session_scope() as session:
        _check_not_a_case(session, key, business_key)
        instance, loaded = start_in(session, key, actor, version=version, business_key=business_key,
                                    data=data)
        revision = instance.revision
        result = _describe(session, instance)
    runtime.remember(instance.id, revision, loaded)
    return result


def _check_not_a_case(session: Session, key: str, business_key: str | None) -> None:
    """A service item's procedure, or a process it calls, runs for a case with its clocks and
    notices, started at the window; started alone it would put steps in departments' inboxes
    for no case. Nor may a trial run take a case's number for its business key."""
    item = session.scalar(select(ServiceItem.code).where(ServiceItem.process_key == key).limit(1))
    if item is not None:
        raise Conflict("Process %(key)s runs the service item %(item)s: its cases start when the window "
                       "accepts an application", key=repr(key), item=item)
    item_processes = select(ServiceItem.process_key).where(ServiceItem.process_key.is_not(None))
    for caller, spec in session.execute(select(Definition.key, Definition.spec).where(
            Definition.kind == "bpmn", Definition.key.in_(item_processes))):
        if key in (spec or {}).get("subprocess_specs", {}):
            raise Conflict("Process %(key)s is called by %(caller)s, a service item's procedure: it runs "
                           "inside that procedure's cases", key=repr(key), caller=repr(caller))
    if business_key and session.scalar(select(Case.id).where(Case.number == business_key)) is not None:
        raise Conflict("Business key %(key)s is a case's number: a case's procedure starts at the window",
                       key=repr(business_key))


def start_in(session: Session, key: str, actor: User | None, *, version: int | None = None,
             business_key: str | None = None, data: dict | None = None, case=None):
    """Start inside the caller's transaction (acceptance starts the procedure with the notice).
    The `case` it runs for is linked to it before its first steps open: they may need it (a
    step's clock names the item, a step may issue the applicant a notice)."""
    definition = find_definition(session, key, version)
    if definition.suspended:
        raise Conflict("Process %(key)s version %(version)s is suspended", key=repr(key), version=definition.version)
    instance = Instance(definition=definition, key=key, version=definition.version,
                        business_key=business_key, started_by=actor.id if actor else None,
                        workflow_state={})
    session.add(instance)
    session.flush()
    if case is not None:
        case.instance_id = instance.id
    record(session, "instance_started", actor=actor, instance_id=instance.id,
           key=key, version=definition.version, business_key=business_key, data=data or {})
    loaded = runtime.new_workflow(definition, data)
    with rules.in_force_at(instance.created_at):
        run_step(session, instance, loaded, actor)
    return instance, loaded


def advance(target, actor: User | None, change, *, check=None) -> dict:
    """Run `change(session, instance, workflow)` as one serialised step on the instance.

    `target` is the instance's id, or a function of the session that finds and locks the
    instance (a task's, found with the task in one query), so the lookup shares the step's
    transaction.
    """
    instance_id = None if callable(target) else target
    try:
        with session_scope() as session:
            instance = target(session) if callable(target) else lock_instance(session, target)
            instance_id = instance.id
            result, loaded = advance_in(session, instance, actor, change, check=check)
    except EngineFailure as exc:
        record_incident(instance_id, actor, exc)
        raise
    runtime.remember(instance_id, result["revision"], loaded)
    return result


def record_incident(instance_id: int, actor: User | None, exc: Exception) -> None:
    """The step was rolled back; what went wrong is kept on the case, in its own transaction."""
    with session_scope() as session:
        instance = session.get(Instance, instance_id)
        if instance is not None:
            instance.error = str(exc)[:4000]
            record(session, "incident", actor=actor, instance_id=instance_id, message=str(exc)[:4000])


def lock_instance(session: Session, instance_id: int) -> Instance:
    """The instance row, held against other steps until the transaction ends."""
    instance = locked(session, Instance, instance_id)
    if instance is None:
        raise NotFound("No instance %(instance)s", instance=instance_id)
    return instance


def advance_in(session: Session, instance: Instance, actor: User | None, change, *, check=None):
    """The step on a locked instance, inside a transaction the caller owns (the timer tick fires
    and marks in one)."""
    instance_id = instance.id
    if check is not None:
        check(session, instance)
    if instance.state != "running":
        raise Conflict("Instance %(instance)s is %(state)s", instance=instance_id, state=state_name(instance.state))
    loaded = runtime.load(session, instance)
    try:
        with rules.in_force_at(instance.created_at):  # the case's rules are those it started under
            with procedure_faults():
                change(session, instance, loaded.workflow)
            run_step(session, instance, loaded, actor)
    except StaleDataError as exc:
        runtime.forget(instance_id)
        raise Conflict("Instance %(instance)s was changed by someone else; reload and retry",
                       instance=instance_id) from exc
    except BaseException:
        runtime.forget(instance_id)
        raise
    return _describe(session, instance), loaded


@contextmanager
def procedure_faults():
    """A procedure's own fault becomes an EngineFailure: its step is refused, its case keeps
    waiting with an incident. The library, and what a procedure's values give the product (a
    timer that is no ISO date, a limit that is no number), fail with plain errors, which would
    otherwise be the server's; the database's errors stay what they are."""
    try:
        yield
    except (ShenpiError, SQLAlchemyError):
        raise
    except WorkflowException as exc:
        step = getattr(exc, "task_spec", None) and exc.task_spec.name or "?"
        cause = expressions.found_in(exc)
        if cause is not None:  # what was wrong with the expression, not only that it failed
            raise EngineFailure("The procedure failed at %(step)s: %(error)s: %(cause)s", step=step,
                                error=str(exc).strip().rstrip("."), cause=cause.message) from exc
        raise EngineFailure("The procedure failed at %(step)s: %(error)s", step=step, error=str(exc)) from exc
    except Exception as exc:
        # Logged whole: a fault of the product's own code would be recorded the same way.
        log.warning("a step failed with a plain error, kept as an incident", exc_info=True)
        raise EngineFailure("The procedure failed: %(error)s", error=f"{type(exc).__name__}: {exc}") from exc


def run_step(session: Session, instance: Instance, loaded: persistence.Loaded, actor: User | None):
    """After a change to the workflow: run it on, bring the task and timer tables up to date, save."""
    workflow = loaded.workflow
    with procedure_faults():
        open_tasks = runtime.run_engine(workflow, loaded.open_tasks)
        sync_tasks(session, instance, loaded, open_tasks, actor)
        loaded.has_timers = timers.sync_bpmn_timers(session, instance.id, open_tasks, loaded.has_timers)
    persistence.save(session, instance, loaded)
    instance.updated_at = datetime.now(timezone.utc)
    if workflow.completed and instance.state == "running":
        instance.state = "completed"
        instance.ended_at = instance.updated_at
        record(session, "instance_completed", actor=actor, instance_id=instance.id)
        from engine import decisions  # the case behind the procedure, if any, is decided now
        decisions.procedure_completed(session, instance, actor)
    session.flush()


def sync_tasks(session: Session, instance: Instance, loaded: persistence.Loaded, open_tasks,
               actor: User | None) -> None:
    """Make the task table say which user tasks are open, without anyone loading workflows.

    `open_tasks` holds at least the workflow's unfinished tasks, oldest first. What the table
    holds is known from the last save (Loaded.task_rows): rows are read only to cancel or
    reopen them.
    """
    from engine import orchestrator
    ready = {str(t.id): t for t in runtime.ready_user_tasks(open_tasks)}
    known, ready_rows = _task_rows(session, instance, loaded)
    closing = sorted(ready_rows - ready.keys(), key=known.get)
    # Tasks sent back or withdrawn reopen under their old row, for the person who had them.
    reopening = [spiff_id for spiff_id in ready if spiff_id not in ready_rows and spiff_id in known]
    ids = [known[spiff_id] for spiff_id in closing + reopening]
    rows = {row.spiff_id: row for row in session.scalars(_ROWS, {"ids": ids})} if ids else {}
    for spiff_id in closing:
        row = rows[spiff_id]
        if row.state != "ready":  # the step closed it itself (completed, sent back)
            continue
        row.state = "cancelled"
        orchestrator.task_closed(session, instance, row, None, actor)
        record(session, "task_cancelled", actor=actor, instance_id=instance.id, task_id=row.id,
               task=row.name)
    opened = []
    for spiff_id, task in ready.items():
        if spiff_id in ready_rows:
            continue
        row = rows.get(spiff_id)
        if row is None:
            spec = task.task_spec
            row = Task(instance_id=instance.id, spiff_id=spiff_id, name=getattr(spec, "bpmn_id", None) or spec.name,
                       title=getattr(spec, "bpmn_name", None) or spec.name,
                       group=runtime.lane_group(spec), form=runtime.form_of(spec))
            session.add(row)
        else:
            row.state, row.assignee_id, row.completed_at = "ready", row.completed_by or row.assignee_id, None
            row.completed_by = None
        orchestrator.place(row, task)
        opened.append((row, task, spiff_id in known))
    loaded.ready_rows = set(ready)
    if not opened:
        return
    session.flush()  # one INSERT for every new row: their ids go into the events
    known.update((row.spiff_id, row.id) for row, _task, _again in opened)
    record_all(session, [event_row("task_reopened" if again else "task_created", actor=actor,
                                   instance_id=instance.id, task_id=row.id, task=row.name, group=row.group)
                         for row, _task, again in opened])
    for row, task, _again in opened:
        orchestrator.task_opened(session, instance, row, task, actor)


_ROWS = select(Task).where(Task.id.in_(bindparam("ids", expanding=True)))
_CASE_ROWS = select(Task.spiff_id, Task.id, Task.state).where(Task.instance_id == bindparam("instance_id"))


def _task_rows(session: Session, instance: Instance, loaded: persistence.Loaded) -> tuple[dict, set]:
    """spiff id -> row id of every task row of the case, and the spiff ids of its ready rows,
    less those this step has closed itself so far (the task completed, sent back)."""
    if loaded.task_rows is None:  # the workflow was rebuilt: the table is read once
        found = session.execute(_CASE_ROWS, {"instance_id": instance.id}).all()
        loaded.task_rows = {row.spiff_id: row.id for row in found}
        loaded.ready_rows = {row.spiff_id for row in found if row.state == "ready"}
    closed_here = {obj.spiff_id for obj in session.identity_map.values()
                   if isinstance(obj, Task) and obj.instance_id == instance.id and obj.state != "ready"}
    return loaded.task_rows, loaded.ready_rows - closed_here


def spiff_task(workflow, spiff_id: str):
    task = workflow.get_task_from_id(UUID(spiff_id))
    if task is None:
        raise Conflict("The task no longer exists in the procedure")
    return task


# A step passed on (转办, 退回) is one the person handled, though someone else finishes it.
PASSED_ON = {"task_transferred": "transferred", "task_returned": "returned"}


def can_view(session: Session, actor: User, instance: Instance) -> bool:
    """Supervisors, clerks and admins see every case; others the cases their groups work on, and
    those they were told of or passed a step of on. An agent sees none this way: the cases they
    filed, as the applicant would (progress.visible_case)."""
    if any(actor.has_role(r) for r in ("admin", "supervisor", "clerk")) or instance.started_by == actor.id:
        return True
    if only_as_filer(actor):
        return False
    if told_of(session, actor, instance.id) or passed_on(session, actor, instance.id):
        return True
    return session.scalar(select(Task.id).where(  # a head's step is its department's to see, not to take
        Task.instance_id == instance.id,
        workable(actor) | Task.group.in_(sorted(actor.groups)) | (Task.assignee_id == actor.id)
        | (Task.completed_by == actor.id)
    ).limit(1)) is not None


def passed_on(session: Session, actor: User, instance_id: int, task_id: int | None = None) -> bool:
    """Whether the person transferred or sent back a step of the case (this step, if given)."""
    query = select(Event.id).where(Event.actor_id == actor.id, Event.type.in_(PASSED_ON),
                                   Event.instance_id == instance_id)
    if task_id is not None:
        query = query.where(Event.task_id == task_id)
    return session.scalar(query.limit(1)) is not None


def told_of(session: Session, actor: User, instance_id: int) -> bool:
    """Copied to (抄送), urged or warned by the clock about this case: the person may read it."""
    return session.scalar(select(Notification.id).where(Notification.user_id == actor.id,
                                                        Notification.instance_id == instance_id)
                          .limit(1)) is not None


def watches(session: Session, actor: User, instance_id: int) -> bool:
    """Whether the person watches the case's time (案件时限): a supervisor any case, a department's
    head one their department has a limit on, though it holds none of the case's steps."""
    if actor.has_role("supervisor"):
        return True
    department = actor.department.code if actor.department is not None else None
    return actor.has_role("lead") and department is not None and session.scalar(
        select(Clock.id).where(Clock.instance_id == instance_id, Clock.department == department).limit(1)) is not None


def visible_instance(session: Session, instance_id: int, actor: User) -> Instance:
    instance = fetch(session, Instance, instance_id, "instance")
    if not can_view(session, actor, instance):
        raise Forbidden("This case belongs to other departments")
    return instance


def get_instance(instance_id: int, actor: User) -> dict:
    """The case's instance with its events. Its state is `error` while one of its timers has
    failed for good and waits for an administrator (an incident, GET /api/timers/incidents): the
    branch behind that timer is stuck, though its other steps go on."""
    with read_session() as session:  # reading takes no write lock
        instance = visible_instance(session, instance_id, actor)
        result = _describe(session, instance)
        failed = session.execute(select(Timer.id, Timer.kind, Timer.last_error).where(
            Timer.instance_id == instance_id, Timer.state == "incident").order_by(Timer.id)).all()
        # What failed is the administrator's to read (GET /api/timers/incidents), not every viewer's.
        result["incidents"] = [{"timer_id": t.id, "kind": t.kind,
                                **({"error": t.last_error} if actor.has_role("admin") else {})} for t in failed]
        if failed and instance.state == "running":
            result["state"] = "error"
        events = session.scalars(select(Event).where(Event.instance_id == instance_id)
                                 .order_by(Event.id)).all()
        result["events"] = [describe_event(e) for e in events]
        return result


def _describe(session: Session, instance: Instance) -> dict:
    rows = session.execute(CASE_TASKS, {"instance_id": instance.id})
    return {"id": instance.id, "key": instance.key, "version": instance.version,
            "business_key": instance.business_key, "state": instance.state,
            "data": instance.data, "revision": instance.revision,
            "tasks": [summary(row, row.assignee) for row in rows]}
