"""A clock's limits (法定时限, 承诺时限): a case's or a step's deadlines from its start, each in its
unit (working days, calendar days or hours: units.py), moved by the time its special procedures
took and by an extension, never earlier than a date printed for the applicant, and a step's never
later than its case's (domain.md section 3)."""
import math
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

import engine.clock
from engine import config
from engine.clock import units
from engine.clock.levels import refresh_clock
from engine.errors import Invalid
from engine.services import calendars
from engine.services.events import record
from engine.store import session_scope
from engine.store.models import Clock, Task, User

# A clock still counting, said as the states it may be in (not "!= stopped"): the lists of open
# clocks then read the index on state instead of every clock of a year's cases.
OPEN_STATES = ("running", "paused")
OPEN = Clock.state.in_(OPEN_STATES)
MAX_WORKING_DAYS = 1000  # about four years: a longer limit is a mistake, not a limit


def step_clocks(session: Session, task_id: int) -> list[Clock]:
    """The clocks still counting a step's promised limit."""
    return session.scalars(select(Clock).where(Clock.task_id == task_id, OPEN)).all()


def start_clock(session: Session, instance_id: int, *, label: str, promised_days: int,
                statutory_days: int | None = None, started_on: date | None = None,
                task_id: int | None = None, department: str | None = None,
                item_code: str | None = None, actor: User | None = None,
                promised_unit: str = units.WORKING_DAYS, statutory_unit: str = units.WORKING_DAYS) -> Clock:
    """A limit starts counting: a case's (from its acceptance; its delivery's from the decision) or a
    step's (from the day it opened), each limit in its unit. It warns as the setting was when it
    started (WARNING_PERCENT). Hours count from now, or from the first moment of a day it started
    on before today (a case deemed accepted from the day its materials arrived, Art. 32)."""
    if promised_days < 0 or (statutory_days is not None and units.in_hours(statutory_days, statutory_unit)
                             < units.in_hours(promised_days, promised_unit)):
        raise Invalid("A promised limit must not be negative nor exceed the statutory limit")
    started_on = started_on or engine.clock.today()
    now = engine.clock.now()
    clock = Clock(instance_id=instance_id, task_id=task_id, department=department, item_code=item_code,
                  label=label, started_on=started_on, promised_days=promised_days, statutory_days=statutory_days,
                  promised_unit=promised_unit, statutory_unit=statutory_unit,
                  # whole seconds, as the notices and the API write a moment
                  started_at=now.replace(microsecond=0) if started_on == engine.clock.today()
                  else engine.clock.start_of(started_on),
                  warn_ratio=config.warning_share(), promised_due=date.min, paused_days=0,
                  paused_calendar_days=0, paused_seconds=0, extension_days=0)
    session.add(clock)
    recompute(session, clock)
    session.flush()
    record(session, "clock_started", actor=actor, instance_id=instance_id, task_id=task_id,
           clock_id=clock.id, label=label, promised_due=clock.promised_due.isoformat(),
           statutory_due=clock.statutory_due.isoformat() if clock.statutory_due else None,
           provisional=clock.provisional)
    refresh_clock(session, clock, now)
    return clock


def recompute(session: Session, clock: Clock) -> None:
    """Deadlines from the start, the limits, days paused and extensions; never before a floor.
    An extension (Art. 42) lengthens the statutory limit only: the promise printed on the
    acceptance notice stays the centre's promise, and a case past it stays on its yellow card.
    A step's deadlines never pass its case's (_cap_to_case); its task carries its promised
    deadline too: the inboxes sort and show by it."""
    promised, statutory = _own_dues(clock)
    clock.promised_due = max(promised.date, clock.promised_floor or date.min)
    clock.promised_due_at = promised.at
    provisional = promised.provisional
    if statutory is not None:
        clock.statutory_due = max(statutory.date, clock.statutory_floor or date.min)
        clock.statutory_due_at = statutory.at
        provisional = provisional or statutory.provisional
    clock.provisional = provisional
    if clock.task_id is not None:
        _cap_to_case(session, clock)
        session.get(Task, clock.task_id).due_at = clock.promised_due_at or engine.clock.end_of(clock.promised_due)
    elif clock == case_clock(session, clock.instance_id):
        _recap_steps(session, clock)


