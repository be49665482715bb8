"""超时督办 escalated: a 督办单 its department has not answered by its feedback date. A yellow
card's becomes a second-level order (红牌, domain-reference 3.5: "黄牌 unresolved after M working
days"); a red card's, with nothing worse to become, is reported again. Each once: the tick fires
one timer per order, at the end of its date. A case already on a red card's open order gets no
second one: its department is told again."""
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import clock
from engine.clock.orders import escalated, issue_order, open_order
from engine.clock.watchers import notify_watchers
from engine.errors import Message
from engine.services.events import record
from engine.store.models import Clock, SupervisionOrder, Timer


def order_overdue(session: Session, timer: Timer, now: datetime) -> None:
    due = timer.due_at.astimezone(clock.SHANGHAI).date()
    watched = session.get(Clock, timer.clock_id)
    late = session.scalars(select(SupervisionOrder).where(
        SupervisionOrder.clock_id == watched.id, SupervisionOrder.state == "open",
        SupervisionOrder.feedback_due == due).order_by(SupervisionOrder.id)).all()
    done = escalated(session, late)  # a timer armed again for a date already reported changes nothing
    for order in (o for o in late if o.id not in done):
        record(session, "supervision_order_overdue", instance_id=order.instance_id, clock_id=watched.id,
               order_id=order.id, card=order.card, feedback_due=due.isoformat())
        if order.card == "yellow" and watched.state != "stopped" and not open_order(session, watched, "red"):
            second = issue_order(session, watched, "red", now.astimezone(clock.SHANGHAI).date(),
                                 escalated_from=order.id)
            said = Message("%(label)s: the supervision order was not answered by %(due)s; a second-level order "
                           "(red card) is issued, to be answered by %(next)s", label=watched.label,
                           due=due.isoformat(), next=second.feedback_due.isoformat())
        else:
            said = Message("%(label)s: its supervision order was not answered by %(due)s", label=watched.label,
                           due=due.isoformat())
        notify_watchers(session, watched, said)
