"""SpiffWorkflow around the edges: specs cached per version, workflows saved step by step.

The library's own serializer writes a whole workflow, spec included, on every save, so a case
that has lived through a thousand tasks pays for all of them at every click. Here the spec is
stored once per version, and each SpiffWorkflow task is a row in instance_steps that is
written again only when that task changed.
"""
import re
from typing import Callable
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.version import __version__ as spiff_version
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.task import TaskState
from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from engine.errors import Conflict, EngineFailure
from engine.store.models import Definition, Instance, InstanceStep

from .scripting import make_script_engine

# Bump when the stored layout changes: a state written by another layout is refused, not guessed at.
STATE_FORMAT = f"shenpi-1/spiffworkflow-{spiff_version}"
MAX_ENGINE_STEPS = 5_000

_serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG))
_registry = _serializer.registry
_FINISHED = TaskState.COMPLETED | TaskState.CANCELLED | TaskState.ERROR


def serialize_specs(spec, subprocess_specs: dict) -> dict:
    return {"format": STATE_FORMAT, "spec": _registry.convert(spec),
            "subprocess_specs": {k: _registry.convert(v) for k, v in subprocess_specs.items()}}


class _LRU(OrderedDict):
    def __init__(self, size):
        super().__init__()
        self.size, self.lock = size, threading.Lock()

    def put(self, key, value):
        with self.lock:
            self[key] = value
            self.move_to_end(key)
            while len(self) > self.size:
                self.popitem(last=False)

    def take(self, key):
        with self.lock:
            return self.pop(key, None)

    def peek(self, key):
        with self.lock:
            return self.get(key)


_specs = _LRU(256)       # definition id -> (spec, subprocess specs): versions never change
_workflows = _LRU(512)   # instance id -> (revision, Loaded): the last state this process saved


def specs_for(definition_id: int, definition: Callable[[], Definition]):
    """The parsed specs of a version; `definition` is called (and the row read) only on a miss."""
    cached = _specs.peek(definition_id)
    if cached is None:
        definition = definition()
        if definition.spec.get("format") != STATE_FORMAT:
            raise EngineFailure(
                f"{definition.key} version {definition.version} was stored by "
                f"{definition.spec.get('format')!r}; this build reads {STATE_FORMAT!r}. "
                f"Redeploy the process, or run this case with the release that stored it.")
        spec = _registry.restore(definition.spec["spec"])
        subs = {k: _registry.restore(v) for k, v in definition.spec["subprocess_specs"].items()}
        cached = (spec, subs)
        _specs.put(definition_id, cached)
    return cached


@dataclass
class Loaded:
    """A workflow in memory plus what is needed to tell which of its tasks changed."""
    workflow: BpmnWorkflow
    fingerprints: dict = field(default_factory=dict)   # task UUID -> fingerprint at last save
    payloads: dict = field(default_factory=dict)       # spiff id -> the row's payload as stored
    seq: dict = field(default_factory=dict)            # spiff id -> insertion order
    next_seq: int = 0
    has_timers: bool = True  # unknown until the first save: the timers table is asked


def new_workflow(definition: Definition, data: dict | None) -> Loaded:
    spec, subs = specs_for(definition.id, lambda: definition)
    workflow = BpmnWorkflow(spec, subs, script_engine=make_script_engine())
    if data:
        workflow.task_tree.data.update(data)
        for task in workflow.task_tree.children:
            task.data.update(data)
    return Loaded(workflow)


def load(session: Session, instance: Instance) -> Loaded:
    """The instance's workflow: this process's copy if it is current, else rebuilt from rows."""
    cached = _workflows.take(instance.id)
    if cached is not None and cached[0] == instance.revision:
        return cached[1]
    state = instance.workflow_state
    if state.get("format") != STATE_FORMAT:
        raise EngineFailure(
            f"Instance {instance.id} was saved in format {state.get('format')!r}; this build reads "
            f"{STATE_FORMAT!r}. Migrate it with the release that wrote it before upgrading.")
    spec, subs = specs_for(instance.definition_id, lambda: instance.definition)
    rows = session.execute(select(InstanceStep).where(InstanceStep.instance_id == instance.id)
                           .order_by(InstanceStep.seq)).scalars().all()
    by_owner: dict[str, dict] = {}
    loaded = Loaded(workflow=None)
    for row in rows:
        by_owner.setdefault(row.owner, {})[row.spiff_id] = row.payload
        loaded.payloads[row.spiff_id] = row.payload
        loaded.seq[row.spiff_id] = row.seq
    loaded.next_seq = state["next_seq"]

    top = dict(state["top"], tasks=by_owner.get("", {}))
    workflow = BpmnWorkflow(spec, subs, script_engine=make_script_engine(), deserializing=True)
    workflow.tasks = {UUID(k): _registry.restore(v, workflow=workflow) for k, v in top["tasks"].items()}
    workflow.task_tree = workflow.tasks[UUID(top["root"])]
    _set_attributes(workflow, top)
    subprocesses = {owner: dict(header, tasks=by_owner.get(owner, {}))
                    for owner, header in state["subprocesses"].items()}
    _restore_subprocesses(subprocesses, workflow)
    workflow.bpmn_events = _registry.restore(state.get("bpmn_events", []))
    loaded.workflow = workflow
    loaded.fingerprints = {t.id: _fingerprint(t) for t in all_tasks(workflow)}
    return loaded


