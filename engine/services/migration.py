"""Moving running instances from one version of a process to another.

An instance can move when none of its open tasks (ready, waiting, started) sits on an element
that the new version removed or changed: those are where the case would resume, and the new
version no longer says what happens there. An element whose only change is where it leads is no
obstacle while the case has not gone on from it. Finished tasks are history and keep their record.
Open tasks move as they are, with their data; only the path predicted after them is drawn anew.
Each instance moves in its own transaction, so one that fails leaves the others moved.
"""
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import LoopTask
from SpiffWorkflow.task import TaskState
from sqlalchemy import select

from engine import rules
from engine.bpmn import runtime
from engine.errors import Conflict, Message, NotFound, ShenpiError, state_name
from engine.store import session_scope
from engine.store.db import read_session
from engine.store.models import Definition, Instance, User

from . import cases
from .deploy import find_definition
from .events import record
from .users import require

OPEN = TaskState.READY | TaskState.WAITING | TaskState.STARTED
AHEAD = TaskState.FUTURE | TaskState.PREDICTED_MASK  # predicted, not reached


def check(key: str, old: int, new: int, actor: User) -> dict:
    """Which running instances of version `old` can move to `new`, and why the others cannot."""
    require(actor, "admin")
    movable, blocked = [], []
    with session_scope() as session:
        find_definition(session, key, old)
        target = find_definition(session, key, new)
        instances = session.scalars(select(Instance).where(
            Instance.key == key, Instance.version == old,
            Instance.state.in_(("running", "suspended"))).order_by(Instance.id)).all()
        for instance in instances:
            reasons = _obstacles(session, instance, target)
            row = {"id": instance.id, "business_key": instance.business_key, "state": instance.state,
                   "reasons": reasons}
            (blocked if reasons else movable).append(row)
    return {"key": key, "old": old, "new": new, "movable": movable, "blocked": blocked}


def migrate(key: str, old: int, new: int, instance_ids: list[int], actor: User) -> dict:
    """Move each given instance; returns {"moved": [ids], "refused": [{"id", "business_key", "reasons"}]}."""
    require(actor, "admin")
    moved, refused = [], []
    with read_session() as session:  # a refusal names the case as the check page does
        business_keys = dict(session.execute(select(Instance.id, Instance.business_key)
                                             .where(Instance.id.in_(instance_ids))).all())
    for instance_id in instance_ids:
        try:
            with session_scope() as session:
                _migrate_one(session, key, old, new, instance_id, actor)
            moved.append(instance_id)
        except ShenpiError as exc:
            refused.append({"id": instance_id, "business_key": business_keys.get(instance_id),
                            "reasons": exc.reasons if isinstance(exc, Blocked) else [exc.message]})
        finally:
            runtime.forget(instance_id)  # the cached workflow may hold a half-moved tree
    return {"moved": moved, "refused": refused}


class Blocked(Conflict):
    def __init__(self, reasons: list[Message]):
        super().__init__(reasons[0], reasons[1:])
        self.reasons = reasons


def _migrate_one(session, key, old, new, instance_id, actor):
    instance = cases.lock_instance(session, instance_id)
    if instance.key != key:
        raise NotFound("No instance %(instance)s of %(key)s", instance=instance_id, key=repr(key))
    if instance.version != old:
        raise Conflict("Instance %(instance)s runs version %(version)s, not %(old)s", instance=instance_id,
                       version=instance.version, old=old)
    target = find_definition(session, key, new)
    loaded = runtime.load(session, instance)
    workflow = loaded.workflow
    plan = runtime.diff_to(workflow, target)
    reasons = _obstacles_in(instance, workflow, target, plan)
    if reasons:
        raise Blocked(reasons)
    spec, subs, top_diff, sub_diffs = plan
    _move(top_diff, workflow, spec)
    for sub_id, sub in list(workflow.subprocesses.items()):
        _move(sub_diffs[sub_id], sub, subs[sub.spec.name])
    workflow.subprocess_specs = subs
    for task in runtime.all_tasks(workflow):
        if task.task_spec is not task.workflow.spec.task_specs.get(task.task_spec.name):
            reason = Message("%(task)s has no element in version %(version)s", task=_label(task), version=new)
            raise Blocked([reason])
    instance.definition, instance.version = target, target.version
    # Tasks may now point at other specs without having changed state: the save looks at all.
    loaded.every_task = True
    with rules.in_force_at(instance.created_at):  # as every step of the case
        cases.run_step(session, instance, loaded, actor)
    record(session, "instance_migrated", actor=actor, instance_id=instance.id, key=key,
           from_version=old, to_version=new)
    session.flush()


