"""在办案件 and 案件时限: the cases still running, by their clocks, and one case's clocks with its
special procedures, supervision orders and the history of its time.

Who sees what is the board's rule (supervision.overview): supervisors and administrators every
department's, a department's head (lead) the cases their department has a limit on.
"""
import math
from datetime import date

from sqlalchemy import case, func, select
from sqlalchemy.orm import aliased

from engine import clock
from engine.clock import limits, units
from engine.clock.levels import LEVELS
from engine.errors import Forbidden, Invalid
from engine.services import calendars, cases, progress
from engine.services.task_views import describe_task
from engine.services.users import department_names, require
from engine.store.db import fetch, read_session
from engine.store.models import Case, Clock, Instance, ServiceItem, SpecialProcedure, Task, User
from engine.supervision import department_of, orders

WATCHERS = ("supervisor", "lead")
PAGE = 50
# A case's history as far as its time goes: the limits, their pauses and cards, and what ends them.
TIME_EVENTS = ("case_accepted", "clock_started", "clock_level_changed", "clock_extended", "clock_recomputed",
               "special_procedure_started", "special_procedure_ended", "special_procedure_overrun",
               "supervision_order_issued", "supervision_order_answered", "supervision_order_overdue", "task_urged",
               "consent_deemed", "clock_stopped",
               "instance_suspended", "instance_resumed", "case_decided", "case_delivered", "case_terminated",
               "case_withdrawn")

_OPEN = limits.OPEN
_RANK = case({level: rank for rank, level in enumerate(LEVELS)}, value=Clock.level)
_WHOLE = func.max(case((Clock.task_id.is_(None), Clock.id)))
# A case runs while a whole-case clock counts (its own, then its delivery's; the board's 在办件).
# Per case: that clock, the worst level of its open clocks (as the board counts it, so a case whose
# step is late is not 正常), and its nearest deadline among the clocks that run (a paused one's
# date moves on when it ends).
_RUNNING = (select(Clock.instance_id, _WHOLE.label("whole_id"), func.max(_RANK).label("worst"),
                   func.min(case((Clock.state == "running", Clock.promised_due))).label("nearest"))
            .where(_OPEN).group_by(Clock.instance_id).having(_WHOLE.is_not(None)))


def running(actor: User, *, department: str | None = None, levels: tuple = (), paused: bool = False,
            number: str = "", page: int = 1) -> dict:
    """A page of the running cases, nearest deadline first: those a department has a limit
    counting on (its own or a step's), at these worst `levels`, whose case clock is `paused` by a
    special procedure, whose number contains `number`. A head sees their department's alone.
    Returns {"cases", "total", "page", "pages"}."""
    require(actor, *WATCHERS)
    unknown = sorted(set(levels) - set(LEVELS))
    if unknown:
        raise Invalid("Unknown clock level %(level)s; known: %(levels)s", level=repr(unknown[0]),
                      levels=", ".join(LEVELS))
    if not actor.has_role("supervisor"):
        department = department_of(actor)
        if department is None:  # else "department == None" would match the limits no one answers for
            return {"cases": [], "total": 0, "page": 1, "pages": 1}
    running_cases = _RUNNING
    if department:
        theirs = aliased(Clock)
        running_cases = running_cases.where(Clock.instance_id.in_(
            select(theirs.instance_id).where(theirs.state.in_(limits.OPEN_STATES), theirs.department == department)))
    found = running_cases.subquery()
    number_of = func.coalesce(Case.number, Instance.business_key)
    query = (select(found.c.worst, Clock, Case.id.label("case_id"), number_of.label("number"),
                    ServiceItem.name.label("item_name"), Case.accepted_on)
             .select_from(found).join(Clock, Clock.id == found.c.whole_id)
             .join(Instance, Instance.id == found.c.instance_id)
             .outerjoin(Case, Case.instance_id == found.c.instance_id)
             .outerjoin(ServiceItem, ServiceItem.id == Case.item_id))
    if levels:
        query = query.where(found.c.worst.in_([LEVELS.index(level) for level in levels]))
    if paused:
        query = query.where(Clock.state == "paused")
    if number.strip():
        query = query.where(number_of.contains(number.strip(), autoescape=True))
    with read_session() as session:
        total = session.scalar(select(func.count()).select_from(query.subquery()))
        pages = max(1, math.ceil(total / PAGE))
        page = min(max(1, page), pages)
        rows = session.execute(query.order_by(case((found.c.nearest.is_(None), 1), else_=0), found.c.nearest,
                                              Clock.promised_due, found.c.instance_id)
                               .offset((page - 1) * PAGE).limit(PAGE)).all()
        ids = [row.Clock.instance_id for row in rows]
        steps = session.scalars(select(Clock).where(Clock.instance_id.in_(ids), Clock.task_id.is_not(None), _OPEN)
                                .order_by(Clock.id)).all()
        waiting = _procedures(session, [row.Clock.id for row in rows if row.Clock.state == "paused"], open_only=True)
        names = department_names(session)
    today = clock.today()
    return {"total": total, "page": page, "pages": pages, "cases": [{
        "instance_id": row.Clock.instance_id, "case_id": row.case_id, "case_number": row.number,
        "item_name": row.item_name or row.Clock.label, "accepted_on": _iso(row.accepted_on),
        "department": row.Clock.department, "department_name": names.get(row.Clock.department, row.Clock.department),
        "level": LEVELS[row.worst], "clock": limits.describe(row.Clock, today),
        "procedure": next(iter(waiting.get(row.Clock.id, [])), None),
        "steps": [{**limits.describe(s, today), "department_name": names.get(s.department, s.department)}
                  for s in steps if s.instance_id == row.Clock.instance_id]} for row in rows]}


