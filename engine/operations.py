"""The Chinese approval operations on department tasks, defined once for every procedure:
转办 transfer, 退回 send back (to the previous step, also inside a parallel branch, or to the
window), 撤回 withdraw, 催办 urge, 抄送 copy to, and approval opinions as comments.

Each is one function and one transaction that checks who may do it and records an event.
Those that move the procedure (send back, withdraw) run as a step on the instance, so they
are serialised with every other step on the case.
"""
import re
from datetime import datetime, timedelta, timezone

from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import MultiInstanceTask
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import String, cast, or_, select

from engine.bpmn import runtime
from engine.clock import limits
from engine.errors import Conflict, Forbidden, Invalid, Message, state_name
from engine.services import cases
from engine.services.events import record
from engine.services.notifications import tell
from engine.services.task_views import describe_task, task_label
from engine.services.lanes import may_be_sent, may_work_on
from engine.services.tasks import require_lane, run_done, task_for, task_step
from engine.services.users import only_as_filer, require, works_steps
from engine.store import session_scope
from engine.store.db import fetch, read_session
from engine.store.models import Department, Event, Instance, Task, User

CORRECTION = "correction_needed"
TARGETS = ("previous", "window")  # where a step is sent back to, in the order a page offers them
MAX_REASON = 500  # a reason, an urging, a note: what a notification and a history line carry
URGE_AGAIN_AFTER = timedelta(hours=2)  # one person's urging of one step, at most so often


def _ready(task: Task, actor: User) -> Task:
    """The task, if the actor may act on it now: ready, in their lane, held by nobody else."""
    require_lane(actor, task)
    if task.state != "ready":
        raise Conflict("Task %(task)s is %(state)s", task=task_label(task), state=state_name(task.state))
    if task.assignee_id not in (None, actor.id) and not actor.has_role("lead"):
        raise Conflict("Task %(task)s is held by %(holder)s", task=task_label(task), holder=task.assignee.known_as)
    return task


def _not_cancelled(task: Task) -> Task:
    """A cancelled step (its case withdrawn or ended, its branch cut short) takes no more copies or notes."""
    if task.state == "cancelled":
        raise Conflict("Task %(task)s was cancelled: nothing more is added to it", task=task_label(task))
    return task


def _notify(session, users, task: Task, message: Message) -> None:
    tell(session, [user.id for user in users], task.instance_id, task.id, message)


def _members(session, group: str) -> list[User]:
    # Roles are a JSON list: matching its text narrows the rows in SQL, `groups` decides exactly.
    query = select(User).outerjoin(Department, User.department_id == Department.id).where(
        User.active.is_(True),
        or_(Department.code == group, cast(User.roles, String).contains(f'"{group}"', autoescape=True)))
    # By login: who was told is recorded in one order on every database.
    return [u for u in session.scalars(query.order_by(User.login)) if group in u.groups]


def _person(session, text: str, group: str | None = None) -> User:
    """The active person a page names: by login, or by name as the people list shows it ("赵磊",
    "赵磊 · 住建局", "住建局 赵磊"); a name several people share is refused, not guessed, unless
    the department chosen beside it tells them apart."""
    found = session.scalar(select(User).where(User.login == text, User.active.is_(True)))
    if found is not None:
        return found
    # The whole text as a name first: a name may have a space or a · in it (买买提·艾力, Li Wei).
    named = list(session.scalars(select(User).where(User.active.is_(True), User.name == text.strip())))
    if not named:
        parts = set(filter(None, re.split(r"[\s·・,，]+", text)))
        named = [u for u in session.scalars(select(User).where(User.active.is_(True), User.name.in_(parts)))
                 if parts <= {u.name, *_department_names(u)}]
    if len(named) > 1 and group:
        named = [u for u in named if group in u.groups] or named
    if not named:
        raise Invalid("No active user %(login)s", login=repr(text))
    if len(named) > 1:
        raise Invalid("%(name)s names several people (%(logins)s); choose one by login", name=repr(text),
                      logins=", ".join(sorted(u.login for u in named)))
    return named[0]


def _department_names(user: User) -> set[str]:
    return {user.department.code, user.department.name} if user.department else set()


def _reason(reason: str, missing: Message = Message("Give the reason")) -> str:
    """The text given, trimmed; `missing` says what an empty one lacks, in the form's own words."""
    if not reason or not reason.strip():
        raise Invalid(missing)
    if len(reason.strip()) > MAX_REASON:
        raise Invalid("At most %(max)s characters, please", max=MAX_REASON)
    return reason.strip()


