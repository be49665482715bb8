"""How tasks are shown: the API's task fields, read in one statement without ORM objects."""
from sqlalchemy import bindparam, select

from engine.store.models import Task, User

_tasks, _users = Task.__table__, User.__table__
# What the API shows of a task, read without building ORM objects (inboxes, a case's task list).
SUMMARY = select(_tasks.c.id, _tasks.c.instance_id, _tasks.c.name, _tasks.c.title, _tasks.c.group,
                 _users.c.login.label("assignee"), _tasks.c.state, _tasks.c.form, _tasks.c.created_at,
                 _tasks.c.due_at, _tasks.c.silence_consents).select_from(_tasks.outerjoin(_users, _users.c.id == _tasks.c.assignee_id))


def summary(row, assignee: str | None) -> dict:
    """A task as the API shows it, from an ORM object or a row with the same columns."""
    return {"id": row.id, "instance_id": row.instance_id, "name": row.name, "title": row.title,
            "group": row.group, "assignee": assignee, "state": row.state, "form": row.form,
            "created_at": row.created_at.isoformat() if row.created_at else None,
            "due_at": row.due_at.isoformat() if row.due_at else None,
            # Unanswered at the end of its own limit, the step is its department's consent (engine/silence.py).
            "silence_consents": bool(row.silence_consents)}


def task_label(task: Task) -> str:
    """How a message names a task: by its title, which the page shows, and its number."""
    return f"{task.title or task.name} ({task.id})"


def describe_task(task: Task) -> dict:
    return summary(task, task.assignee.login if task.assignee else None)


# A case's tasks, oldest first (built once: building a statement costs more than running it).
CASE_TASKS = SUMMARY.where(_tasks.c.instance_id == bindparam("instance_id")).order_by(_tasks.c.id)
