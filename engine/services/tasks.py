"""Claiming and completing user tasks."""
from datetime import datetime, timezone

from sqlalchemy import select, update

from engine import forms
from engine.bpmn import runtime
from engine.errors import Conflict, Forbidden, Invalid, NotFound
from engine.store import session_scope
from engine.store.db import fetch
from engine.store.models import Definition, Instance, Task, User

from . import cases
from .events import record

STATES = ("ready", "completed", "cancelled")


def describe_task(task: Task) -> dict:
    return {"id": task.id, "instance_id": task.instance_id, "name": task.name, "title": task.title,
            "group": task.group, "assignee": task.assignee.login if task.assignee else None,
            "state": task.state, "form": task.form,
            "created_at": task.created_at.isoformat() if task.created_at else None,
            "due_at": task.due_at.isoformat() if task.due_at else None}


def may_work_on(actor: User, task: Task) -> bool:
    """Lane = group. A task outside any lane is open to every reviewer."""
    if actor.has_role("admin"):
        return True
    if task.group is None:
        return actor.has_role("reviewer") or actor.has_role("lead")
    return task.group in actor.groups


def list_tasks(actor: User, *, assignee: str | None = None, group: str | None = None,
               state: str | None = "ready", instance_id: int | None = None) -> list[dict]:
    if state is not None and state not in STATES:
        raise Invalid(f"state must be one of {', '.join(STATES)}")
    with session_scope() as session:
        query = select(Task).order_by(Task.due_at.is_(None), Task.due_at, Task.id)
        if state:
            query = query.where(Task.state == state)
        if instance_id is not None:
            query = query.where(Task.instance_id == instance_id)
        if group:
            query = query.where(Task.group == group)
        if assignee:
            query = query.join(User, Task.assignee_id == User.id).where(User.login == assignee)
        if not (actor.has_role("admin") or actor.has_role("supervisor")):
            visible = Task.group.in_(list(actor.groups)) | (Task.assignee_id == actor.id) | (
                Task.completed_by == actor.id)
            if actor.has_role("reviewer") or actor.has_role("lead"):
                visible = visible | Task.group.is_(None)
            query = query.where(visible)
        return [describe_task(t) for t in session.scalars(query.limit(1000))]


def task_for(session, task_id: int, actor: User) -> Task:
    task = fetch(session, Task, task_id, "task")
    if not may_work_on(actor, task):
        raise Forbidden("This task belongs to another group")
    return task


def claim(task_id: int, actor: User) -> dict:
    with session_scope() as session:
        task = task_for(session, task_id, actor)
        running = select(Instance.id).where(Instance.id == Task.instance_id, Instance.state == "running")
        # One conditional UPDATE: of two reviewers claiming at once exactly one matches the row.
        won = session.execute(
            update(Task).where(Task.id == task_id, Task.state == "ready", Task.assignee_id.is_(None),
                               running.exists())
            .values(assignee_id=actor.id, claimed_at=datetime.now(timezone.utc))).rowcount
        if not won:
            state = session.scalar(select(Instance.state).where(Instance.id == task.instance_id))
            if state != "running":
                raise Conflict(f"The case is {state}; its tasks wait")
            session.refresh(task)
            if task.state == "ready" and task.assignee_id == actor.id:
                return describe_task(task)
            holder = task.assignee.login if task.assignee else None
            raise Conflict(f"Task {task_id} is {'held by ' + holder if holder else task.state}")
        record(session, "task_claimed", actor=actor, instance_id=task.instance_id, task_id=task_id)
        return {**describe_task(task), "assignee": actor.login}


def unclaim(task_id: int, actor: User) -> dict:
    with session_scope() as session:
        task = task_for(session, task_id, actor)
        if task.state != "ready":
            raise Conflict(f"Task {task_id} is {task.state}")
        if task.assignee_id is None:
            return describe_task(task)
        if task.assignee_id != actor.id and not actor.has_role("admin"):
            raise Conflict(f"Task {task_id} is held by {task.assignee.login}")
        session.execute(update(Task).where(Task.id == task_id).values(assignee_id=None, claimed_at=None))
        record(session, "task_unclaimed", actor=actor, instance_id=task.instance_id, task_id=task_id)
        session.refresh(task)
        return describe_task(task)


def form_schema(session, task: Task) -> dict | None:
    if not task.form:
        return None
    definition = session.scalar(select(Definition).join(Instance, Instance.definition_id == Definition.id)
                                .where(Instance.id == task.instance_id))
    return (definition.forms or {}).get(task.form)


def complete(task_id: int, actor: User, data: dict | None, documents: list | None = None) -> dict:
    """Complete a claimed, ready task with its form data and, where the step needs one, its
    result document (engine.intake.Upload objects; stored before the step, kept by checksum)."""
    from engine import files, orchestrator
    data = data or {}
    if not isinstance(data, dict):
        raise Invalid("data must be a JSON object")
    stored = [(doc.filename, *files.store(doc.content)) for doc in documents or ()]
    state = {}

    def check(session, instance):
        task = task_for(session, task_id, actor)
        if task.state != "ready":
            raise Conflict(f"Task {task_id} is {task.state}, not ready")
        if task.assignee_id != actor.id:
            raise Conflict(f"Task {task_id} must be claimed by you before it is completed")
        schema = form_schema(session, task)
        if schema is not None:
            forms.check(schema, data, "The form data is not valid")
        state["task"] = task

    def change(session, instance, workflow):
        task = state["task"]
        spiff = cases.spiff_task(workflow, task.spiff_id)
        for filename, sha, size in stored:
            orchestrator.attach_document(session, instance.id, task, filename, sha, size, actor)
        orchestrator.require_document(session, instance.id, task, spiff, data)
        before = dict(spiff.data)
        runtime.run_user_task(workflow, task.spiff_id, data)
        task.state, task.completed_by = "completed", actor.id
        task.completed_at = datetime.now(timezone.utc)
        orchestrator.task_closed(session, instance, task, spiff, actor)
        changed = {k: v for k, v in data.items() if before.get(k, object()) != v}
        record(session, "task_completed", actor=actor, instance_id=instance.id, task_id=task.id,
               task=task.name, changed=changed)

    return cases.advance(lambda session: instance_of(session, task_id), actor, change, check=check)


def instance_of(session, task_id: int) -> int:
    instance_id = session.scalar(select(Task.instance_id).where(Task.id == task_id))
    if instance_id is None:
        raise NotFound(f"No task {task_id}")
    return instance_id