def transfer(task_id: int, actor: User, *, to_group: str | None = None, to_user: str | None = None,
             reason: str) -> dict:
    """转办: the task goes to another department or person, with its deadline unchanged."""
    with session_scope() as session:
        task = fetch(session, Task, task_id, "task")
        # Its case held first, as a step holds it: a suspension, a withdrawal or a completion
        # under way finishes before the task is read again and moved.
        state = cases.lock_instance(session, task.instance_id).state
        session.refresh(task)
        _ready(task, actor)  # may they, before what they sent
        if state != "running":  # a suspended case's tasks wait where they are, as for a claim
            raise Conflict("The case is %(state)s; its tasks wait", state=state_name(state))
        reason = _reason(reason)
        target = None
        if to_user:
            target = _person(session, to_user, to_group)
            if not works_steps(target):
                raise Invalid("%(login)s works on no department's steps", login=target.login)
            to_group = to_group or (target.department.code if target.department else None)
            if to_group not in target.groups:
                raise Invalid("%(login)s is not in group %(group)s", login=target.login, group=repr(to_group))
        if not to_group:
            raise Invalid("Name the department (to_group) or the person (to_user) to transfer to")
        members = _members(session, to_group)
        if not members and not session.scalar(select(Department.id).where(Department.code == to_group)):
            raise Invalid("No department or group %(group)s", group=repr(to_group))
        if target is not None and not may_be_sent(target, to_group, task.lead_only):
            raise Invalid("%(login)s cannot take this step: it is decided by a department head", login=target.login)
        if target is None and not any(may_be_sent(u, to_group, task.lead_only) for u in members):
            raise Invalid("No one in %(group)s can take this step", group=repr(to_group))
        before = task.group
        task.group, task.assignee, task.claimed_at = to_group, target, None
        for step in limits.step_clocks(session, task.id):
            step.department = to_group
        _notify(session, [target] if target else members, task,
                Message("Transferred to you: %(task)s (%(by)s: %(reason)s)", task=task.title, by=actor.name,
                        reason=reason))
        record(session, "task_transferred", actor=actor, instance_id=task.instance_id, task_id=task.id,
               from_group=before, to_group=to_group, to_user=target.login if target else None, reason=reason)
        return describe_task(task)


