"""好差评: the applicant rates a closed case once, on the portal or by the code its closing notice
prints (engine/rating_codes.py); a bad rating opens a rectification (整改), which its department
may appeal (engine/rating_appeals.py).

谁办理、谁负责: the applicant says what a bad rating concerns, the window's service (its
acceptance or delivery: the window that accepted the case answers, engine/decisions.py
delivering) or the department's handling (the item's department answers). Its staff are told
and answer within RECTIFY_DAYS working days (engine.config). A timer watches the date: passed unanswered, the
rectification is late (逾期未整改) and the department's heads and the supervisors are told, once.
The applicant reads the answer on the case's page and says whether it satisfies them (回访).
"""
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import select

from engine import clock, config
from engine.case_status import cancel_timers
from engine.case_news import window_of
from engine.errors import Conflict, Forbidden, Invalid, Message, NotFound, written
from engine.services import calendars
from engine.services.events import record, record_case
from engine.services.notifications import tell
from engine.services.users import require
from engine.store import session_scope
from engine.store.db import fetch, locked, locked_with_case, read_session
from engine.store.models import Case, Department, Rectification, Timer, User

# 满意度 as GB/T 39046-2020 code list A.8 codes it, which the national platform exchanges: 1 is
# the best. Until migration 0008 the product coded it the other way round (5 非常满意); the
# case_rated events recorded then keep their codes, and their label says which level they mean.
LEVELS = {1: "非常满意", 2: "满意", 3: "基本满意", 4: "不满意", 5: "非常不满意"}
BAD = (4, 5)  # 差评
# A case may be rated once the applicant has the outcome: delivered, refused or stopped, or its
# grant revoked since (engine/revocation.py).
CLOSED = ("delivered", "refused", "terminated", "withdrawn", "revoked")
# Where a rating was given: the portal, signed in (online); the rating code on the notice, from the
# applicant's own phone (qr: engine/rating_codes.py).
CHANNELS = ("online", "qr")
CONCERNS = ("service", "handling")  # the window's acceptance or delivery | the department's handling
# excused: an appeal found the rating mistaken or malicious (申诉成立, engine/rating_appeals.py): closed,
# kept, and counted nowhere.
STATES = ("open", "answered", "excused")
FILTERS = (*STATES, "late")  # late: open past its date (逾期未整改)
# Of the rectification's department: its reviewers and heads, a window's clerks; an administrator answers any.
ANSWERERS = ("lead", "reviewer", "clerk")
MAX_TEXT = 2000  # a rating's text, and the department's answer
WATCHERS = ("supervisor",)
TIMER = "rectification"  # the timers' kind that watches due_on
EXCUSED = Message("An appeal found this bad rating mistaken or malicious: its rectification is closed")


def rate(case_id: int, applicant_id: int, level: int, text: str = "",
         concerns: str | None = "handling") -> Rectification | None:
    """The applicant, signed in on the portal, rates their case; returns the rectification a bad
    rating opens, else None. `concerns`: what a bad rating is about (CONCERNS)."""
    with session_scope() as session:
        case = locked(session, Case, case_id)
        if case is None or case.applicant_id != applicant_id:
            raise NotFound("No case %(case)s", case=case_id)
        return record_rating(session, case, level, text, concerns, "online")


def record_rating(session, case: Case, level: int, text: str, concerns: str | None,
                  channel: str) -> Rectification | None:
    """The case's one rating, given on `channel` (CHANNELS), in the caller's transaction with the
    case locked: the portal's (rate), or a rating code's (engine/rating_codes.py)."""
    if level not in LEVELS:
        raise Invalid("The rating is a level from 1 (very satisfied) to 5 (very dissatisfied)")
    text = (text or "").strip()
    if level in BAD and not text:
        raise Invalid("A bad rating needs its reason, so that it can be rectified")
    if len(text) > MAX_TEXT:
        raise Invalid("A rating's text has at most %(max)s characters", max=MAX_TEXT)
    if case.status not in CLOSED:
        raise Conflict("A case can be rated only once it is closed")
    if case.rating is not None:
        raise Conflict("This case has been rated already; a case is rated only once")
    if level in BAD and concerns not in CONCERNS:
        raise Invalid("Say whether the bad rating concerns the window's service (acceptance, delivery) "
                      "or the department's handling")
    case.rating, case.rating_text = level, text or None
    record_case(session, "case_rated", case, rating=level, label=LEVELS[level], applicant_id=case.applicant_id,
                channel=channel)
    if level not in BAD:
        return None
    today, days = clock.today(), config.period("RECTIFY_DAYS")
    due = calendars.current().add_workdays(today, days).date
    department = window_of(session, case) if concerns == "service" else case.item.department
    rectification = Rectification(case=case, department=department, concerns=concerns, rating=level,
                                  due_on=due, counted_from=today, working_days=days, state="open")
    session.add(rectification)
    session.add(Timer(kind=TIMER, case_id=case.id, instance_id=case.instance_id, due_at=timer_due(due)))
    session.flush()
    record_case(session, "rectification_opened", case, rectification_id=rectification.id,
                department=department, concerns=concerns, due_on=due.isoformat())
    said = (Message("Case %(case)s was rated badly for the window's service: rectify it and answer the "
                    "applicant by %(due)s", case=case.number, due=due.isoformat()) if concerns == "service" else
            Message("Case %(case)s was rated badly for the department's handling: rectify it and answer the "
                    "applicant by %(due)s", case=case.number, due=due.isoformat()))
    tell_about(session, staff_of(session, department, ANSWERERS), rectification, said)
    return rectification