def _move(diff, workflow, spec):
    """SpiffWorkflow's migrate_workflow without its reset of ready and waiting tasks: a reset task
    starts again from its parent's data and loses its own (a parallel review's item, a timer's due
    time). The open tasks' elements are unchanged but for where they lead (_problems), so they stay
    as they are and only the path predicted after them is drawn again from the new version."""
    workflow.spec = spec
    for task in workflow.tasks.values():
        if diff.alignment.get(task) is not None:
            task.task_spec = diff.alignment[task]
    for task in workflow.get_tasks(state=OPEN, skip_subprocesses=True):
        # Triggered children are a loop's or a multi-instance's own instances, not its path.
        for child in [c for c in task.children if not c.triggered and all(t.has_state(AHEAD) for t in c)]:
            workflow._remove_task(child.id)
        task.task_spec._predict_hook(task)
        for child in task.children:
            if not child.triggered and child.has_state(AHEAD):
                child.task_spec._predict(child, mask=AHEAD)


def _obstacles(session, instance: Instance, target: Definition) -> list[str]:
    """Why the instance cannot move (empty when it can)."""
    try:
        loaded = runtime.load(session, instance)
    except ShenpiError as exc:
        return [exc.message]
    try:
        return _obstacles_in(instance, loaded.workflow, target, runtime.diff_to(loaded.workflow, target))
    finally:  # checking changes nothing; put back only when read, or another thread could take it
        runtime.remember(instance.id, instance.revision, loaded)


def _obstacles_in(instance, workflow, target, plan) -> list[str]:
    if instance.state != "running":
        return [Message("the case is %(state)s; resume it first", state=state_name(instance.state))]
    _spec, _subs, top_diff, sub_diffs = plan
    reasons = _problems(top_diff, target.version)
    for sub_id, sub in workflow.subprocesses.items():
        diff = sub_diffs.get(sub_id)
        if diff is None:
            reasons.append(Message("called process %(process)s is not part of version %(version)s",
                                   process=repr(sub.spec.name), version=target.version))
        else:
            reasons += _problems(diff, target.version)
    return reasons


def _problems(diff, version: int) -> list[Message]:
    reasons = []
    for task in diff.removed:
        if task.state & OPEN:
            reasons.append(Message("%(task)s is %(state)s at an element that version %(version)s removed",
                                   task=_label(task), state=runtime.task_state_name(task), version=version))
        elif task.state & TaskState.FINISHED_MASK:
            # Its history row would name an element the new version does not have.
            reasons.append(Message("%(task)s was passed and version %(version)s removed it", task=_label(task),
                                   version=version))
    for task in diff.changed:
        if task.state & OPEN and task not in diff.removed and not _only_leads_elsewhere(task, diff):
            reasons.append(Message("%(task)s is %(state)s at an element that version %(version)s changed",
                                   task=_label(task), state=runtime.task_state_name(task), version=version))
    return reasons


def _only_leads_elsewhere(task, diff) -> bool:
    """Whether the element changed only in where its flows go and the case has not gone on from it:
    the path ahead of an open task is drawn again from the new version (_move)."""
    old, new = (runtime.registry.convert(spec) for spec in (task.task_spec, diff.alignment[task]))
    changed = {key for key in old.keys() | new.keys() if old.get(key) != new.get(key)}
    return changed == {"outputs"} and all(c.triggered or c.has_state(AHEAD) for c in task.children)


def _label(task) -> str:
    spec = task.task_spec
    if isinstance(spec, LoopTask):  # a loop's name is on the element it repeats
        spec = spec._wf_spec.task_specs.get(spec.task_spec, spec)
    name = getattr(spec, "bpmn_name", None)
    element = getattr(spec, "bpmn_id", None) or spec.name
    return f"{name} ({element})" if name else element
