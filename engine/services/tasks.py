"""Claiming and completing user tasks."""
from datetime import datetime, timezone

from sqlalchemy import JSON, DateTime, Integer, bindparam, insert, literal, select, update

from engine import forms
from engine.bpmn import runtime
from engine.errors import Conflict, Forbidden, Invalid, Message, NotFound, state_name, whole
from engine.store import session_scope
from engine.store.db import autocommit, fetch, read_session, uses_postgres
from engine.store.models import MAX_ROW_ID, Definition, Event, Instance, Task, User

from . import cases
from .events import record
from .lanes import IN_LANE, lane_params, may_work_on, workable
from .task_views import SUMMARY, describe_task, summary, task_label

STATES = ("ready", "completed", "cancelled")
LISTED = 500  # the most tasks a list gives at once (GET /api/tasks pages on with after=)
_tasks = Task.__table__


def list_tasks(actor: User, *, assignee: str | None = None, group: str | None = None,
               state: str | None = "ready", instance_id: int | None = None, after: int = 0,
               limit: int = LISTED) -> list[dict]:
    """The tasks the actor may see, by id: at most `limit` after the task `after` (the last id of
    the page before, 0 for the first page)."""
    if state is not None and state not in STATES:
        raise Invalid("state must be one of %(states)s", states=", ".join(STATES))
    if instance_id is not None and not whole(instance_id, 0, MAX_ROW_ID):
        raise Invalid("instance_id must be a whole number up to %(max)s", max=MAX_ROW_ID)
    if not whole(after, 0, MAX_ROW_ID):
        raise Invalid("after is the last task id of the page before, a whole number from 0 to %(max)s",
                      max=MAX_ROW_ID)
    if not whole(limit, 1, LISTED):
        raise Invalid("limit is a whole number from 1 to %(max)s", max=LISTED)
    with read_session() as session:  # a listing takes no write lock
        query = SUMMARY.where(Task.id > after).order_by(Task.id)
        if state:
            query = query.where(Task.state == state)
        if instance_id is not None:
            query = query.where(Task.instance_id == instance_id)
        if group:
            query = query.where(Task.group == group)
        if assignee:
            query = query.where(User.login == assignee)
        if not (actor.has_role("admin") or actor.has_role("supervisor")):
            query = query.where(workable(actor) | (Task.assignee_id == actor.id) | (Task.completed_by == actor.id))
        return [summary(row, row.assignee) for row in session.execute(query.limit(limit))]


def require_lane(actor: User, task: Task) -> None:
    if not may_work_on(actor, task):
        if task.lead_only and task.group in actor.groups:
            raise Forbidden("This step is decided by the department's head (the lead role)")
        raise Forbidden("This task belongs to another group")


def task_for(session, task_id: int, actor: User) -> Task:
    task = fetch(session, Task, task_id, "task")
    require_lane(actor, task)
    return task


# Statements built once: building one costs more than running it. Of two reviewers claiming at
# once exactly one matches the row.
_CLAIM = update(_tasks).where(
    _tasks.c.id == bindparam("task_id"), _tasks.c.state == "ready", _tasks.c.assignee_id.is_(None), IN_LANE,
    select(Instance.id).where(Instance.id == _tasks.c.instance_id, Instance.state == "running").exists(),
).values(assignee_id=bindparam("actor_id"), claimed_at=bindparam("at")).returning(
    *(c for c in SUMMARY.selected_columns if c.name != "assignee"))
# On PostgreSQL the claim and its event are one statement that commits on its own: one round
# trip instead of four (BEGIN, UPDATE, INSERT, COMMIT). SQLite has no UPDATE inside WITH.
_claimed = _CLAIM.cte("claimed")
_CLAIM_RECORDED = select(_claimed).add_cte(insert(Event.__table__).from_select(
    ["type", "actor_id", "instance_id", "task_id", "at", "data"],
    select(literal("task_claimed"), bindparam("actor_id", type_=Integer), _claimed.c.instance_id, _claimed.c.id,
           bindparam("at", type_=DateTime(timezone=True)), literal({}, JSON)),
).cte("recorded"))


def claim(task_id: int, actor: User) -> dict:
    params = {"task_id": task_id, "actor_id": actor.id, "at": datetime.now(timezone.utc), **lane_params(actor)}
    if uses_postgres():
        with autocommit() as connection:
            won = connection.execute(_CLAIM_RECORDED, params).first()
    else:
        with session_scope() as session:
            won = session.execute(_CLAIM, params).first()
            if won is not None:
                record(session, "task_claimed", actor=actor, instance_id=won.instance_id, task_id=task_id)
    if won is None:
        return _claim_refused(task_id, actor)
    return summary(won, actor.login)


def _claim_refused(task_id: int, actor: User) -> dict:
    """Why the claim matched nothing; a task the actor already holds is no error."""
    with read_session() as session:
        task = task_for(session, task_id, actor)
        state = session.scalar(select(Instance.state).where(Instance.id == task.instance_id))
        if state != "running":
            raise Conflict("The case is %(state)s; its tasks wait", state=state_name(state))
        if task.state == "ready" and task.assignee_id == actor.id:
            return describe_task(task)
        if task.state != "ready":
            raise Conflict("Task %(task)s is %(state)s", task=task_label(task), state=state_name(task.state))
        if task.assignee is None:  # released since the claim was tried
            raise Conflict("Task %(task)s was released just now; claim it again", task=task_label(task))
        raise Conflict("Task %(task)s is held by %(holder)s", task=task_label(task), holder=task.assignee.known_as)


