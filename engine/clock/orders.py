"""督办单 (supervision orders): issued to a clock's department when it passes a limit (a yellow or
red card), to be answered within FEEDBACK_DAYS (engine.config); the tick escalates one left unanswered
(engine.escalation)."""
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

import engine.clock
from engine import config
from engine.services import calendars
from engine.services.events import record
from engine.store.models import Clock, Event, SupervisionOrder, Timer


def open_order(session: Session, clock: Clock, card: str) -> SupervisionOrder | None:
    """The card's order still waiting for its answer, if any."""
    return session.scalar(select(SupervisionOrder).where(SupervisionOrder.clock_id == clock.id,
                                                         SupervisionOrder.card == card,
                                                         SupervisionOrder.state == "open").limit(1))


def escalated(session: Session, orders) -> set[int]:
    """The ids of those orders the tick already found unanswered at their date (engine.escalation):
    escalated, or reported again, once; an order stays open until answered."""
    orders = list(orders)
    if not orders:
        return set()
    reported = session.scalars(select(Event.data).where(Event.type == "supervision_order_overdue",
                                                        Event.instance_id.in_({o.instance_id for o in orders})))
    return {data.get("order_id") for data in reported} & {o.id for o in orders}


def issue_order(session: Session, clock: Clock, card: str, day: date, **data) -> SupervisionOrder:
    """督办单 for a card, for the clock's department to answer within FEEDBACK_DAYS; if that day
    passes unanswered, the tick escalates it (engine.escalation)."""
    days = config.period("FEEDBACK_DAYS")
    order = SupervisionOrder(clock_id=clock.id, instance_id=clock.instance_id, department=clock.department,
                             card=card, feedback_due=calendars.current().add_workdays(day, days).date,
                             counted_from=day, working_days=days)
    session.add(order)
    session.flush()
    due = engine.clock.end_of(order.feedback_due)
    # One timer answers for every order of the clock due that day (engine.escalation).
    if not session.scalar(select(Timer.id).where(Timer.kind == "order_due", Timer.clock_id == clock.id,
                                                 Timer.due_at == due, Timer.state == "pending")):
        session.add(Timer(kind="order_due", instance_id=clock.instance_id, clock_id=clock.id, due_at=due))
    record(session, "supervision_order_issued", instance_id=clock.instance_id, clock_id=clock.id,
           order_id=order.id, card=card, feedback_due=order.feedback_due.isoformat(), **data)
    return order
