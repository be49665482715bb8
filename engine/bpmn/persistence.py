"""How a case's workflow is stored: each SpiffWorkflow task is a row in instance_steps, written
again only when that task changed; the rest of the workflow is a small header on the instance.

The library's own serializer writes a whole workflow, spec included, on every save, so a case
that has lived through a thousand tasks would pay for all of them at every click. A loaded
workflow's task tables note which tasks came, went or changed state; a save looks at those and
at the tasks open at the last save, never at the whole history.
"""
from dataclasses import dataclass, field
from typing import Callable
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import StandardLoopTask
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.task import Task, TaskState
from SpiffWorkflow.version import __version__ as spiff_version
from sqlalchemy import bindparam, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from engine.errors import EngineFailure
from engine.store.models import Instance, InstanceStep

from .scripting import make_script_engine

# shenpi-2 rows hold whole data and no child lists; this build still reads shenpi-1 rows (delta
# data, child lists), which earlier builds cannot do the other way round. Bump when the layout
# changes: what another layout wrote is refused, not guessed at.
STATE_FORMAT = f"shenpi-2/spiffworkflow-{spiff_version}"
READABLE_STATES = (STATE_FORMAT, f"shenpi-1/spiffworkflow-{spiff_version}")

registry = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG)).registry
_FINISHED = TaskState.COMPLETED | TaskState.CANCELLED | TaskState.ERROR


class TrackedTasks(dict):
    """A workflow's task table that notes which tasks came, went or changed state since the last save.

    With it a save looks at those tasks and the ones open at the last save, never at the whole
    history, so a step costs the same on a case that has finished a thousand tasks.
    """

    def __init__(self, tasks=()):
        super().__init__(tasks)
        self.added: list = []      # creation order, which becomes the rows' order
        self.changed: set = set()
        self.removed: set = set()

    def __setitem__(self, task_id, task):
        if task_id not in self:
            self.added.append(task_id)
        super().__setitem__(task_id, task)

    def pop(self, task_id, *default):
        self.removed.add(task_id)
        return super().pop(task_id, *default)

    def __delitem__(self, task_id):
        self.removed.add(task_id)
        super().__delitem__(task_id)

    def saved(self):
        self.added, self.changed, self.removed = [], set(), set()


def _noting_set_state(task, value, _set_state=Task._set_state):
    # A finished task only changes state when a branch is reset (send back, withdraw, a boundary
    # event); SpiffWorkflow has no hook for it, so every state change is noted on the task table.
    if value != task._state and isinstance(task.workflow.tasks, TrackedTasks):
        task.workflow.tasks.changed.add(task.id)
    _set_state(task, value)


Task._set_state = _noting_set_state


@dataclass
class Loaded:
    """A workflow in memory plus what is needed to save only what a step changed."""
    workflow: BpmnWorkflow
    payloads: dict = field(default_factory=dict)   # spiff id -> the row's payload as stored
    seq: dict = field(default_factory=dict)        # spiff id -> row order (creation order)
    owner: dict = field(default_factory=dict)      # spiff id -> "" or the subprocess's id
    open: dict = field(default_factory=dict)       # task UUID -> owner, unfinished at the last save
    next_seq: int = 0
    subprocesses: set = field(default_factory=set)  # owners of stored rows besides ""
    has_timers: bool = True  # unknown until the first save: the timers table is asked
    every_task: bool = True  # the next save looks at every task (new workflow, migration)
    # The case's task table as the last save left it: spiff id -> row id for every row, and the
    # spiff ids of the ready rows. None until read (a rebuilt workflow); rows change state only
    # in steps, which bump the revision this copy is kept under.
    task_rows: dict | None = None
    ready_rows: set | None = None

    def open_tasks(self) -> list:
        """The workflow's unfinished tasks, found without walking its history."""
        return [task for _, task in _candidates(self) if not task.state & _FINISHED]