def _set_attributes(workflow, dct):
    workflow.success = dct["success"]
    workflow.completed = dct.get("completed", False)
    workflow.correlations = dct.get("correlations", {})
    last = dct.get("last_task")
    workflow.last_task = workflow.tasks.get(UUID(last)) if last else None
    workflow.data = _registry.restore(dct.get("data", {}))


def _restore_subprocesses(pending: dict, workflow, top=None):
    from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import SubWorkflowTask
    top = top or workflow
    for task in list(workflow.tasks.values()):
        if isinstance(task.task_spec, SubWorkflowTask) and str(task.id) in pending:
            sub = _registry.restore(pending.pop(str(task.id)), task=task, top_workflow=top)
            top.subprocesses[task.id] = sub
            sub.completed_event.connect(task.task_spec._on_subworkflow_completed, task)
            _restore_subprocesses(pending, sub, top)


def remember(instance_id: int, revision: int, loaded: Loaded) -> None:
    """Keep the workflow just committed, so the next step on this case skips the rebuild."""
    _workflows.put(instance_id, (revision, loaded))


def forget(instance_id: int) -> None:
    _workflows.take(instance_id)


def all_tasks(workflow):
    yield from workflow.tasks.values()
    for sub in workflow.subprocesses.values():
        yield from sub.tasks.values()


def _fingerprint(task):
    # A finished task can still change (a reset reopens it, a child is added); these say so
    # without serialising it. Unfinished tasks are always rewritten: they are few.
    return (task.state, task.last_state_change, len(task._children), task.triggered)


def save(session: Session, instance: Instance, loaded: Loaded) -> dict:
    """Write the rows of the tasks that changed since the last save; return save statistics."""
    workflow = loaded.workflow
    owners = {task_id: str(sub_id) for sub_id, sub in workflow.subprocesses.items() for task_id in sub.tasks}
    inserts, updates = [], []
    fingerprints = loaded.fingerprints  # keyed by UUID: no string conversion for unchanged tasks
    for task in all_tasks(workflow):
        fp = _fingerprint(task)
        if fingerprints.get(task.id) == fp and task.state & _FINISHED:
            continue
        fingerprints[task.id] = fp
        sid = str(task.id)
        payload = _registry.convert(task)
        if loaded.payloads.get(sid) == payload:  # predicted tasks mostly stay as they were
            continue
        row = {"instance_id": instance.id, "spiff_id": sid, "owner": owners.get(task.id, ""), "payload": payload}
        if sid in loaded.payloads:
            updates.append(row)
        else:
            loaded.seq[sid] = loaded.next_seq
            loaded.next_seq += 1
            inserts.append(dict(row, seq=loaded.seq[sid]))
        loaded.payloads[sid] = payload
    # One statement each for new and changed rows, whatever their number.
    if inserts:
        session.execute(insert(InstanceStep), inserts)
    if updates:
        session.execute(update(InstanceStep), updates)
    present = set(workflow.tasks).union(*(sub.tasks for sub in workflow.subprocesses.values()))
    gone = [task_id for task_id in fingerprints if task_id not in present]
    if gone:
        names = [str(task_id) for task_id in gone]
        session.execute(delete(InstanceStep).where(InstanceStep.instance_id == instance.id,
                                                   InstanceStep.spiff_id.in_(names)))
        for task_id, sid in zip(gone, names):
            fingerprints.pop(task_id, None)
            loaded.payloads.pop(sid, None)
            loaded.seq.pop(sid, None)
    instance.workflow_state = {
        "format": STATE_FORMAT,
        "next_seq": loaded.next_seq,
        "top": _header(workflow),
        "subprocesses": {str(k): dict(_header(sub), parent_task_id=str(sub.parent_task_id),
                                      spec=sub.spec.name, typename=_registry.typenames[sub.__class__])
                         for k, sub in workflow.subprocesses.items()},
        "bpmn_events": _registry.convert(workflow.bpmn_events),
    }
    instance.data = _registry.convert(_registry.clean(case_data(workflow)))
    return {"written": len(inserts) + len(updates), "deleted": len(gone)}


