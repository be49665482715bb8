"""A check run on every save in the suite: the workflow rebuilt from its rows is the one in memory,
and what the step remembers of the task table is what the table holds.

The save writes only the tasks it believes changed and leaves out what it can rebuild (child
lists, a loop's merged rounds); any slip would only show when a case is next loaded elsewhere.
"""
from sqlalchemy import select

from engine.bpmn import persistence, runtime
from engine.store.models import Task


def snapshot(workflow) -> dict:
    registry = persistence.registry
    owners = {"": workflow, **{str(k): sub for k, sub in workflow.subprocesses.items()}}
    return {
        "tasks": {str(t.id): (owner, t.task_spec.name, t.state, t.last_state_change, t.triggered,
                              str(t._parent) if t.parent is not None else None,
                              [str(c) for c in t._children], registry.convert(t.internal_data),
                              registry.convert(registry.clean(t.data)))
                  for owner, wf in owners.items() for t in wf.tasks.values()},
        "workflows": {owner: (registry.convert(registry.clean(wf.data)), wf.completed, wf.success,
                              str(wf.task_tree.id), wf.last_task and str(wf.last_task.id))
                      for owner, wf in owners.items()},
    }


def checking(save):
    def save_and_compare(session, instance, loaded):
        result = save(session, instance, loaded)
        with session.no_autoflush:  # the instance row is flushed by the step, as without the check
            rebuilt = runtime.rebuild(session, instance)
        differences = _differences(snapshot(rebuilt.workflow), snapshot(loaded.workflow))
        assert not differences, differences
        assert rebuilt.open == loaded.open, "the tasks a save looks at next time differ from the rows'"
        # What the next save compares with must be what the rows hold, or unchanged rows get rewritten.
        assert (rebuilt.payloads, rebuilt.seq, rebuilt.owner) == (loaded.payloads, loaded.seq, loaded.owner)
        # The next step trusts what it remembers of the task table instead of reading it.
        with session.no_autoflush:
            rows = session.scalars(select(Task).where(Task.instance_id == instance.id)).all()
        assert loaded.task_rows == {row.spiff_id: row.id for row in rows}
        assert loaded.ready_rows == {row.spiff_id for row in rows if row.state == "ready"}
        return result
    return save_and_compare


def _differences(rebuilt: dict, memory: dict) -> list:
    out = []
    for part in rebuilt:
        for key in rebuilt[part].keys() | memory[part].keys():
            if rebuilt[part].get(key) != memory[part].get(key):
                out.append((part, key, rebuilt[part].get(key), memory[part].get(key)))
    return out