def restore(session: Session, instance: Instance, specs: Callable[[], tuple]) -> Loaded:
    """The workflow as the instance's rows describe it; `specs()` gives its version's specs."""
    state = instance.workflow_state
    if state.get("format") not in READABLE_STATES:
        raise EngineFailure(
            "Instance %(instance)s was saved in format %(stored)s; this build reads "
            "%(format)s. Migrate it with the release that wrote it before upgrading.",
            instance=instance.id, stored=repr(state.get("format")), format=repr(STATE_FORMAT))
    spec, subs = specs()
    rows = session.execute(select(InstanceStep).where(InstanceStep.instance_id == instance.id)
                           .order_by(InstanceStep.seq)).scalars().all()
    by_owner: dict[str, dict] = {}
    # A shenpi-1 row keeps its data as a difference from its parent's, right only until the parent
    # changes: the next save rewrites every row in the current layout.
    loaded = Loaded(workflow=None, next_seq=state["next_seq"], every_task=state["format"] != STATE_FORMAT,
                    subprocesses=set(state["subprocesses"]))
    for row in rows:
        # Rows written before children were left out still carry their list: it is ignored.
        by_owner.setdefault(row.owner, {})[row.spiff_id] = dict(row.payload, id=row.spiff_id, children=[])
        loaded.payloads[row.spiff_id] = row.payload
        loaded.seq[row.spiff_id] = row.seq
        loaded.owner[row.spiff_id] = row.owner

    top = dict(state["top"], tasks=by_owner.get("", {}))
    workflow = BpmnWorkflow(spec, subs, script_engine=make_script_engine(), deserializing=True)
    workflow.tasks = {UUID(k): registry.restore(v, workflow=workflow) for k, v in top["tasks"].items()}
    workflow.task_tree = workflow.tasks[UUID(top["root"])]
    _set_attributes(workflow, top)
    subprocesses = {owner: dict(header, tasks=by_owner.get(owner, {}))
                    for owner, header in state["subprocesses"].items()}
    _restore_subprocesses(subprocesses, workflow)
    workflow.bpmn_events = registry.restore(state.get("bpmn_events", []))
    loaded.workflow = workflow
    for owner, wf in _workflows_of(workflow).items():
        _relink(wf, by_owner.get(owner, {}))
        wf.tasks = TrackedTasks(wf.tasks)
        loaded.open.update((t.id, owner) for t in wf.tasks.values() if not t.state & _FINISHED)
    return loaded


def _relink(workflow, payloads: dict) -> None:
    """Rebuild what rows leave out because it grows with the case: child lists, loop merges.

    Rows come in creation order and SpiffWorkflow only ever appends a child, so a parent's
    children are its tasks' rows in order. A standard loop's merged iterations are its finished
    iterations, in order.
    """
    for task in workflow.tasks.values():
        parent = workflow.tasks.get(task._parent)
        if parent is not None:
            parent._children.append(task.id)
    for sid, payload in payloads.items():
        if "merged" in payload:
            task = workflow.tasks[UUID(sid)]
            body = task.task_spec.task_spec
            done = [str(c.id) for c in task.children if c.task_spec.name == body and c.state == TaskState.COMPLETED]
            task.internal_data["merged"] = done[:payload["merged"]]


def _set_attributes(workflow, dct):
    workflow.success = dct["success"]
    workflow.completed = dct.get("completed", False)
    workflow.correlations = dct.get("correlations", {})
    last = dct.get("last_task")
    workflow.last_task = workflow.tasks.get(UUID(last)) if last else None
    workflow.data = registry.restore(dct.get("data", {}))


def _restore_subprocesses(pending: dict, workflow, top=None):
    from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import SubWorkflowTask
    top = top or workflow
    for task in list(workflow.tasks.values()):
        if isinstance(task.task_spec, SubWorkflowTask) and str(task.id) in pending:
            sub = registry.restore(pending.pop(str(task.id)), task=task, top_workflow=top)
            top.subprocesses[task.id] = sub
            sub.completed_event.connect(task.task_spec._on_subworkflow_completed, task)
            _restore_subprocesses(pending, sub, top)