def case_clocks(instance_id: int, actor: User) -> dict:
    """案件时限: the case (number, item, the applicant's name), every clock on it (its own, its
    steps', its delivery's) with its special procedures, its open steps, its supervision orders
    and the history of its time. A head, of a case their department has a limit on."""
    require(actor, *WATCHERS)
    with read_session() as session:
        clocks = session.scalars(select(Clock).where(Clock.instance_id == instance_id).order_by(Clock.id)).all()
        # A head is refused alike whether the case is another department's or none at all.
        if not cases.watches(session, actor, instance_id):
            raise Forbidden("This case belongs to other departments")
        instance = fetch(session, Instance, instance_id, "instance")
        row = session.scalar(select(Case).where(Case.instance_id == instance_id))
        steps = {t.id: t for t in session.scalars(select(Task).where(Task.id.in_({c.task_id for c in clocks})))}
        paused = _procedures(session, [c.id for c in clocks])
        names = department_names(session)
        whole = [c.id for c in clocks if c.task_id is None]
        today = clock.today()
        described = [{
            **limits.describe(c, today), "department_name": names.get(c.department, c.department),
            # The first whole-case clock is the case's own (limits.case_clock); one started later, its delivery's.
            "kind": "step" if c.task_id else ("case" if c.id == whole[0] else "delivery"),
            "stopped_on": _iso(c.stopped_on), "used_days": c.used_days,
            "late": units.late(c, c.stopped_on, c.stopped_at) if c.stopped_on else None,
            "step": _step(session, actor, steps.get(c.task_id)), "procedures": paused.get(c.id, [])} for c in clocks]
        info = {"instance_id": instance_id, "clocks": described,
                "case": {"id": row.id, "number": row.number, "item_code": row.item_code, "item_name": row.item.name,
                         "applicant": row.applicant.name, "status": row.status,
                         "accepted_on": _iso(row.accepted_on)} if row else None,
                "number": row.number if row else instance.business_key, "procedure_state": instance.state,
                # A head urges any open step of the case here, but opens only those they may read.
                "open_steps": [{**describe_task(t), "readable": progress.may_read_task(session, actor, t)}
                               for t in session.scalars(select(Task).where(
                                   Task.instance_id == instance_id, Task.state == "ready").order_by(Task.id))],
                "events": progress.history(session, instance_id, row.id if row else None, TIME_EVENTS)}
    info["orders"] = orders(actor, instance_id=instance_id)
    return info


def _procedures(session, clock_ids: list[int], *, open_only: bool = False) -> dict[int, list[dict]]:
    """The special procedures of these clocks by clock, oldest first (only those still running)."""
    query = select(SpecialProcedure).where(SpecialProcedure.clock_id.in_(clock_ids))
    if open_only:
        query = query.where(SpecialProcedure.ended_on.is_(None))
    cal, today, found = calendars.current(), clock.today(), {}
    for p in session.scalars(query.order_by(SpecialProcedure.id)):
        # Its expected end, for a wait for the applicant too: the notice gave them that long.
        end = cal.add_workdays(p.started_on, p.expected_days).date
        found.setdefault(p.clock_id, []).append({
            "id": p.id, "kind": p.kind, "reason": p.reason, "started_on": p.started_on.isoformat(),
            "expected_days": p.expected_days, "expected_end": end.isoformat(), "ended_on": _iso(p.ended_on),
            "result": p.result, "days": cal.workdays_between(p.started_on, p.ended_on or today),
            "overrun": p.ended_on is None and today > end, "for_step": p.step_clock_id})
    return found


def _step(session, actor: User, task: Task | None) -> dict | None:
    if task is None:
        return None
    return {"id": task.id, "title": task.title or task.name, "state": task.state,
            "assignee": task.assignee.login if task.assignee else None,
            "readable": progress.may_read_task(session, actor, task)}


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None
