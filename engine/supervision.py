"""E-supervision (电子监察): the numbers behind the dashboard, the supervision orders (督办单)
and the monthly report.

The overview is SQL over the clocks and supervision_orders tables, whose levels the timer tick
keeps current, so it costs the same whether or not anything is due; its finished figures are a
period's (this year's by default), read from the clocks of the cases that finished in it. The
tick issues an order when a limit is passed; the department answers it here. The monthly report
reads the month's cases' clocks and counts each department's handling of a case once.
"""
import io
from collections import defaultdict
from datetime import date, datetime, timezone

from openpyxl import Workbook
from openpyxl.styles import Font
from sqlalchemy import case, func, or_, select

from engine import clock, renewals
from engine.clock import levels, limits, units
from engine.errors import Conflict, Forbidden, Invalid, Message, NotFound, written
from engine.ratings import BAD, late
from engine.services.events import record
from engine.services.users import department_names, require
from engine.store import session_scope
from engine.store.db import locked, read_session
from engine.store.models import (Case, Clock, Department, Event, Instance, Rectification, ServiceItem,
                                  SupervisionOrder, Task, User)

OVERDUE_LIST_LIMIT = 200
ORDER_LIST_LIMIT = 200
ORDER_STATES = ("open", "answered")
# Of the order's department (the window's clerks answer for its deliveries); an administrator answers any.
ANSWERERS = ("reviewer", "lead", "clerk")
ORDER_READERS = (*ANSWERERS, "supervisor")  # supervisors (and administrators) read every department's
FEEDBACK_MAX = 2000


# A case ended without a decision (容缺 materials never came) was not finished by anyone: its
# clocks stopped, but they count in no department's finished or on-time figures. A renewal deemed
# granted (engine/renewals.py) ended its procedure too, decided: its department's clocks count.
_TERMINATED = (select(Instance.id).outerjoin(Case, Case.instance_id == Instance.id)
               .where(Instance.state == "terminated", Case.decision.is_(None)))


# A department's handling of a case, as the monthly report and the board count it: all its clocks
# on the case. It finishes on the day the last of them stopped, none still running or paused.
_FINISHED_ON = case((func.count(Clock.stopped_on) == func.count(Clock.id), func.max(Clock.stopped_on)))


def _finished_on(own) -> date | None:
    """_FINISHED_ON of clocks already read (the monthly report's): a second read could see a clock
    stop in between and disagree with the first."""
    stops = [c.stopped_on for c in own]
    return max(stops) if all(stops) else None
_RANK = case({level: rank for rank, level in enumerate(levels.LEVELS)}, value=Clock.level)
# A clock stopped within its promised limit: by its moment where it passes at one (in hours, units.py),
# else by the end of its day.
_IN_TIME = case((Clock.promised_due_at.is_not(None), case((Clock.stopped_at <= Clock.promised_due_at, 1), else_=0)),
                (Clock.stopped_on <= Clock.promised_due, 1), else_=0)
# On time if every clock stopped in time; it took its case clocks' days where it answers for the
# case, else its steps'; it promised in the unit of its case clocks' promise (else its steps').
_HANDLINGS = select(
    Clock.department, Clock.item_code, Clock.instance_id, _FINISHED_ON.label("finished_on"),
    func.min(_IN_TIME).label("on_time"),
    func.coalesce(func.sum(case((Clock.task_id.is_(None), Clock.used_days))), func.sum(Clock.used_days)).label("used"),
    func.coalesce(func.sum(case((Clock.task_id.is_(None), Clock.promised_days))),
                  func.sum(Clock.promised_days)).label("promised"),
    func.coalesce(func.max(case((Clock.task_id.is_(None), Clock.promised_unit))),
                  func.max(Clock.promised_unit)).label("unit"),
).group_by(Clock.department, Clock.item_code, Clock.instance_id)