def timer_due(due_on: date) -> datetime:
    """When a department's dated duty's timer fires (a rectification's, a pledge check's): the
    start of the day after its date, the whole of which the department has."""
    return clock.start_of(due_on + timedelta(days=1))


def fire_timer(session, timer: Timer, now: datetime) -> None:
    """The tick: the rectification's date has passed. Still unanswered, it is marked late and the
    department's heads and the supervisors are told; the timer fires once."""
    row_id = session.scalar(select(Rectification.id).where(Rectification.case_id == timer.case_id))
    rectification = locked(session, Rectification, row_id) if row_id is not None else None
    if rectification is None or rectification.state != "open" or rectification.overdue_at is not None:
        return
    rectification.overdue_at = now
    case = rectification.case
    record_case(session, "rectification_overdue", case, rectification_id=rectification.id,
                department=rectification.department, due_on=rectification.due_on.isoformat())
    tell_about(session, heads(session, rectification.department) + supervisors(session), rectification,
          Message("Case %(case)s: the rectification of its bad rating was due by %(due)s and is not answered "
                  "(overdue)", case=case.number, due=rectification.due_on.isoformat()))


def tell_about(session, user_ids: list[int], rectification: Rectification, message: Message) -> None:
    """Notify the people of something about the rectification (the notice links to it)."""
    tell(session, user_ids, None, None, message, rectification_id=rectification.id)


def staff_of(session, department: str, roles) -> list[int]:
    """The active people of the department who hold one of the roles (by their own roles: an
    administrator placed there is not meant)."""
    people = session.scalars(select(User).join(Department, User.department_id == Department.id)
                             .where(Department.code == department, User.active.is_(True)).order_by(User.id))
    return [u.id for u in people if set(u.roles or ()) & set(roles)]


def heads(session, department: str, answerers: tuple = ANSWERERS) -> list[int]:
    """The department's heads (lead); where it has none (a window), everyone of `answerers`."""
    return staff_of(session, department, ("lead",)) or staff_of(session, department, answerers)


def supervisors(session) -> list[int]:
    people = session.scalars(select(User).where(User.active.is_(True)).order_by(User.id))
    return [u.id for u in people if "supervisor" in (u.roles or ())]


def late(rectification: Rectification) -> bool:
    """Not answered by its date: open and marked by the tick (逾期未整改), or answered after it."""
    if rectification.state == "open":
        return rectification.overdue_at is not None
    if rectification.state == "excused":
        return False
    return rectification.answered_at.astimezone(clock.SHANGHAI).date() > rectification.due_on


def locked_rectification(session, rectification_id: int) -> tuple[Case, Rectification]:
    """The case, then its rectification, held: the order in which the tick takes them."""
    return locked_with_case(session, Rectification, rectification_id, "rectification")


def answers_for(actor: User, row, answerers: tuple = ANSWERERS) -> bool:
    """One of the people who answer for the department of a row (a rectification; a pledge check):
    by their own roles, `answerers`; not an administrator as such, who is no department's voice."""
    return (actor.active and actor.department is not None and actor.department.code == row.department
            and bool(set(actor.roles or ()) & set(answerers)))


def may_answer(actor: User, rectification: Rectification) -> bool:
    """Its department's people (answers_for), or an active administrator, while it is open."""
    return rectification.state == "open" and actor.active and (actor.has_role("admin")
                                                               or answers_for(actor, rectification))


def of_their_department(query, actor: User, overseers: tuple, department=Rectification.department):
    """The query (of rectifications, or joined to them; of another department's duty, by its
    `department` column) narrowed to the actor's department's, unless they have one of the
    `overseers` roles, who see every department's; None for someone of no department."""
    if any(actor.has_role(r) for r in overseers):
        return query
    if actor.department is None:
        return None
    return query.where(department == actor.department.code)


def may_see(actor: User, row) -> bool:
    """A supervisor, or one of the department of the row (a rectification; a pledge check)."""
    if any(actor.has_role(r) for r in WATCHERS):
        return True
    return actor.department is not None and actor.department.code == row.department


