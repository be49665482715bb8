"""Dates given in working days outside the clocks, counted again when the calendar changes.

A clock keeps its start and limits and is recomputed from them
(engine.clock.limits.recompute_open_clocks). These dates keep theirs too, the day each was
counted from and its number of working days: a supervision order's feedback date, the date a
review round's correction notice or a payment notice gave the applicant, the window's five days
(Art. 32), the delivery of a result decided on the spot (one decided by a procedure has a clock),
a bad rating's rectification, an agency's promise, a pledge's check. Each is counted afresh on the calendar in
force, and moves when that count ends later: a date told to someone is never shortened, and as
every count starts from the date's own start, changes in turn (a notice replaced, a closure
added, taken back, another added) never add up. A date already passed stays, as does an order
already escalated: what fell due then has happened. Each move is recorded on its case (what,
from, to, who changed the calendar). Counting again changes nothing more, so a recount cut short
is finished by running it again (calendars.recount).
"""
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import agencies, clock, pledge_checks, ratings, timers
from engine.calendar import WorkCalendar
from engine.clock.orders import escalated
from engine.services.events import record, record_case
from engine.store import session_scope
from engine.store.models import (Case, Commission, Event, Notice, Rectification, SupervisionOrder, Task,
                                 Timer, User)


def dates_awaited(calendar: WorkCalendar, actor: User | None) -> int:
    """Count every date still awaited again on `calendar`; how many moved."""
    today = clock.today()

    def later(start: date, days: int, due: date) -> date | None:
        if due < today:
            return None
        fresh = calendar.add_workdays(start, days).date
        return fresh if fresh > due else None
    with session_scope() as session:
        return sum(step(session, later, actor) for step in (_orders, _notices, _arrivals, _deliveries,
                                                             _rectifications, _commissions, _pledge_checks))


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
    """Open 督办单 not yet escalated: the department's feedback date, and the escalation's timers
    with it, each clock's once."""
    waiting = session.scalars(select(SupervisionOrder).where(SupervisionOrder.state == "open")).all()
    done = escalated(session, waiting)
    moved, of_clock = [], {}
    for order in waiting:
        of_clock.setdefault(order.clock_id, []).append(order)
        new = None if order.id in done else later(order.counted_from, order.working_days, order.feedback_due)
        if new is not None:
            moved.append((order, order.feedback_due))
            order.feedback_due = new
    if not moved:
        return 0
    for clock_id in {order.clock_id for order, _ in moved}:
        _sync_order_timers(session, of_clock[clock_id], done)
    cases = {case.instance_id: case for case in session.scalars(
        select(Case).where(Case.instance_id.in_({order.instance_id for order, _ in moved})))}
    for order, old in moved:
        _moved(session, cases.get(order.instance_id), "order", old, order.feedback_due, actor,
               instance_id=order.instance_id, order_id=order.id, card=order.card)
    return len(moved)


def _notices(session: Session, later, actor) -> int:
    """A correction or payment notice still waiting: the applicant's date (the notice keeps the
    date it printed as printed_due_on), its step's and the window's reminder."""
    moved = 0
    for timer in session.scalars(select(Timer).where(Timer.kind == "answer_due", Timer.state == "pending")).all():
        old = _day(timer.due_at)
        notice = next((n for n in session.scalars(select(Notice).where(
            Notice.case_id == timer.case_id, Notice.kind.in_(("review_correction", "payment"))).order_by(Notice.id.desc()))
            if n.data.get("due_on") == old.isoformat()), None)
        new = notice and later(date.fromisoformat(notice.data["counted_from"]), notice.data["working_days"], old)
        if new is None:
            continue
        notice.data = {**notice.data, "due_on": new.isoformat(),
                       "printed_due_on": notice.data.get("printed_due_on", old.isoformat())}
        timer.due_at = clock.end_of(new)
        step = _issued_by(session, notice)
        if step is not None and step.state == "ready":
            step.due_at = clock.end_of(new)
        _moved(session, session.get(Case, timer.case_id), notice.kind, old, new, actor, notice=notice.number)
        moved += 1
    return moved