def unclaim(task_id: int, actor: User) -> dict:
    with session_scope() as session:
        task = task_for(session, task_id, actor)
        if task.state != "ready":
            raise Conflict("Task %(task)s is %(state)s", task=task_label(task), state=state_name(task.state))
        if task.assignee_id is None:
            return describe_task(task)
        if task.assignee_id != actor.id and not actor.has_role("admin"):
            raise Conflict("Task %(task)s is held by %(holder)s", task=task_label(task), holder=task.assignee.known_as)
        session.execute(update(Task).where(Task.id == task_id).values(assignee_id=None, claimed_at=None))
        record(session, "task_unclaimed", actor=actor, instance_id=task.instance_id, task_id=task_id)
        session.refresh(task)
        return describe_task(task)


def form_schema(session, task: Task) -> dict | None:
    if not task.form:
        return None
    # Only the forms: the row also holds the BPMN source and the parsed spec.
    by_name = session.scalar(select(Definition.forms).join(Instance, Instance.definition_id == Definition.id)
                             .where(Instance.id == task.instance_id))
    return (by_name or {}).get(task.form)


CASE_ENDED = Message("The case has ended (withdrawn or terminated); its open tasks were cancelled")
# The data key a completed step's group is given under, for the procedure's scripts.
HANDLED_BY = "handled_by"


def run_done(workflow, task: Task, data: dict) -> None:
    """Run the step's workflow task with its data, telling the procedure which group did it:
    after a 转办, not the lane it opened in (a review round asks that group again)."""
    runtime.run_user_task(workflow, task.spiff_id, {**data, HANDLED_BY: task.group})


def complete(task_id: int, actor: User, data: dict | None, documents: list | None = None) -> dict:
    """Complete a claimed, ready task with its form data and, where the step needs one, its
    result document (engine.intake.Upload objects; stored before the step, kept by checksum)."""
    from engine import files, orchestrator
    data = cases.check_data(data)

    def check(session, task):
        require_lane(actor, task)
        if task.state == "cancelled" and session.get(Instance, task.instance_id).state == "terminated":
            raise Conflict(CASE_ENDED)  # a stale page sent with its file: said as a step says it
        if task.state != "ready":
            raise Conflict("Task %(task)s is %(state)s, not ready", task=task_label(task), state=state_name(task.state))
        if task.assignee_id is not None and task.assignee_id != actor.id:
            raise Conflict("Task %(task)s is held by %(holder)s", task=task_label(task), holder=task.assignee.known_as)
        if task.assignee_id != actor.id:
            raise Conflict("Task %(task)s must be claimed by you before it is completed", task=task_label(task))
        schema = form_schema(session, task)
        if schema is not None:
            forms.check(schema, data, Message("The form data is not valid"))

    if documents:  # refused before any file is stored, as the step would refuse it (checked again there)
        with read_session() as session:
            check(session, fetch(session, Task, task_id, "task"))
    stored = [(doc.filename, *files.store(doc.content, doc.filename)) for doc in documents or ()]

    def change(session, instance, workflow, task):
        spiff = cases.spiff_task(workflow, task.spiff_id)
        for filename, sha, size in stored:
            orchestrator.attach_document(session, instance.id, task, filename, sha, size, actor)
        orchestrator.ready_to_close(session, instance.id, task, spiff, data)
        before = dict(spiff.data)
        run_done(workflow, task, data)
        task.state, task.completed_by = "completed", actor.id
        task.completed_at = datetime.now(timezone.utc)
        orchestrator.task_closed(session, instance, task, spiff, actor)
        changed = {k: v for k, v in data.items() if before.get(k, object()) != v}
        record(session, "task_completed", actor=actor, instance_id=instance.id, task_id=task.id,
               task=task.name, changed=changed, submitted=data)

    return task_step(task_id, actor, change, check=check)


def task_step(task_id: int, actor: User, change, *, check=None) -> dict:
    """A step on a task's case. The task and its instance, locked against other steps, are read
    in one query; whether the actor works in the task's lane is asked first (the case's state is
    not told to anyone else), then check(session, task), before anything changes, then
    change(session, instance, workflow, task)."""
    found = {}

    def lock(session) -> Instance:
        row = session.execute(_LOCK_TASK, {"task_id": task_id}).first()
        if row is None:
            raise NotFound("No task %(task)s", task=task_id)
        instance, found["task"] = row
        return instance

    def checked(session, instance):
        require_lane(actor, found["task"])
        if instance.state == "terminated":  # a stale page: say why the task went, not only that it did
            raise Conflict(CASE_ENDED)
        if check is not None:
            check(session, found["task"])

    def changed(session, instance, workflow):
        change(session, instance, workflow, found["task"])

    return cases.advance(lock, actor, changed, check=checked)


# FOR NO KEY UPDATE, as in store.db.locked; SQLite leaves it out: its write transaction already
# holds other steps off.
_LOCK_TASK = select(Instance, Task).join(Task, Task.instance_id == Instance.id).where(
    Task.id == bindparam("task_id")).with_for_update(of=Instance, key_share=True)
