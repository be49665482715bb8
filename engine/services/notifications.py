"""What staff and agents are told (抄送, 催办, 转办, a clock's warning, a notice to the applicant of a
case an agent filed, a case ended without the window): listed for the person told, newest
first, and marked read when they have seen them."""
from datetime import datetime, timezone

from sqlalchemy import func, or_, select, update

from engine.errors import Message
from engine.services.lanes import workable
from engine.store import session_scope
from engine.store.db import read_session
from engine.store.models import Case, Instance, Notification, Task, User

LIMIT = 100


def tell(session, user_ids, instance_id: int | None, task_id: int | None, message: Message, *,
         number: str | None = None, rectification_id: int | None = None, about: str | None = None) -> None:
    """Tell each of the people (ids) about a step or a case: staff know a case by its number (its
    procedure's business key, or `number` for one told of a case, not a step), which goes first.
    The sentence is kept to be read in each reader's language; one about a rectification (整改)
    keeps its id, for its link; `about` names a page of its own to open it by (agency_overdue: the
    supervisors' list of overrunning agencies)."""
    if instance_id:
        number = session.get(Instance, instance_id).business_key  # loaded by the caller
    told = _about(number, message)
    stored = {"template": message.template, "values": message.values, "number": number}
    if rectification_id is not None:
        stored["rectification_id"] = rectification_id
    if about is not None:
        stored["about"] = about
    for user_id in dict.fromkeys(user_ids):  # once each, in the order given
        session.add(Notification(user_id=user_id, instance_id=instance_id, task_id=task_id, text=str(told),
                                 message=stored))


def _about(number: str | None, message: Message) -> Message:
    return Message("Case %(number)s: %(what)s", number=number, what=message) if number else message


def _sentence(notification: Notification):
    """The notification's sentence, translatable; an older one's Chinese text."""
    stored = notification.message
    if not stored:
        return notification.text
    return _about(stored.get("number"), Message(stored["template"], **stored.get("values", {})))


def unread_count(actor: User) -> int:
    with read_session() as session:
        return session.scalar(select(func.count()).select_from(Notification).where(
            Notification.user_id == actor.id, Notification.read_at.is_(None)))


def notifications(actor: User) -> list[dict]:
    """The person's latest notices, each with the step to open it by: the one it is about (the task
    page shows the case to those told of it). One from before 0011 named only its case: the open
    step they may work on, else the latest they held or finished, else the case's latest. One about
    a case, not a step (an agent's, the window's of an end), opens by its case (`case_id`)."""
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
        numbers = {(n.message or {}).get("number") for n, task_id in rows if task_id is None} - {None}
        cases = dict(session.execute(select(Case.number, Case.id).where(Case.number.in_(numbers))).all()) \
            if numbers else {}
        return [{"id": n.id, "text": _sentence(n), "created_at": n.created_at, "read": n.read_at is not None,
                 "task_id": task_id, "case_id": cases.get((n.message or {}).get("number")) if task_id is None else None,
                 "rectification_id": (n.message or {}).get("rectification_id"), "about": (n.message or {}).get("about")}
                for n, task_id in rows]


def mark_read(actor: User) -> int:
    """Every unread notice of the person's is read now; how many there were."""
    with session_scope() as session:
        return session.execute(update(Notification).where(
            Notification.user_id == actor.id, Notification.read_at.is_(None))
            .values(read_at=datetime.now(timezone.utc))).rowcount
