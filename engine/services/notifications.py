"""What staff are told (抄送, 催办, 转办, a clock's warning): listed for the person told, newest
first, and marked read when they have seen them."""
from datetime import datetime, timezone

from sqlalchemy import func, or_, select, update

from engine.services.lanes import workable
from engine.store import session_scope
from engine.store.db import read_session
from engine.store.models import Instance, Notification, Task, User

LIMIT = 100


def tell(session, user_ids, instance_id: int | None, task_id: int | None, text: str) -> None:
    """Tell each of the people (ids) about a step or a case: staff know a case by its number (its
    procedure's business key), which goes first."""
    number = session.scalar(select(Instance.business_key).where(Instance.id == instance_id)) if instance_id else None
    text = f"办件 {number} {text}" if number else text
    for user_id in dict.fromkeys(user_ids):  # once each, in the order given
        session.add(Notification(user_id=user_id, instance_id=instance_id, task_id=task_id, text=text))


def unread_count(actor: User) -> int:
    with read_session() as session:
        return session.scalar(select(func.count()).select_from(Notification).where(
            Notification.user_id == actor.id, Notification.read_at.is_(None)))


def notifications(actor: User) -> list[dict]:
    """The person's latest notices, each with the step to open it by: the one it is about (the task
    page shows the case to those told of it). One from before 0011 named only its case: the open
    step they may work on, else the latest they held or finished, else the case's latest."""
    def latest(*where):
        return (select(func.max(Task.id)).where(Task.instance_id == Notification.instance_id, *where)
                .correlate(Notification).scalar_subquery())
    theirs = or_(Task.assignee_id == Notification.user_id, Task.completed_by == Notification.user_id)
    workable_now = latest(Task.state == "ready", workable(actor) | (Task.assignee_id == actor.id))
    with read_session() as session:
        rows = session.execute(select(Notification, func.coalesce(Notification.task_id, workable_now, latest(theirs),
                                                                  latest()).label("task_id"))
                               .where(Notification.user_id == actor.id)
                               .order_by(Notification.id.desc()).limit(LIMIT)).all()
        return [{"id": n.id, "text": n.text, "created_at": n.created_at, "read": n.read_at is not None,
                 "task_id": task_id} for n, task_id in rows]


def mark_read(actor: User) -> int:
    """Every unread notice of the person's is read now; how many there were."""
    with session_scope() as session:
        return session.execute(update(Notification).where(
            Notification.user_id == actor.id, Notification.read_at.is_(None))
            .values(read_at=datetime.now(timezone.utc))).rowcount