def _workflows_of(workflow) -> dict:
    """Owner ("" for the top level, else the subprocess's id) -> (sub)workflow."""
    return {"": workflow, **{str(k): sub for k, sub in workflow.subprocesses.items()}}


def _candidates(loaded: Loaded) -> list:
    """(owner, task) for every task that may have changed since the last save, oldest first."""
    owners = _workflows_of(loaded.workflow)
    if loaded.every_task:
        return [(owner, task) for owner, wf in owners.items() for task in wf.tasks.values()]
    new, old = [], {}
    for owner, wf in owners.items():
        table = wf.tasks
        if not isinstance(table, TrackedTasks):  # a subprocess started in this step
            new.extend((owner, task) for task in table.values())
            continue
        new.extend((owner, table[t]) for t in table.added if t in table)
        old.update((t, owner) for t in table.changed if t in table and str(t) in loaded.seq)
    for task_id, owner in loaded.open.items():
        if owner in owners and task_id in owners[owner].tasks:
            old[task_id] = owner
    existing = sorted(old.items(), key=lambda item: loaded.seq[str(item[0])])
    return [(owner, owners[owner].tasks[task_id]) for task_id, owner in existing] + new


def _payload(task) -> dict:
    """A task's row in SpiffWorkflow's own form, except for what would make rows depend on each other.

    The library stores a task's data as a difference from its parent's, so a finished task would
    read differently once its parent's data moved on (a loop task gathers every round's): here the
    data is whole. Child lists and a loop's merged rounds grow with the case; they are rebuilt at
    load (_relink), and the loop keeps only how many rounds it merged.
    """
    internal = task.internal_data
    payload = {"typename": "Task", "parent": str(task._parent) if task.parent is not None else None,
               "last_state_change": task.last_state_change, "state": task.state,
               "task_spec": task.task_spec.name, "triggered": task.triggered}
    if isinstance(task.task_spec, StandardLoopTask) and "merged" in internal:
        payload["merged"] = len(internal["merged"])
        internal = {k: v for k, v in internal.items() if k != "merged"}
    payload["internal_data"] = registry.convert(internal)
    payload["data"] = registry.convert(registry.clean(task.data))
    payload["delta"] = {}
    return payload


# Statements built once: building one costs more than running it.
_steps = InstanceStep.__table__
_DELETE_STEPS = delete(_steps).where(_steps.c.instance_id == bindparam("instance_id"),
                                     _steps.c.spiff_id.in_(bindparam("gone", expanding=True)))


def _upsert(dialect_insert):
    """New and changed rows in one statement: a row that exists gets the new owner and payload."""
    statement = dialect_insert(_steps)
    return statement.on_conflict_do_update(
        index_elements=[_steps.c.instance_id, _steps.c.spiff_id],
        set_={"owner": statement.excluded.owner, "payload": statement.excluded.payload})


# On PostgreSQL, RETURNING makes SQLAlchemy send the rows as one multi-row INSERT; without it
# psycopg sends a statement per row in a pipeline, which waits for the server three times.
# SQLite, in the process, is quicker without it.
_UPSERT_STEPS = {"postgresql": _upsert(postgresql.insert).returning(_steps.c.spiff_id),
                 "sqlite": _upsert(sqlite.insert)}


