"""Who is told of a clock (电子监察): when its level changes, its special procedure overruns or its
supervision order goes unanswered."""
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.errors import Message
from engine.services.notifications import tell
from engine.store.models import Clock, Department, Task, User


def notify_watchers(session: Session, clock: Clock, message: Message) -> None:
    """The assignee, the department's heads (role lead; a window's clerks, who deliver) and every
    supervisor."""
    recipients = set()
    if clock.task_id is not None:
        task = session.get(Task, clock.task_id)
        if task is not None and task.assignee_id:
            recipients.add(task.assignee_id)
    people = session.scalars(select(User).outerjoin(Department, User.department_id == Department.id)
                             .where(User.active.is_(True))).all()
    for user in people:
        heads = ({"lead", "clerk"} & set(user.roles or ()) and user.department is not None
                 and user.department.code == clock.department)
        if heads or "supervisor" in (user.roles or ()):
            recipients.add(user.id)
    tell(session, sorted(recipients), clock.instance_id, clock.task_id, message)