def _own_dues(clock: Clock) -> tuple[units.End, units.End | None]:
    """The clock's deadlines by its own limits, each in its unit (statutory None without one). A
    limit in hours needs no floor: it depends on no calendar, so no recount moves it earlier."""
    cal = calendars.current()
    promised = units.end(cal, clock, "promised", clock.promised_days)
    statutory = None if clock.statutory_days is None else units.end(
        cal, clock, "statutory", clock.statutory_days + clock.extension_days)
    return promised, statutory


def _cap_to_case(session: Session, step: Clock) -> None:
    """A step's deadline never ends after its case's: a case deemed accepted (Art. 32(4)) counts
    from the day the materials arrived, and a step opening late (a second review round) starts
    its own limit late, but the department has only the time the case has (the centre's promise
    to the applicant, and Art. 42's limit). Its statutory limit (Art. 43) is capped the same.
    Never before the day the step opened: a department handed a case already past its date is
    due that day (warned), not on a card, with an order, for days it never had."""
    whole = case_clock(session, step.instance_id)
    if whole is None or whole.state == "stopped" or whole.promised_due == date.min:
        return  # no case limit counting: a procedure run without a case, or after its decision
    step.promised_due, step.promised_due_at = _capped(
        step.promised_due, step.promised_due_at, whole.promised_due, whole.promised_due_at, step.started_on)
    if step.statutory_due is not None and whole.statutory_due is not None:
        step.statutory_due, step.statutory_due_at = _capped(
            step.statutory_due, step.statutory_due_at, whole.statutory_due, whole.statutory_due_at, step.started_on)


def _capped(own: date, own_at, case: date, case_at, opened: date):
    """A step's (day, moment) no later than its case's, never before the day it opened: a case's limit
    in hours passes at its moment, and so does its step's capped to it."""
    if _passes(case, case_at) < _passes(own, own_at):
        own, own_at = case, case_at
    return (own, own_at) if own >= opened else (opened, None)


def _recap_steps(session: Session, whole: Clock) -> None:
    """The case's deadlines moved (started, resumed, extended): its open steps' caps move too."""
    now = engine.clock.now()
    for step in session.scalars(select(Clock).where(Clock.instance_id == whole.instance_id,
                                                    Clock.task_id.is_not(None), OPEN)):
        before = step.promised_due, step.statutory_due
        recompute(session, step)
        if (step.promised_due, step.statutory_due) != before:
            refresh_clock(session, step, now)


def own_promised_due(clock: Clock) -> date:
    """The promised date by the clock's own limit and the days its special procedures took, before
    a step's cap to its case's: the days a rule gives a department consulted (engine/clock/consent.py)."""
    return _own_dues(clock)[0].date


def capped(clock: Clock) -> bool:
    """Whether a step's deadline was shortened to its case's (_cap_to_case)."""
    if clock.task_id is None:
        return False
    promised, statutory = _own_dues(clock)
    return _passes(promised.date, promised.at) > _passes(clock.promised_due, clock.promised_due_at) or (
        statutory is not None and clock.statutory_due is not None
        and _passes(statutory.date, statutory.at) > _passes(clock.statutory_due, clock.statutory_due_at))


def _passes(day: date, at):
    """The moment a limit passes: its own for one in hours (or capped to one), else its day's end."""
    return at or engine.clock.end_of(day)


def case_clock(session: Session, instance_id: int) -> Clock | None:
    """The whole case's clock (the first one started without a task)."""
    return session.scalar(select(Clock).where(Clock.instance_id == instance_id, Clock.task_id.is_(None))
                          .order_by(Clock.id).limit(1))


def delivery_clock(session: Session, instance_id: int) -> Clock | None:
    """A decided case's delivery clock: the whole-case clock its decision started after the case's own."""
    return session.scalar(select(Clock).where(Clock.instance_id == instance_id, Clock.task_id.is_(None))
                          .order_by(Clock.id).offset(1).limit(1))