def save(session: Session, instance: Instance, loaded: Loaded) -> dict:
    """Write the rows of the tasks that changed since the last save; return save statistics."""
    workflow = loaded.workflow
    owners = _workflows_of(workflow)
    candidates = _candidates(loaded)
    rows = {}  # by spiff id: one statement may not upsert a row twice
    for owner, task in candidates:
        sid = str(task.id)
        payload = _payload(task)
        if loaded.payloads.get(sid) == payload:  # predicted tasks mostly stay as they were
            continue
        if sid not in loaded.seq:
            loaded.seq[sid], loaded.owner[sid] = loaded.next_seq, owner
            loaded.next_seq += 1
        rows[sid] = {"instance_id": instance.id, "spiff_id": sid, "owner": owner, "payload": payload,
                     "seq": loaded.seq[sid]}
        loaded.payloads[sid] = payload
        if task.state & _FINISHED:
            # SpiffWorkflow copies data shallowly and merges into nested values in place, so a
            # later step could rewrite a finished task's data through a shared list. Its history
            # is what was saved, in memory as in the row.
            task.data = registry.restore(payload["data"])
    # On the table, not through the ORM's bulk operations, which cost more than the rows' own writing.
    if rows:
        session.execute(_UPSERT_STEPS[session.get_bind().dialect.name], list(rows.values()))
    gone = _gone(loaded, owners)
    if gone:
        session.execute(_DELETE_STEPS, {"instance_id": instance.id, "gone": gone})
        for sid in gone:
            del loaded.payloads[sid], loaded.seq[sid], loaded.owner[sid]
    loaded.open = {task.id: owner for owner, task in candidates if not task.state & _FINISHED}
    for wf in owners.values():
        if isinstance(wf.tasks, TrackedTasks):
            wf.tasks.saved()
        else:
            wf.tasks = TrackedTasks(wf.tasks)
    loaded.every_task = False
    loaded.subprocesses = set(owners) - {""}
    instance.workflow_state = {
        "format": STATE_FORMAT,
        "next_seq": loaded.next_seq,
        "top": _header(workflow),
        "subprocesses": {str(k): dict(_header(sub), parent_task_id=str(sub.parent_task_id),
                                      spec=sub.spec.name, typename=registry.typenames[sub.__class__])
                         for k, sub in workflow.subprocesses.items()},
        "bpmn_events": registry.convert(workflow.bpmn_events),
    }
    open_top = sorted((t for t, owner in loaded.open.items() if owner == ""), key=lambda t: loaded.seq[str(t)])
    instance.data = registry.convert(registry.clean(case_data(workflow, [workflow.tasks[t] for t in open_top])))
    return {"written": len(rows), "deleted": len(gone)}


def _gone(loaded: Loaded, owners: dict) -> list[str]:
    """Stored rows whose tasks left the workflow (a reset, a predicted branch not taken)."""
    if loaded.every_task:
        present = {str(task.id) for wf in owners.values() for task in wf.tasks.values()}
        return [sid for sid in loaded.payloads if sid not in present]
    gone = [str(t) for wf in owners.values() if isinstance(wf.tasks, TrackedTasks)
            for t in wf.tasks.removed if str(t) in loaded.seq and t not in wf.tasks]
    if loaded.subprocesses - owners.keys():  # a subprocess was deleted with all its tasks
        gone += [sid for sid, owner in loaded.owner.items() if owner not in owners]
    return gone


def case_data(workflow, open_tasks) -> dict:
    """What the case knows now: the workflow's data plus what its open tasks carry.

    SpiffWorkflow keeps data on tasks and only copies it to the workflow at the end, so a
    running case is described by the data its waiting tasks hold (the join of every branch).
    """
    data = dict(workflow.data)
    if not workflow.completed:
        open_states = TaskState.READY | TaskState.WAITING | TaskState.STARTED
        for task in open_tasks:
            if task.state & open_states:
                data.update(task.data)
    return data


def _header(workflow) -> dict:
    return {
        "data": registry.convert(registry.clean(workflow.data)),
        "correlations": workflow.correlations,
        "last_task": str(workflow.last_task.id) if workflow.last_task is not None else None,
        "success": workflow.success,
        "completed": workflow.completed,
        "root": str(workflow.task_tree.id),
    }
