"""好差评: the applicant rates a closed case once; a bad rating opens a rectification (整改).

The rectification goes to the case's implementing department, which answers it within
RECTIFY_DAYS working days; its leads and reviewers answer, supervisors watch them all.
"""
from datetime import datetime, timezone

from sqlalchemy import select

from engine import clock
from engine.errors import Conflict, Forbidden, Invalid, NotFound
from engine.services import calendars
from engine.services.events import record, record_case
from engine.services.users import require
from engine.store import session_scope
from engine.store.db import fetch, locked, read_session
from engine.store.models import Case, Rectification, User

# 满意度 as GB/T 39046-2020 code list A.8 codes it, which the national platform exchanges: 1 is
# the best. Until migration 0008 the product coded it the other way round (5 非常满意); the
# case_rated events recorded then keep their codes, and their label says which level they mean.
LEVELS = {1: "非常满意", 2: "满意", 3: "基本满意", 4: "不满意", 5: "非常不满意"}
BAD = (4, 5)  # 差评
# A case may be rated once the applicant has the outcome: delivered, refused or stopped.
CLOSED = ("delivered", "refused", "terminated", "withdrawn")
RECTIFY_DAYS = 5
STATES = ("open", "answered")
ANSWERERS = ("lead", "reviewer")
MAX_TEXT = 2000
WATCHERS = ("supervisor",)


def rate(case_id: int, applicant_id: int, level: int, text: str = "") -> Rectification | None:
    """Record the rating; returns the rectification a bad rating opens, else None."""
    if level not in LEVELS:
        raise Invalid("The rating is a level from 1 (very satisfied) to 5 (very dissatisfied)")
    text = (text or "").strip()
    if level in BAD and not text:
        raise Invalid("A bad rating needs its reason, so that it can be rectified")
    if len(text) > MAX_TEXT:
        raise Invalid("A rating's text has at most %(max)s characters", max=MAX_TEXT)
    with session_scope() as session:
        case = locked(session, Case, case_id)
        if case is None or case.applicant_id != applicant_id:
            raise NotFound("No case %(case)s", case=case_id)
        if case.status not in CLOSED:
            raise Conflict("A case can be rated only once it is closed")
        if case.rating is not None:
            raise Conflict("This case has been rated already; a case is rated only once")
        case.rating, case.rating_text = level, text or None
        record_case(session, "case_rated", case, rating=level,
                    label=LEVELS[level], applicant_id=applicant_id)
        if level not in BAD:
            return None
        due = calendars.current().add_workdays(clock.today(), RECTIFY_DAYS).date
        rectification = Rectification(case=case, department=case.item.department, rating=level,
                                      due_on=due, state="open")
        session.add(rectification)
        session.flush()
        record_case(session, "rectification_opened", case,
                    rectification_id=rectification.id, department=rectification.department, due_on=due.isoformat())
        return rectification


def may_answer(actor: User, rectification: Rectification) -> bool:
    """The implementing department's leads and reviewers (or an administrator), while it is open."""
    if rectification.state != "open" or not any(actor.has_role(r) for r in ANSWERERS):
        return False
    return actor.has_role("admin") or (actor.department is not None
                                       and actor.department.code == rectification.department)


def _may_see(actor: User, rectification: Rectification) -> bool:
    if any(actor.has_role(r) for r in WATCHERS):
        return True
    return actor.department is not None and actor.department.code == rectification.department


def rectifications(actor: User, state: str | None = None) -> list[Rectification]:
    """Supervisors see every rectification; a department's leads and reviewers see their own."""
    require(actor, *ANSWERERS, *WATCHERS)
    with read_session() as session:
        query = select(Rectification).order_by(Rectification.state.desc(), Rectification.due_on, Rectification.id)
        if not any(actor.has_role(r) for r in WATCHERS):
            query = query.where(Rectification.department == (actor.department.code if actor.department else None))
        if state:
            query = query.where(Rectification.state == state)
        return list(session.scalars(query))


def get(rectification_id: int, actor: User) -> Rectification:
    require(actor, *ANSWERERS, *WATCHERS)
    with read_session() as session:
        rectification = fetch(session, Rectification, rectification_id, "rectification")
        if not _may_see(actor, rectification):
            raise Forbidden("This rectification belongs to another department")
        return rectification


def answer(rectification_id: int, actor: User, response: str) -> Rectification:
    """The department says what it found and what it changed; the rectification is then answered."""
    require(actor, *ANSWERERS)
    response = (response or "").strip()
    if not response:
        raise Invalid("Describe the rectification made")
    with session_scope() as session:
        rectification = locked(session, Rectification, rectification_id)
        if rectification is None:
            raise NotFound("No rectification %(rectification)s", rectification=rectification_id)
        if rectification.state != "open":
            raise Conflict("This rectification has been answered already")
        if not may_answer(actor, rectification):
            raise Forbidden("Only the implementing department may answer this rectification")
        rectification.state, rectification.response = "answered", response
        rectification.answered_by, rectification.answered_at = actor.id, datetime.now(timezone.utc)
        on_time = clock.today() <= rectification.due_on
        record(session, "rectification_answered", actor=actor, instance_id=rectification.case.instance_id,
               case_id=rectification.case_id, case=rectification.case.number,
               rectification_id=rectification.id, on_time=on_time)
        session.flush()
        return rectification
