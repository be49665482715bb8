"""Dates given in working days outside the clocks, counted again when the calendar changes.

A clock keeps its start and limits and is recomputed from them (clock.recompute_open_clocks).
These dates were counted once, when given: a supervision order's feedback date, the date a
review round's correction notice or a payment notice gave the applicant, the window's five days
(Art. 32), the result's delivery, a bad rating's rectification, an agency's promise. A 2027 date
given before the year's notice was counted on an estimate; when the notice makes a day counted
as working a holiday, the date moves on by as many working days as it had. It moves later only:
a date told to someone is never shortened, and a department keeps the days it was given. Each
move is recorded on its case (what, from, to, who changed the calendar).
"""
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import agencies, clock, timers
from engine.calendar import WorkCalendar
from engine.services.events import record, record_case
from engine.store import session_scope
from engine.store.models import Case, Commission, Notice, Rectification, SupervisionOrder, Task, Timer, User


def dates_awaited(before: WorkCalendar, after: WorkCalendar, actor: User | None) -> int:
    """Count every awaited date again on `after`, as it was counted on `before`; how many moved."""
    with session_scope() as session:
        def later(start: date, due: date) -> date | None:
            moved = after.recount(start, due, before)
            return moved if moved > due else None
        return sum(step(session, later, actor) for step in (_orders, _notices, _arrivals, _deliveries,
                                                             _rectifications, _commissions))


def _day(moment) -> date:
    return moment.astimezone(clock.SHANGHAI).date()


def _moved(session: Session, case: Case | None, what: str, was: date, now: date, actor: User | None,
           instance_id: int | None = None, **data) -> None:
    """Recorded on the case (or, for a procedure run without one, its instance)."""
    fields = dict(what=what, was=was.isoformat(), due_on=now.isoformat(), actor=actor, **data)
    if case is not None:
        record_case(session, "date_recounted", case, **fields)
    else:
        record(session, "date_recounted", instance_id=instance_id, **fields)


def _orders(session: Session, later, actor) -> int:
    """Open 督办单: the department's feedback date, and the escalation's timer with it."""
    moved = 0
    for order in session.scalars(select(SupervisionOrder).where(SupervisionOrder.state == "open")):
        new = later(_day(order.issued_at), order.feedback_due)
        if new is None:
            continue
        old, order.feedback_due = order.feedback_due, new
        _sync_order_timers(session, order)
        case = session.scalar(select(Case).where(Case.instance_id == order.instance_id))
        _moved(session, case, "order", old, new, actor, instance_id=order.instance_id, order_id=order.id,
               card=order.card)
        moved += 1
    return moved


def _notices(session: Session, later, actor) -> int:
    """A correction or payment notice still waiting: the applicant's date (the notice keeps the
    date it printed as printed_due_on), the waiting step's and the window's reminder."""
    moved = 0
    for timer in session.scalars(select(Timer).where(Timer.kind == "answer_due", Timer.state == "pending")).all():
        old = _day(timer.due_at)
        notice = next((n for n in session.scalars(select(Notice).where(
            Notice.case_id == timer.case_id, Notice.kind.in_(("review_correction", "payment"))).order_by(Notice.id.desc()))
            if n.data.get("due_on") == old.isoformat()), None)
        new = notice and later(_day(notice.issued_at), old)
        if new is None:
            continue
        notice.data = {**notice.data, "due_on": new.isoformat(),
                       "printed_due_on": notice.data.get("printed_due_on", old.isoformat())}
        timer.due_at = clock.end_of(new)
        case = session.get(Case, timer.case_id)
        for task in session.scalars(select(Task).where(Task.instance_id == case.instance_id, Task.state == "ready",
                                                       Task.due_at == clock.end_of(old))):
            task.due_at = clock.end_of(new)
        _moved(session, case, notice.kind, old, new, actor, notice=notice.number)
        moved += 1
    return moved


def _arrivals(session: Session, later, actor) -> int:
    """Art. 32: the window's five working days to answer materials that arrived."""
    moved = 0
    for timer in session.scalars(select(Timer).where(Timer.kind == "deemed", Timer.state == "pending")).all():
        old = _day(timer.due_at)
        new = later(_day(timer.created_at), old)
        if new is not None:
            timer.due_at = clock.end_of(new)
            _moved(session, session.get(Case, timer.case_id), "arrival", old, new, actor)
            moved += 1
    return moved


def _deliveries(session: Session, later, actor) -> int:
    """The result's delivery date the case states (its clock is recomputed with the others)."""
    moved = 0
    for case in session.scalars(select(Case).where(Case.status == "decided", Case.decided_at.is_not(None))):
        due = (case.delivery or {}).get("due_on")
        if not due or (case.delivery or {}).get("delivered_at"):
            continue
        old = date.fromisoformat(due)
        new = later(_day(case.decided_at), old)
        if new is not None:
            case.delivery = {**case.delivery, "due_on": new.isoformat()}
            _moved(session, case, "delivery", old, new, actor)
            moved += 1
    return moved


def _rectifications(session: Session, later, actor) -> int:
    """整改: the department's date to answer a bad rating, and the timer the day after it."""
    moved = 0
    for row in session.scalars(select(Rectification).where(Rectification.state == "open",
                                                           Rectification.overdue_at.is_(None))).all():
        new = later(_day(row.created_at), row.due_on)
        if new is None:
            continue
        old, row.due_on = row.due_on, new
        _move_timers(session, "rectification", clock.start_of(old + timedelta(days=1)),
                     clock.start_of(new + timedelta(days=1)), case_id=row.case_id)
        _moved(session, row.case, "rectification", old, new, actor, department=row.department)
        moved += 1
    return moved


def _commissions(session: Session, later, actor) -> int:
    """An agency's promised date, in working days from the day it was chosen."""
    moved = 0
    for row in session.scalars(select(Commission).where(Commission.state == "open")).all():
        new = later(row.chosen_on, row.due_on)
        if new is None:
            continue
        old, row.due_on = row.due_on, new
        agencies.sync_timers(session, row.case)
        _moved(session, row.case, "commission", old, new, actor, agency=row.agency.name, kind=row.kind)
        moved += 1
    return moved


def _sync_order_timers(session: Session, order: SupervisionOrder) -> None:
    """Escalation reads the orders due on its timer's date: one timer per date an open order of
    the clock falls due."""
    timers.one_per_date(session, "order_due", {clock.end_of(due) for due in session.scalars(
        select(SupervisionOrder.feedback_due).where(SupervisionOrder.clock_id == order.clock_id,
                                                    SupervisionOrder.state == "open"))},
        clock_id=order.clock_id, instance_id=order.instance_id)


def _move_timers(session: Session, kind: str, old, new, **owner) -> None:
    """The pending timer of that kind and owner due at `old` falls due at `new`."""
    for timer in session.scalars(select(Timer).where(Timer.kind == kind, Timer.state == "pending", Timer.due_at == old,
                                                     *(getattr(Timer, k) == v for k, v in owner.items()))):
        timer.due_at = new