def urge(task_id: int, actor: User, message: str) -> int:
    """催办: the holder, or the whole department if nobody holds it, is reminded."""
    require(actor, "lead", "supervisor", "clerk")
    message = _reason(message, Message("Write what the urging says"))
    with session_scope() as session:
        task = fetch(session, Task, task_id, "task")
        # Before anything is told of the task. A head urges from the case's 案件时限 any step of a
        # case their department has a limit on, though another department's step is not theirs to read.
        if not cases.watches(session, actor, task.instance_id):
            cases.visible_instance(session, task.instance_id, actor)
        if task.state != "ready":
            raise Conflict("Task %(task)s is not open", task=task_label(task))
        if task.assignee_id == actor.id:
            raise Conflict("Task %(task)s is yours: there is no one to urge", task=task_label(task))
        since = datetime.now(timezone.utc) - URGE_AGAIN_AFTER
        if session.scalar(select(Event.id).where(Event.task_id == task.id, Event.type == "task_urged",
                                                 Event.actor_id == actor.id, Event.at > since).limit(1)):
            raise Conflict("You urged %(task)s less than %(hours)s hours ago; it has been told",
                           task=task_label(task), hours=int(URGE_AGAIN_AFTER.total_seconds() // 3600))
        people = [task.assignee] if task.assignee else _members(session, task.group or "")
        _notify(session, people, task, Message("Urged: %(task)s (%(by)s: %(message)s)", task=task.title,
                                               by=actor.name, message=message))
        record(session, "task_urged", actor=actor, instance_id=task.instance_id, task_id=task.id,
               message=message, notified=[p.login for p in people])
        return len(people)


def copy_to(task_id: int, actor: User, logins: list[str], note: str = "") -> list[str]:
    """抄送: others are told of the task and may read the case."""
    if not logins:
        raise Invalid("Name at least one person to copy to")
    with session_scope() as session:
        task = _not_cancelled(task_for(session, task_id, actor))
        people = {p.login: p for p in (_person(session, text) for text in logins)}  # by login or by name
        for person in people.values():
            if only_as_filer(person):  # an agent, a designer: a copy would open the case to them
                raise Invalid("%(login)s reads no department's cases: copy to the window, a department or "
                              "supervision", login=person.login)
        _notify(session, people.values(), task, Message("Copied to you: %(task)s (%(by)s) %(note)s", task=task.title,
                                                        by=actor.name, note=note))
        record(session, "task_copied", actor=actor, instance_id=task.instance_id, task_id=task.id,
               to=sorted(people), note=note)
        return sorted(people)


def comment(task_id: int, actor: User, text: str) -> dict:
    """审批意见: an opinion on a task, kept in the case's history."""
    if not text or not text.strip():
        raise Invalid("Write the comment")
    text = text.strip()
    with session_scope() as session:
        task = fetch(session, Task, task_id, "task")
        if not (may_work_on(actor, task) or cases.can_view(session, actor, session.get(Instance, task.instance_id))):
            raise Forbidden("This case belongs to other departments")
        _not_cancelled(task)
        event_id = record(session, "comment", actor=actor, instance_id=task.instance_id, task_id=task.id,
                          task=task.title, text=text)
        return {"id": event_id, "task_id": task.id, "text": text, "by": actor.login}


def send_back(task_id: int, actor: User, *, to: str, reason: str) -> dict:
    """退回: to the previous step of this branch (other parallel branches carry on), or to the
    window, which asks the applicant for corrections through the merged correction round."""
    reason = _reason(reason)
    if to not in TARGETS:
        raise Invalid("to must be 'previous' or 'window'")

    def change(session, instance, workflow, task):
        from engine import orchestrator
        spiff = cases.spiff_task(workflow, task.spiff_id)
        if to == "window":
            if CORRECTION not in _opinion_choices(session, task):
                raise Invalid("This step cannot send the case back to the window; return it to the previous step")
            answer = {"opinion": CORRECTION, "comment": reason, "correction_items": reason}
            refusal = orchestrator.refused(spiff, answer)  # a last round asks the applicant no more
            if refusal:
                raise Invalid(refusal)
            run_done(workflow, task, answer)
            target = None
        else:
            previous = _previous_user_task(spiff)
            if previous is None:
                raise Conflict("There is no earlier step in this branch; send the case back to the window")
            workflow.reset_from_task_id(previous.id)
            target = previous.task_spec.name
        task.state = "returned"
        orchestrator.task_closed(session, instance, task, spiff, actor)
        record(session, "task_returned", actor=actor, instance_id=instance.id, task_id=task.id,
               task=task.name, to=to, to_step=target, reason=reason)

    return task_step(task_id, actor, change, check=lambda session, task: _ready(task, actor))


def send_back_targets(task_id: int, actor: User) -> list[str]:
    """Where this open step can be sent back, by send_back's own rules: the previous step where
    its branch has one (a department's review in a parallel round has none), the window where
    its form can ask the applicant for corrections."""
    from engine import orchestrator
    with read_session() as session:
        task = session.get(Task, task_id)
        if task is None or task.state != "ready" or not may_work_on(actor, task):
            return []
        instance = session.get(Instance, task.instance_id)
        if instance.state != "running":  # a suspended case's steps wait, as send_back says
            return []
        loaded = runtime.load(session, instance)
        try:
            spiff = cases.spiff_task(loaded.workflow, task.spiff_id)
            reachable = {"previous": _previous_user_task(spiff) is not None,
                         "window": CORRECTION in _opinion_choices(session, task)
                         and not orchestrator.refused(spiff, {"opinion": CORRECTION})}
        finally:  # reading changes nothing; put back only when read (as withdrawable)
            runtime.remember(instance.id, instance.revision, loaded)
        return [to for to in TARGETS if reachable[to]]


def _opinion_choices(session, task: Task) -> list:
    from engine.services.tasks import form_schema
    schema = form_schema(session, task) or {}
    return (schema.get("properties", {}).get("opinion") or {}).get("enum", [])


def _previous_user_task(spiff):
    """The nearest completed user task up this task's own branch of the tree."""
    node = spiff.parent
    while node is not None:
        if node.task_spec.manual and node.state == TaskState.COMPLETED:
            return node
        node = node.parent
    return None


def _withdraw_check(session, workflow, task: Task, actor: User):
    if task.state != "completed" or task.completed_by != actor.id:
        raise Conflict("Only your own completed step can be withdrawn")
    spiff = cases.spiff_task(workflow, task.spiff_id)
    if isinstance(spiff.parent.task_spec, MultiInstanceTask):
        raise Conflict("A review inside a parallel multi-department round cannot be withdrawn; "
                       "ask the lead department to send it back")
    later = [t for t in spiff if t is not spiff and t.task_spec.manual]
    if any(t.state == TaskState.COMPLETED for t in later):
        raise Conflict("The next step has already been done")
    ready_ids = [str(t.id) for t in later if t.state == TaskState.READY]
    if ready_ids and session.scalar(select(Task.id).where(Task.spiff_id.in_(ready_ids),
                                                          Task.assignee_id.is_not(None)).limit(1)):
        raise Conflict("The next step has already been started (claimed)")
    if not spiff.children and not ready_ids:
        raise Conflict("Nothing follows this step that could be undone")
    return spiff


def withdrawable(task_id: int, actor: User) -> bool:
    with read_session() as session:
        task = session.get(Task, task_id)
        if task is None or task.state != "completed" or task.completed_by != actor.id:
            return False
        instance = session.get(Instance, task.instance_id)
        if instance.state != "running":
            return False
        loaded = runtime.load(session, instance)
        try:
            _withdraw_check(session, loaded.workflow, task, actor)
        except Conflict:
            return False
        finally:  # checking changes nothing; put back only when read, or another thread could take it
            runtime.remember(instance.id, instance.revision, loaded)
        return True


def withdraw(task_id: int, actor: User) -> dict:
    """撤回: take back my completed step while the next one has not been started."""
    def change(session, instance, workflow, task):
        spiff = _withdraw_check(session, workflow, task, actor)
        workflow.reset_from_task_id(spiff.id)
        record(session, "task_withdrawn", actor=actor, instance_id=instance.id, task_id=task.id,
               task=task.name)

    return task_step(task_id, actor, change)