def _issued_by(session: Session, notice: Notice) -> Task | None:
    """The step that issued the notice and waits until its date (its notice_issued event names it);
    the case's other steps keep their own dates."""
    task_id = session.scalar(select(Event.task_id).where(
        Event.case_id == notice.case_id, Event.type == "notice_issued",
        Event.data["notice"].as_string() == notice.number).limit(1))
    return session.get(Task, task_id) if task_id is not None else None


def _arrivals(session: Session, later, actor) -> int:
    """Art. 32: the window's five working days to answer materials that arrived."""
    moved = 0
    for timer in session.scalars(select(Timer).where(Timer.kind == "deemed", Timer.state == "pending")).all():
        old = _day(timer.due_at)
        new = later(timer.counted_from, timer.working_days, old)
        if new is not None:
            timer.due_at = clock.end_of(new)
            _moved(session, session.get(Case, timer.case_id), "arrival", old, new, actor)
            moved += 1
    return moved


def _deliveries(session: Session, later, actor) -> int:
    """The delivery date of a case decided on the spot, without a procedure, so without a clock."""
    moved = 0
    for case in session.scalars(select(Case).where(Case.status == "decided", Case.instance_id.is_(None),
                                                   Case.decided_at.is_not(None))):
        due = (case.delivery or {}).get("due_on")
        if not due:
            continue
        old = date.fromisoformat(due)
        new = later(_day(case.decided_at), case.delivery["working_days"], old)
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
        new = later(row.counted_from, row.working_days, row.due_on)
        if new is None:
            continue
        old, row.due_on = row.due_on, new
        _move_timers(session, ratings.TIMER, ratings.timer_due(old), ratings.timer_due(new), case_id=row.case_id)
        _moved(session, row.case, "rectification", old, new, actor, department=row.department)
        moved += 1
    return moved


def _commissions(session: Session, later, actor) -> int:
    """An agency's promised date, in the working days it promised from the day it was chosen."""
    moved = 0
    for row in session.scalars(select(Commission).where(Commission.state == "open")).all():
        new = later(row.chosen_on, row.working_days, row.due_on)
        if new is None:
            continue
        old, row.due_on = row.due_on, new
        agencies.sync_timers(session, row.case)
        _moved(session, row.case, "commission", old, new, actor, agency=row.agency.name, kind=row.kind)
        moved += 1
    return moved


def _pledge_checks(session: Session, later, actor) -> int:
    """核查: the department's date to check a granted case's pledge, and the case's timers with it."""
    moved, cases = 0, set()
    for row in session.scalars(pledge_checks.watched()).all():
        new = later(row.counted_from, row.working_days, row.due_on)
        if new is None:
            continue
        old, row.due_on = row.due_on, new
        cases.add(row.case_id)
        _moved(session, row.case, "pledge_check", old, new, actor, material=row.material.name)
        moved += 1
    for case_id in cases:
        pledge_checks.sync_timers(session, case_id)
    return moved


def _sync_order_timers(session: Session, orders: list[SupervisionOrder], done: set[int]) -> None:
    """Escalation reads the orders due on its timer's date: one timer per date an open order of
    the clock (`orders`: every one) not yet escalated (`done`) falls due (an escalated one's date
    is behind it: a timer armed for it again would escalate it again)."""
    timers.one_per_date(session, "order_due", {clock.end_of(o.feedback_due) for o in orders if o.id not in done},
                        clock_id=orders[0].clock_id, instance_id=orders[0].instance_id)


def _move_timers(session: Session, kind: str, old, new, **owner) -> None:
    """The pending timer of that kind and owner due at `old` falls due at `new`."""
    for timer in session.scalars(select(Timer).where(Timer.kind == kind, Timer.state == "pending", Timer.due_at == old,
                                                     *(getattr(Timer, k) == v for k, v in owner.items()))):
        timer.due_at = new
