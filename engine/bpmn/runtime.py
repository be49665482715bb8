"""SpiffWorkflow around the edges: specs parsed once per version and cached, the last saved
workflow of each case kept in memory, and the engine run with guards against its silent failures.

How a case's workflow is stored, step by step, is engine/bpmn/persistence.py.
"""
import re
import threading
from collections import OrderedDict
from typing import Callable
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.task import TaskState
from SpiffWorkflow.version import __version__ as spiff_version
from sqlalchemy.orm import Session

from engine.errors import Conflict, EngineFailure, state_name
from engine.store.models import Definition, Instance

from . import persistence
from .persistence import Loaded, registry
from .scripting import make_script_engine

# Bump when the stored spec's layout changes: what another layout wrote is refused, not guessed at.
SPEC_FORMAT = f"shenpi-1/spiffworkflow-{spiff_version}"
MAX_ENGINE_STEPS = 5_000


def serialize_specs(spec, subprocess_specs: dict) -> dict:
    return {"format": SPEC_FORMAT, "spec": registry.convert(spec),
            "subprocess_specs": {k: registry.convert(v) for k, v in subprocess_specs.items()}}


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
        if definition.spec.get("format") != SPEC_FORMAT:
            raise EngineFailure(
                "%(key)s version %(version)s was stored by %(stored)s; this build reads %(format)s. "
                "Redeploy the process, or run this case with the release that stored it.",
                key=definition.key, version=definition.version, stored=repr(definition.spec.get("format")),
                format=repr(SPEC_FORMAT))
        spec = registry.restore(definition.spec["spec"])
        subs = {k: registry.restore(v) for k, v in definition.spec["subprocess_specs"].items()}
        cached = (spec, subs)
        _specs.put(definition_id, cached)
    return cached


def new_workflow(definition: Definition, data: dict | None) -> Loaded:
    spec, subs = specs_for(definition.id, lambda: definition)
    workflow = BpmnWorkflow(spec, subs, script_engine=make_script_engine())
    if data:
        workflow.task_tree.data.update(data)
        for task in workflow.task_tree.children:
            task.data.update(data)
    return Loaded(workflow, task_rows={}, ready_rows=set())


def load(session: Session, instance: Instance) -> Loaded:
    """The instance's workflow: this process's copy if it is current, else rebuilt from rows."""
    cached = _workflows.take(instance.id)
    if cached is not None and cached[0] == instance.revision:
        return cached[1]
    return rebuild(session, instance)


def rebuild(session: Session, instance: Instance) -> Loaded:
    """The workflow as the instance's rows describe it."""
    return persistence.restore(
        session, instance, lambda: specs_for(instance.definition_id, lambda: instance.definition))


def remember(instance_id: int, revision: int, loaded: Loaded) -> None:
    """Keep the workflow just committed, so the next step on this case skips the rebuild."""
    _workflows.put(instance_id, (revision, loaded))


def forget(instance_id: int) -> None:
    _workflows.take(instance_id)


def all_tasks(workflow):
    yield from workflow.tasks.values()
    for sub in workflow.subprocesses.values():
        yield from sub.tasks.values()


def run_engine(workflow: BpmnWorkflow, open_tasks: Callable | None = None) -> list:
    """do_engine_steps, guarded against the two ways SpiffWorkflow fails silently.

    A diagram that loops without waiting would run for ever: the steps are counted. And
    SpiffWorkflow's task iterator stops at a tree depth of 1,000, so a gateway loop that has gone
    round about 500 times leaves READY tasks the engine no longer sees and the case stalls
    without a word: any such task left over is reported. `open_tasks`, when the caller can list
    the unfinished tasks cheaply (Loaded.open_tasks), spares a walk over every task; they are
    returned, for the rest of the step.
    """
    steps = 0

    def count(_task):
        nonlocal steps
        steps += 1
        if steps > MAX_ENGINE_STEPS:
            raise EngineFailure(
                "The procedure ran %(steps)s automatic steps without reaching a user task "
                "or a timer; it is probably looping. Check the gateway conditions.", steps=MAX_ENGINE_STEPS)
    try:
        workflow.do_engine_steps(will_complete_task=count)
    except RecursionError as exc:
        raise EngineFailure("The procedure's task tree is too deep to run (runaway loop).") from exc
    candidates = open_tasks() if open_tasks else list(all_tasks(workflow))
    stuck = [t for t in candidates if t.state == TaskState.READY and not t.task_spec.manual]
    if stuck:
        raise EngineFailure(
            "The procedure stalled at %(step)s: its task tree is %(depth)s "
            "levels deep, past what the engine can walk (1,000). A gateway loop has gone round too "
            "often; model repeated rounds with a standard loop or a call activity.",
            step=stuck[0].task_spec.name, depth=stuck[0].depth)
    return candidates


def run_user_task(workflow: BpmnWorkflow, spiff_id: str, data: dict):
    """Complete one user task. SpiffWorkflow would run a task in any state; only READY may run."""
    task = workflow.get_task_from_id(UUID(spiff_id))
    if task is None:
        raise NotReady("Task %(task)s is not a ready user task (gone)", task=spiff_id)
    if task.state != TaskState.READY or not task.task_spec.manual:
        raise NotReady("Task %(task)s is not a ready user task (%(state)s)", task=spiff_id,
                       state=task_state_name(task))
    task.data.update(data)
    task.run()
    return task


def task_state_name(task):
    """A SpiffWorkflow task's state ("waiting") as messages name it, translated with them."""
    return state_name(TaskState.get_name(task.state).lower())


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


def properties(task_spec) -> dict:
    """The element's spiffworkflow:properties."""
    return (getattr(task_spec, "extensions", None) or {}).get("properties", {})


def form_of(task_spec) -> str | None:
    props = properties(task_spec)
    return props.get("formJsonSchemaFilename") or props.get("form")


def ready_user_tasks(tasks):
    for task in tasks:
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
    top_diff, sub_diffs = diff_workflow(registry, workflow, spec, subs)
    return spec, subs, top_diff, sub_diffs