# The periods the board counts finished handlings over (China time), the year by default.
PERIODS = ("month", "quarter", "year", "all")
DEFAULT_PERIOD = "year"


def period_start(period: str) -> date | None:
    """The first day of this month, quarter or year in China; None for every case there has been."""
    if period not in PERIODS:
        raise Invalid("Unknown period %(period)s; known: %(periods)s", period=repr(period),
                      periods=", ".join(PERIODS))
    today = clock.today()
    return {"month": today.replace(day=1), "quarter": date(today.year, (today.month - 1) // 3 * 3 + 1, 1),
            "year": date(today.year, 1, 1), "all": None}[period]


def _finished_since(since: date | None):
    """The handlings finished since the day (every finished one without it). A handling finished
    then has a clock stopped then, its last: only those cases' clocks are read, through the
    stopped_on and instance_id indexes."""
    handlings = _HANDLINGS
    if since is not None:
        handlings = handlings.where(Clock.instance_id.in_(select(Clock.instance_id).where(Clock.stopped_on >= since)))
    h = handlings.subquery().c
    return (select(h.department, h.item_code, func.count(), func.sum(h.on_time), func.avg(h.used), func.avg(h.promised),
                   func.max(h.unit))
            .where(h.finished_on >= since if since is not None else h.finished_on.is_not(None),
                   h.instance_id.not_in(_TERMINATED))
            .group_by(h.department, h.item_code))


def overview(actor: User, period: str = DEFAULT_PERIOD) -> dict:
    """Per department and item: its handlings of cases open at each level and finished in the
    period (on time, working days used and promised on average); the overdue limits and the
    renewals near their licence's expiry undecided (a lead: their department's); the cards issued;
    per department, its steps deemed agreed in the period (its silence taken as consent)."""
    require(actor, "supervisor", "lead")
    since = period_start(period)
    with session_scope() as session:
        # From the open clocks alone (their index), not from every handling of the year.
        opened = (select(Clock.department, Clock.item_code, func.max(_RANK).label("worst")).where(limits.OPEN)
                  .group_by(Clock.department, Clock.item_code, Clock.instance_id).subquery())
        open_by_level = session.execute(
            select(opened.c.department, opened.c.item_code, opened.c.worst, func.count())
            .group_by(opened.c.department, opened.c.item_code, opened.c.worst)).all()
        finished = session.execute(_finished_since(since)).all()
        overdue = select(Clock).where(limits.OPEN, Clock.level.in_(("yellow", "red")))
        if not actor.has_role("supervisor"):  # a lead: every department's figures, their own cases
            # (a lead of no department: none; "department == None" alone would match unassigned clocks)
            overdue = overdue.where(Clock.department == department_of(actor), Clock.department.is_not(None))
        overdue = session.scalars(overdue.order_by(Clock.promised_due, Clock.id).limit(OVERDUE_LIST_LIMIT)).all()
        at_risk = renewals.at_risk(session, None if actor.has_role("supervisor") else department_of(actor) or "",
                                   clock.today())
        cards = session.execute(select(SupervisionOrder.department, SupervisionOrder.card,
                                       SupervisionOrder.state, func.count())
                                .group_by(SupervisionOrder.department, SupervisionOrder.card,
                                          SupervisionOrder.state)).all()
        # Steps deemed agreed in the period (逾期未反馈视为同意, engine/silence.py), by department:
        # the departments consulted that let their limit pass.
        # One expression selected and grouped by: PostgreSQL takes two copies, each with its own
        # parameter, for two expressions and refuses the grouping.
        department = Event.data["department"].as_string()
        deemed = select(department, func.count()).where(Event.type == "consent_deemed")
        if since is not None:
            deemed = deemed.where(Event.at >= clock.start_of(since))
        deemed = session.execute(deemed.group_by(department)).all()
        names = department_names(session)
        links = _case_links(session, [(c.instance_id, c.task_id, c.department) for c in overdue])
    rows: dict[tuple, dict] = {}

    def row(dept, item):
        return rows.setdefault((dept, item), {
            "department": dept, "department_name": names.get(dept, dept), "item_code": item,
            "open": {"normal": 0, "warning": 0, "yellow": 0, "red": 0},
            "finished": 0, "on_time": 0, "on_time_rate": None,
            "avg_workdays_used": None, "avg_promised_days": None, "promised_unit": None})
    for dept, item, rank, count in open_by_level:
        row(dept, item)["open"][levels.LEVELS[rank]] = count
    for dept, item, count, on_time, used, promised, unit in finished:
        r = row(dept, item)
        r.update(finished=count, on_time=int(on_time or 0),
                 on_time_rate=round((on_time or 0) / count, 4) if count else None,
                 avg_workdays_used=round(float(used), 2) if used is not None else None,
                 avg_promised_days=round(float(promised), 2) if promised is not None else None, promised_unit=unit)
    return {
        "period": period, "finished_since": since.isoformat() if since else None,
        "rows": sorted(rows.values(), key=lambda r: (r["department"] or "", r["item_code"] or "")),
        "overdue": [{"clock_id": c.id, "instance_id": c.instance_id, "label": c.label,
                     "department": c.department, "department_name": names.get(c.department, c.department),
                     "level": c.level, "promised_due": c.promised_due.isoformat(),
                     "statutory_due": c.statutory_due.isoformat() if c.statutory_due else None,
                     "promised_due_at": limits.local(c.promised_due_at),
                     "statutory_due_at": limits.local(c.statutory_due_at), **link}
                    for c, link in zip(overdue, links)],
        "cards": [{"department": d, "department_name": names.get(d, d), "card": card, "state": state, "count": n}
                  for d, card, state, n in cards],
        "deemed_consents": sorted(({"department": d, "department_name": names.get(d, d), "count": n}
                                   for d, n in deemed), key=lambda r: r["department"] or ""),
        "renewals_at_risk": at_risk,
    }


def _case_links(session, targets: list[tuple]) -> list[dict]:
    """For each (instance, clock's task, department): the case's id and number, and the task whose
    page shows the case to staff (they read a case on a task page): the clock's own step, else the
    department's latest step on the case, else the case's latest step."""
    ids = {instance_id for instance_id, _task, _dept in targets}
    if not ids:
        return []
    # A procedure started without a case (API, tests) is named by its business key, if it has one.
    cases = {i: (case_id, number) for i, case_id, number in session.execute(
        select(Instance.id, Case.id, func.coalesce(Case.number, Instance.business_key))
        .outerjoin(Case, Case.instance_id == Instance.id).where(Instance.id.in_(ids)))}
    by_lane, latest = {}, {}
    for instance_id, group, task_id in session.execute(
            select(Task.instance_id, Task.group, func.max(Task.id)).where(Task.instance_id.in_(ids))
            .group_by(Task.instance_id, Task.group)):
        by_lane[instance_id, group] = task_id
        latest[instance_id] = max(task_id, latest.get(instance_id, task_id))
    links = []
    for instance_id, task_id, dept in targets:
        case_id, number = cases.get(instance_id, (None, None))
        links.append({"case_id": case_id, "case_number": number,
                      "task_id": task_id or by_lane.get((instance_id, dept)) or latest.get(instance_id)})
    return links


def department_of(actor: User) -> str | None:
    return actor.department.code if actor.department is not None else None


def orders(actor: User, state: str | None = None, instance_id: int | None = None) -> list[dict]:
    """督办单, open ones first, soonest feedback date first: supervisors and administrators see
    every department's, a department's reviewers and leads their own; one case's, if given."""
    require(actor, *ORDER_READERS)
    if state is not None and state not in ORDER_STATES:
        raise Invalid("Unknown supervision order state %(state)s; known: %(states)s", state=repr(state),
                      states=", ".join(ORDER_STATES))
    query = (select(SupervisionOrder).order_by(SupervisionOrder.state.desc(), SupervisionOrder.feedback_due,
                                               SupervisionOrder.id).limit(ORDER_LIST_LIMIT))
    if not actor.has_role("supervisor"):
        if department_of(actor) is None:  # else "department == None" would match the orders issued to no one
            return []
        query = query.where(SupervisionOrder.department == department_of(actor))
    if state is not None:
        query = query.where(SupervisionOrder.state == state)
    if instance_id is not None:
        query = query.where(SupervisionOrder.instance_id == instance_id)
    with read_session() as session:
        return _order_rows(session, list(session.scalars(query)))


def _order_rows(session, rows: list[SupervisionOrder]) -> list[dict]:
    """Orders as the pages and the API show them: with their limit's label, the case's number,
    the department's name and who answered."""
    clocks = {i: (label, task_id) for i, label, task_id in session.execute(
        select(Clock.id, Clock.label, Clock.task_id).where(Clock.id.in_({o.clock_id for o in rows})))}
    links = _case_links(session, [(o.instance_id, clocks[o.clock_id][1], o.department) for o in rows])
    names = department_names(session)
    people = {i: (login, name) for i, login, name in session.execute(
        select(User.id, User.login, User.name).where(User.id.in_({o.answered_by for o in rows} - {None})))}
    return [{"id": o.id, "clock_id": o.clock_id, "instance_id": o.instance_id, "label": clocks[o.clock_id][0],
             "department": o.department, "department_name": names.get(o.department, o.department),
             "card": o.card, "issued_at": o.issued_at.isoformat(),
             "feedback_due": o.feedback_due.isoformat(), "state": o.state, "feedback": o.feedback,
             "answered_by": people.get(o.answered_by, (None, None))[0],
             "answered_by_name": people.get(o.answered_by, (None, None))[1],
             "answered_at": o.answered_at.isoformat() if o.answered_at else None,
             "late": _late(o), **link} for o, link in zip(rows, links)]


def _late(order: SupervisionOrder) -> bool:
    """Feedback not given by its date: still open after it, or given after it."""
    answered = order.answered_at.astimezone(clock.SHANGHAI).date() if order.answered_at else clock.today()
    return answered > order.feedback_due


def answer_order(order_id: int, actor: User, feedback: str) -> dict:
    """The department says why its limit was passed and what it does about it; the order is
    then answered, once."""
    feedback = written(feedback, Message("Write the department's feedback on the supervision order"),
                       Message("The feedback may have at most %(max)s characters", max=FEEDBACK_MAX))
    with session_scope() as session:
        order = locked(session, SupervisionOrder, order_id)
        if order is None:
            raise NotFound("No supervision order %(order)s", order=order_id)
        if not (actor.active and (actor.has_role("admin") or (
                any(actor.has_role(r) for r in ANSWERERS) and department_of(actor) == order.department))):
            raise Forbidden("Only the department the supervision order was issued to may answer it")
        if order.state != "open":
            raise Conflict("This supervision order has been answered already")
        order.state, order.feedback = "answered", feedback
        order.answered_by, order.answered_at = actor.id, datetime.now(timezone.utc)
        record(session, "supervision_order_answered", actor=actor, instance_id=order.instance_id,
               clock_id=order.clock_id, order_id=order.id, card=order.card, text=feedback,
               on_time=clock.today() <= order.feedback_due)
        session.flush()
        return _order_rows(session, [order])[0]


def monthly(year: int, month: int) -> list[dict]:
    """Per department: cases taken up, finished, finished on time and overdue in the month, the
    average working days used, the ratings applicants gave its items in the month (a bad one an
    appeal excused, 申诉成立, counted apart from the bad ones, as is its rectification), and the cases
    that ended without a decision: terminated (容缺 or a correction not supplied) or withdrawn;
    and the applications its window accepted in the month (窗口受理量: by the department the
    accepting clerk was in; one accepted by an administrator, or deemed accepted, counts for none);
    and the rectifications of bad ratings it was given (by the department that answers them, the
    window for its service): opened, answered, answered by their date, and late (逾期未整改: due
    in the month, not answered by then); and the cases an agent point's agents filed in the month
    (代办件, by the point the agent was in) and how many of those the window has accepted by now (a past
    month's count grows while its filings are still being accepted).

    A department's handling of a case is all its clocks on it (the case's own where it implements
    the item, its steps' where it takes part): one case counts once, however many steps it had.
    Overdue: a limit that fell in the month was passed (finished after it, or still open after it).
    """
    if not (1 <= month <= 12 and 1 <= year < 9999):  # the month after must be a date too
        raise Invalid("Give a month as YYYY-MM: the month from 1 to 12, the year from 1 to 9998")
    first = date(year, month, 1)
    nxt = date(year + (month == 12), month % 12 + 1, 1)
    today, now = clock.today(), clock.now()
    in_month = select(Clock.instance_id).where(Clock.started_on < nxt,
                                               or_(Clock.stopped_on.is_(None), Clock.stopped_on >= first))
    with session_scope() as session:
        names = department_names(session)
        # Every clock of the cases that ran in the month: a second round's step started this
        # month is no new case, and a case finishes with the last of its clocks.
        clocks = session.execute(select(Clock.department, Clock.instance_id, Clock.task_id, Clock.started_on,
                                        Clock.stopped_on, Clock.stopped_at, Clock.promised_due, Clock.promised_due_at,
                                        Clock.used_days)
                                 .where(Clock.instance_id.in_(in_month))).all()
        terminated = set(session.scalars(_TERMINATED.where(Instance.id.in_(in_month))))
        withdrawn = set(session.scalars(select(Case.instance_id).where(Case.status == "withdrawn",
                                                                       Case.instance_id.in_(in_month))))
        accepted = session.execute(
            select(Event.data["window"].as_string(), Department.code, User.roles).select_from(Event)
            .outerjoin(User, User.id == Event.actor_id).outerjoin(Department, Department.id == User.department_id)
            .where(Event.type == "case_accepted", Event.at >= clock.start_of(first), Event.at < clock.start_of(nxt))).all()
        filed = session.execute(
            select(Event.data["point"].as_string(), Case.accepted_on).select_from(Event)
            .join(Case, Case.id == Event.case_id)
            .where(Event.type == "case_submitted", Case.channel == "agent", Event.at >= clock.start_of(first),
                   Event.at < clock.start_of(nxt))).all()
        ratings = session.execute(
            select(ServiceItem.department, Case.rating, Rectification.state).join(Case, Case.item_id == ServiceItem.id)
            .join(Event, Event.case_id == Case.id).outerjoin(Rectification, Rectification.case_id == Case.id)
            .where(Event.type == "case_rated", Event.at >= clock.start_of(first), Event.at < clock.start_of(nxt))).all()
        since, until = clock.start_of(first), clock.start_of(nxt)
        rectifications = session.scalars(select(Rectification).where(Rectification.state != "excused", or_(
            Rectification.created_at.between(since, until), Rectification.answered_at.between(since, until),
            Rectification.due_on.between(first, nxt)))).all()
    handlings = defaultdict(list)
    for c in clocks:
        handlings[c.department, c.instance_id].append(c)
    report = {}

    def row(dept):
        return report.setdefault(dept, {
            "department": dept, "name": names.get(dept, dept or "—"), "volume": 0, "finished": 0,
            "on_time": 0, "on_time_rate": None, "overdue": 0, "avg_workdays": None, "used": [],
            "rated": 0, "bad_ratings": 0, "excused": 0, "terminated": 0, "withdrawn": 0, "accepted": 0,
            "rectifications": 0, "rectified": 0, "rectified_on_time": 0, "rectifications_late": 0,
            "agent_filed": 0, "agent_accepted": 0})
    for (dept, instance_id), own in handlings.items():
        r = row(dept)
        r["volume"] += first <= min(c.started_on for c in own) < nxt
        r["overdue"] += any(first <= c.promised_due < nxt and units.late(c, today, now) for c in own)
        finished_on = _finished_on(own)
        if finished_on is not None and first <= finished_on < nxt:
            if instance_id in terminated:  # the applicant withdrew, or the case was ended
                r["withdrawn" if instance_id in withdrawn else "terminated"] += 1
                continue
            r["finished"] += 1
            r["on_time"] += not any(units.late(c, today, now) for c in own)
            r["used"].append(_days_used(own))
    for window, dept, roles in accepted:  # recorded since 2026-11-28; before, the clerk's department now
        if window or (dept and "clerk" in (roles or ())):
            row(window or dept)["accepted"] += 1
    for point, accepted_on in filed:
        if point:  # recorded since 2026-11-28
            row(point)["agent_filed"] += 1
            row(point)["agent_accepted"] += accepted_on is not None
    for dept, level, fixed in ratings:
        r = row(dept)
        r["rated"] += 1
        r["bad_ratings"] += level in BAD and fixed != "excused"
        r["excused"] += fixed == "excused"
    for fix in rectifications:
        r = row(fix.department)
        r["rectifications"] += since <= fix.created_at < until
        if fix.answered_at is not None and since <= fix.answered_at < until:
            r["rectified"] += 1
            r["rectified_on_time"] += not late(fix)
        r["rectifications_late"] += first <= fix.due_on < nxt and late(fix)
    for r in report.values():
        used = r.pop("used")
        if r["finished"]:
            r["on_time_rate"] = round(r["on_time"] / r["finished"], 4)
            r["avg_workdays"] = round(sum(used) / len(used), 2)
    return sorted(report.values(), key=lambda r: r["department"] or "")


def _days_used(own) -> int:
    """A department's working days on a case: its case clocks' (the case's own and delivery)
    where it answers for the case, else the days of its steps, round after round."""
    whole = [c for c in own if c.task_id is None]
    return sum(c.used_days or 0 for c in whole or own)


def monthly_xlsx(year: int, month: int) -> bytes:
    rows = monthly(year, month)
    book = Workbook()
    sheet = book.active
    sheet.title = f"{year}-{month:02d}"
    sheet.append([f"部门办件月报 {year}年{month}月"])
    sheet["A1"].font = Font(bold=True, size=14)
    headers = ["部门代码", "部门", "承办件", "办结量", "按时办结", "按时办结率", "超期件", "平均用时（工作日）",
               "评价数", "差评数", "差评申诉成立", "差评整改件", "整改已答复", "按时答复", "逾期未整改", "终止件", "撤回件",
               "窗口受理量", "代办件", "代办已受理"]
    sheet.append(headers)
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for r in rows:
        sheet.append([r["department"], r["name"], r["volume"], r["finished"], r["on_time"],
                      r["on_time_rate"], r["overdue"], r["avg_workdays"], r["rated"], r["bad_ratings"],
                      r["excused"], r["rectifications"], r["rectified"], r["rectified_on_time"],
                      r["rectifications_late"], r["terminated"], r["withdrawn"], r["accepted"], r["agent_filed"], r["agent_accepted"]])
        sheet.cell(sheet.max_row, 6).number_format = "0.0%"
        for column in (1, 2):  # a name typed as "=..." stays text, never a formula the sheet runs
            sheet.cell(sheet.max_row, column).data_type = "s"
    for column, width in zip("ABCDEFGHIJKLMNOPQRST", (14, 24, 10, 10, 10, 12, 10, 18, 10, 10, 12, 12, 12, 10, 12, 10,
                                                        10, 12, 10, 12)):
        sheet.column_dimensions[column].width = width
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