def promise_to_applicant(session: Session, clock: Clock) -> None:
    """The deadlines were printed on a notice: from now on they may move later, never earlier."""
    clock.promised_floor, clock.statutory_floor = clock.promised_due, clock.statutory_due


def recompute_open_clocks(actor: User | None = None) -> int:
    """After a calendar change (by `actor`): every clock that has not stopped gets its deadlines
    again; its case's history says what moved from what, or that provisional dates became firm."""
    with session_scope() as session:
        clocks = session.scalars(select(Clock).where(OPEN).order_by(Clock.id)).all()  # the history in the order they started
        # Each clock's dates as they were before any moved: a case clock's recount caps its steps
        # again, so a step read only when its turn came would have nothing left to say.
        was = {clock.id: (clock.promised_due, clock.statutory_due, clock.provisional) for clock in clocks}
        for clock in clocks:
            recompute(session, clock)
            before = was[clock.id]
            if before != (clock.promised_due, clock.statutory_due, clock.provisional):
                record(session, "clock_recomputed", actor=actor, instance_id=clock.instance_id, clock_id=clock.id,
                       label=clock.label, promised_due=clock.promised_due.isoformat(),
                       statutory_due=clock.statutory_due and clock.statutory_due.isoformat(),
                       was_promised_due=before[0].isoformat(), was_statutory_due=before[1] and before[1].isoformat(),
                       provisional=clock.provisional)
            refresh_clock(session, clock, engine.clock.now())
        return len(clocks)


def clocks_of(instance_id: int) -> list[Clock]:
    """Every clock of a case's procedure, in the order they started."""
    with session_scope() as session:
        return list(session.scalars(select(Clock).where(Clock.instance_id == instance_id).order_by(Clock.id)))


def describe(clock: Clock, day: date | None = None) -> dict:
    """The clock as the pages and the API show it, what is left of it counted from `day` (today),
    or from now for a limit in hours."""
    day = day or engine.clock.today()
    cal = calendars.current()
    return {"id": clock.id, "instance_id": clock.instance_id, "task_id": clock.task_id, "label": clock.label,
            "department": clock.department, "state": clock.state, "level": clock.level,
            "started_on": clock.started_on.isoformat(), "promised_days": clock.promised_days,
            "statutory_days": clock.statutory_days, "promised_unit": units.of(clock, "promised"),
            "statutory_unit": units.of(clock, "statutory"), "promised_due": clock.promised_due.isoformat(),
            "statutory_due": clock.statutory_due.isoformat() if clock.statutory_due else None,
            "promised_due_at": local(clock.promised_due_at), "statutory_due_at": local(clock.statutory_due_at),
            "provisional": clock.provisional, "paused_days": clock.paused_days,
            # Each date is provisional on its own: a promised day in an official year stays firm
            # when the statutory one runs into a year without its notice; a moment (in hours) is
            # counted on no calendar.
            "promised_provisional": clock.promised_due_at is None and cal.provisional(clock.promised_due),
            "statutory_provisional": bool(clock.statutory_due) and clock.statutory_due_at is None
            and cal.provisional(clock.statutory_due),
            "extension_days": clock.extension_days,
            # A step's deadline shortened to its case's: the page says why it is earlier than its limit.
            "capped": capped(clock),
            "workdays_left": cal.workdays_between(day, clock.promised_due) if day <= clock.promised_due
            else -cal.workdays_between(clock.promised_due, day),
            # in the promised limit's unit; an hour begun is counted whole, either way
            "left": _whole(units.left(cal, clock, day, engine.clock.now()))}


def local(moment) -> str | None:
    """A limit's moment (one in hours) as China's time, for the pages and the API."""
    return moment.astimezone(engine.clock.SHANGHAI).isoformat(timespec="seconds") if moment else None


def _whole(left: float) -> int:
    return math.ceil(left) if left >= 0 else -math.ceil(-left)