def case_data(workflow) -> dict:
    """What the case knows now: the workflow's data plus what its open tasks carry.

    SpiffWorkflow keeps data on tasks and only copies it to the workflow at the end, so a
    running case is described by the data its waiting tasks hold (the join of every branch).
    """
    data = dict(workflow.data)
    if not workflow.completed:
        open_states = TaskState.READY | TaskState.WAITING | TaskState.STARTED
        for task in workflow.tasks.values():
            if task.state & open_states:
                data.update(task.data)
    return data


def _header(workflow) -> dict:
    return {
        "data": _registry.convert(_registry.clean(workflow.data)),
        "correlations": workflow.correlations,
        "last_task": str(workflow.last_task.id) if workflow.last_task is not None else None,
        "success": workflow.success,
        "completed": workflow.completed,
        "root": str(workflow.task_tree.id),
    }


def run_engine(workflow: BpmnWorkflow) -> None:
    """do_engine_steps, guarded against the two ways SpiffWorkflow fails silently.

    A diagram that loops without waiting would run for ever: the steps are counted. And
    SpiffWorkflow's task iterator stops at a tree depth of 1,000, so a gateway loop that has gone
    round about 500 times leaves READY tasks the engine no longer sees and the case stalls
    without a word: any such task left over is reported.
    """
    steps = 0

    def count(_task):
        nonlocal steps
        steps += 1
        if steps > MAX_ENGINE_STEPS:
            raise EngineFailure(
                f"The procedure ran {MAX_ENGINE_STEPS} automatic steps without reaching a user task "
                f"or a timer; it is probably looping. Check the gateway conditions.")
    try:
        workflow.do_engine_steps(will_complete_task=count)
    except RecursionError as exc:
        raise EngineFailure("The procedure's task tree is too deep to run (runaway loop).") from exc
    stuck = [t for t in all_tasks(workflow) if t.state == TaskState.READY and not t.task_spec.manual]
    if stuck:
        raise EngineFailure(
            f"The procedure stalled at {stuck[0].task_spec.name}: its task tree is {stuck[0].depth} "
            f"levels deep, past what the engine can walk (1,000). A gateway loop has gone round too "
            f"often; model repeated rounds with a standard loop or a call activity.")


def run_user_task(workflow: BpmnWorkflow, spiff_id: str, data: dict):
    """Complete one user task. SpiffWorkflow would run a task in any state; only READY may run."""
    task = workflow.get_task_from_id(UUID(spiff_id))
    if task is None or task.state != TaskState.READY or not task.task_spec.manual:
        raise NotReady(f"Task {spiff_id} is not a ready user task "
                       f"({TaskState.get_name(task.state) if task else 'gone'})")
    task.data.update(data)
    task.run()
    return task


class NotReady(Conflict):
    """A stale completion, not a failure of the procedure."""


LANE_CODE = re.compile(r"[（(]\s*([\w.-]+)\s*[)）]\s*$")


def lane_group(task_spec) -> str | None:
    """A lane named '住建局 (housing)' belongs to group 'housing'; a bare name is the code itself."""
    lane = getattr(task_spec, "lane", None)
    if not lane:
        return None
    match = LANE_CODE.search(lane)
    return match.group(1) if match else lane.strip()


def form_of(task_spec) -> str | None:
    props = (getattr(task_spec, "extensions", None) or {}).get("properties", {})
    return props.get("formJsonSchemaFilename") or props.get("form")


def ready_user_tasks(workflow: BpmnWorkflow):
    for task in all_tasks(workflow):
        if task.state == TaskState.READY and task.task_spec.manual:
            yield task


def clear_caches() -> None:
    """Forget cached specs and workflows (tests reuse ids after emptying the database)."""
    _specs.clear()
    _workflows.clear()


def diff_to(workflow: BpmnWorkflow, definition: Definition):
    """How a workflow's tasks line up with another version of its process (SpiffWorkflow's diff).

    Returns the version's specs and the diffs: (spec, subprocess specs, top diff, {subprocess
    id: diff, or None when the version no longer has that subprocess}).
    """
    from SpiffWorkflow.bpmn.util.diff import diff_workflow
    spec, subs = specs_for(definition.id, lambda: definition)
    top_diff, sub_diffs = diff_workflow(_registry, workflow, spec, subs)
    return spec, subs, top_diff, sub_diffs


def rewrite(session: Session, instance: Instance, loaded: Loaded, definition: Definition) -> dict:
    """Save a workflow moved to another version of its process.

    Tasks may now point at other specs without having changed state, which the usual save would
    skip: every stored row is compared with its task, and rows of tasks no longer there go.
    """
    instance.definition, instance.version = definition, definition.version
    loaded.fingerprints = {UUID(spiff_id): None for spiff_id in loaded.payloads}
    return save(session, instance, loaded)