def rectifications(actor: User, state: str | None = None) -> list[Rectification]:
    """Supervisors see every rectification; a department's staff who answer them see their own.
    state: one of FILTERS, or all."""
    require(actor, *ANSWERERS, *WATCHERS)
    query = of_their_department(select(Rectification).order_by(Rectification.state.desc(), Rectification.due_on,
                                                               Rectification.id), actor, WATCHERS)
    if query is None:
        return []
    with read_session() as session:
        if state == "late":
            query = query.where(Rectification.state == "open", Rectification.overdue_at.is_not(None))
        elif state:
            query = query.where(Rectification.state == state)
        return list(session.scalars(query))


def get(rectification_id: int, actor: User) -> Rectification:
    require(actor, *ANSWERERS, *WATCHERS)
    with read_session() as session:
        rectification = fetch(session, Rectification, rectification_id, "rectification")
        if not may_see(actor, rectification):
            raise Forbidden("This rectification belongs to another department")
        return rectification


def answer(rectification_id: int, actor: User, response: str) -> Rectification:
    """The department says what it found and what it changed; the rectification is then answered
    and its timer ends."""
    require(actor, *ANSWERERS)
    response = written(response, Message("Describe the rectification made"),
                       Message("A rectification's answer has at most %(max)s characters", max=MAX_TEXT))
    with session_scope() as session:
        case, rectification = locked_rectification(session, rectification_id)
        if rectification.state == "excused":
            raise Conflict(EXCUSED)
        if rectification.state != "open":
            raise Conflict("This rectification has been answered already")
        if not may_answer(actor, rectification):
            raise Forbidden("Only the department responsible may answer this rectification")
        rectification.state, rectification.response = "answered", response
        rectification.answered_by, rectification.answered_at = actor.id, datetime.now(timezone.utc)
        cancel_timers(session, case, TIMER)
        record(session, "rectification_answered", actor=actor, instance_id=case.instance_id,
               case_id=case.id, case=case.number, rectification_id=rectification.id,
               on_time=clock.today() <= rectification.due_on)
        session.flush()
        return rectification


def of_case(case_id: int) -> Rectification | None:
    """The case's rectification, for its applicant's page (who asks has been checked)."""
    with read_session() as session:
        return session.scalar(select(Rectification).where(Rectification.case_id == case_id))


def to_revisit(applicant_id: int) -> list[str]:
    """The numbers of the applicant's cases whose rectification is answered and waits for their word."""
    with read_session() as session:
        return list(session.scalars(
            select(Case.number).join(Rectification, Rectification.case_id == Case.id)
            .where(Case.applicant_id == applicant_id, Rectification.state == "answered",
                   Rectification.revisited_at.is_(None)).order_by(Case.id)))


def revisit(case_id: int, applicant_id: int, satisfied: bool) -> Rectification:
    """回访: the applicant says, once, whether the department's answer satisfies them; an
    unsatisfied one is told to the department's heads and the supervisors."""
    with session_scope() as session:
        case = locked(session, Case, case_id)
        if case is None or case.applicant_id != applicant_id:
            raise NotFound("No case %(case)s", case=case_id)
        rectification = session.scalar(select(Rectification).where(Rectification.case_id == case_id))
        if rectification is not None and rectification.state == "excused":
            raise Conflict(EXCUSED)
        if rectification is None or rectification.state != "answered":
            raise Conflict("The department has not answered the rectification yet")
        if rectification.revisited_at is not None:
            raise Conflict("You have said already whether the answer satisfies you")
        rectification.satisfied, rectification.revisited_at = bool(satisfied), datetime.now(timezone.utc)
        record_case(session, "rectification_revisited", case, rectification_id=rectification.id,
                    satisfied=bool(satisfied), applicant_id=applicant_id)
        if not satisfied:
            tell_about(session, heads(session, rectification.department) + supervisors(session), rectification,
                  Message("Case %(case)s: the applicant is not satisfied with the answer to the rectification",
                          case=case.number))
        return rectification


def overview(actor: User) -> dict:
    """The board's figures: per department, rectifications open, late (逾期未整改), answered,
    answered late and found unsatisfying, none excused on appeal; and the late ones. Supervisors
    see every department's, a head their own."""
    rows = [r for r in rectifications(actor) if r.state != "excused"]
    departments: dict[str, dict] = {}
    for r in rows:
        d = departments.setdefault(r.department, {"department": r.department, "open": 0, "late": 0,
                                                  "answered": 0, "answered_late": 0, "unsatisfied": 0})
        d[r.state] += 1
        d["late" if r.state == "open" else "answered_late"] += late(r)
        d["unsatisfied"] += r.satisfied is False
    return {"departments": sorted(departments.values(), key=lambda d: d["department"]),
            "late": [r for r in rows if r.state == "open" and late(r)]}
