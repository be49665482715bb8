"""申诉复核: a department appeals a bad rating it finds mistaken or malicious; a supervisor decides.

The department a bad rating's rectification belongs to (the window, for its service) may appeal it
once, within RATING_APPEAL_DAYS working days of the rating (5 unless set), saying on what ground
and why. Supervisors are told and decide: upheld, the rating stays and its rectification goes
on; granted (申诉成立), the rectification is closed as excused, kept with everything said, and the
rating is counted as a bad one nowhere (the monthly report, the board). The applicant reads the
outcome and the supervisor's reasons on the case page.

The rectification's date does not wait for the appeal: every bad rating is answered (the national
rule is that all are 回访整改), an appeal is no way to put off the applicant, and a granted appeal
takes a late answer out of the counts with the rest.
"""
from datetime import date, datetime, timezone

from sqlalchemy import func, select

from engine import clock, config
from engine.case_status import cancel_timers
from engine.errors import Conflict, Forbidden, Invalid, Message, NotFound, written
from engine.ratings import (ANSWERERS, MAX_TEXT, TIMER, answers_for, locked_rectification, of_their_department, staff_of,
                            supervisors, tell_about)
from engine.services import calendars
from engine.services.events import record_case
from engine.services.users import require
from engine.store import session_scope
from engine.store.db import read_session
from engine.store.models import RatingAppeal, Rectification, User

GROUNDS = ("outside_duty", "mistaken", "malicious")  # 非本部门职责 | 误评 | 恶意差评
OUTCOMES = ("upheld", "granted")  # 申诉不成立 | 申诉成立
STATES = ("pending", *OUTCOMES)
DECIDERS = ("supervisor",)


def appeal_days() -> int:
    return config.period("RATING_APPEAL_DAYS")


def appeal_until(rectification: Rectification) -> date:
    """The last day the department may appeal: working days from the day of the rating."""
    return calendars.current().add_workdays(rectification.counted_from, appeal_days()).date


def may_appeal(actor: User, rectification: Rectification) -> bool:
    """Whether the person may appeal it now: its department's, not yet appealed or excused, in time."""
    return (answers_for(actor, rectification) and rectification.appeal is None
            and rectification.state != "excused" and clock.today() <= appeal_until(rectification))


def appeal(rectification_id: int, actor: User, ground: str, reason: str) -> RatingAppeal:
    """The department's appeal, once a rating: on one of GROUNDS, with its reason."""
    if ground not in GROUNDS:
        raise Invalid("Say on what ground the rating is appealed: outside the department's duty, mistaken or "
                      "malicious")
    reason = written(reason, Message("Give the appeal's reason"),
                     Message("An appeal's reason has at most %(max)s characters", max=MAX_TEXT))
    with session_scope() as session:
        case, rectification = locked_rectification(session, rectification_id)
        if not answers_for(actor, rectification):
            raise Forbidden("Only the department the rating is about may appeal it")
        if rectification.appeal is not None:
            raise Conflict("This rating has been appealed already; a rating is appealed once")
        if rectification.state == "excused":
            raise Conflict("An appeal found this bad rating mistaken or malicious: its rectification is closed")
        last = appeal_until(rectification)
        if clock.today() > last:
            raise Conflict("The time to appeal this rating ended on %(day)s", day=last.isoformat())
        row = RatingAppeal(rectification=rectification, ground=ground, reason=reason, filed_by=actor.id,
                           state="pending")
        session.add(row)
        session.flush()
        record_case(session, "rating_appeal_filed", case, actor=actor, appeal_id=row.id,
                    rectification_id=rectification.id, department=rectification.department, ground=ground)
        tell_about(session, supervisors(session), rectification,
                   Message("Case %(case)s: the department appeals its bad rating; decide the appeal", case=case.number))
    return _read(row.id)


def decide(appeal_id: int, actor: User, outcome: str, note: str) -> RatingAppeal:
    """The supervisor's decision with its reasons (which the applicant reads): upheld, the
    rectification goes on; granted, it is closed as excused and its timer ends."""
    require(actor, *DECIDERS)
    if outcome not in OUTCOMES:
        raise Invalid("Decide the appeal: upheld or granted")
    note = written(note, Message("Give the decision's reasons: the applicant reads them"),
                   Message("A decision's reasons have at most %(max)s characters", max=MAX_TEXT))
    with session_scope() as session:
        rectification_id = session.scalar(select(RatingAppeal.rectification_id).where(RatingAppeal.id == appeal_id))
        if rectification_id is None:
            raise NotFound("No appeal %(appeal)s", appeal=appeal_id)
        case, rectification = locked_rectification(session, rectification_id)
        row = rectification.appeal
        if row.state != "pending":
            raise Conflict("This appeal has been decided already")
        row.state, row.note, row.decided_by, row.decided_at = outcome, note, actor.id, datetime.now(timezone.utc)
        if outcome == "granted":
            rectification.state = "excused"
            cancel_timers(session, case, TIMER)
        record_case(session, "rating_appeal_decided", case, actor=actor, appeal_id=row.id,
                    rectification_id=rectification.id, outcome=outcome)
        said = (Message("Case %(case)s: the appeal against its bad rating was granted; the rectification is "
                        "closed", case=case.number) if outcome == "granted" else
                Message("Case %(case)s: the appeal against its bad rating was not granted; rectify it and answer "
                        "the applicant", case=case.number))
        tell_about(session, staff_of(session, rectification.department, ANSWERERS), rectification, said)
    return _read(appeal_id)


def _read(appeal_id: int) -> RatingAppeal:
    """The appeal with its rectification, case and people, to be read after its transaction."""
    with read_session() as session:
        return session.get(RatingAppeal, appeal_id)


def appeals(actor: User, state: str | None = None) -> list[RatingAppeal]:
    """Supervisors see every appeal, the pending first; a department's people who answer
    rectifications see their own department's."""
    query = _visible(actor, state)
    if query is None:
        return []
    with read_session() as session:
        return list(session.scalars(query.order_by((RatingAppeal.state == "pending").desc(), RatingAppeal.filed_at,
                                                   RatingAppeal.id)).unique())


def pending_count(actor: User) -> int:
    """How many of the appeals the actor sees wait for a decision (the board's figure)."""
    query = _visible(actor, "pending")
    if query is None:
        return 0
    with read_session() as session:
        return session.scalar(select(func.count()).select_from(query.subquery()))


def _visible(actor: User, state: str | None):
    """The appeals the actor may see, in that state: None for a department's person without one."""
    require(actor, *ANSWERERS, *DECIDERS)
    if state is not None and state not in STATES:
        raise Invalid("state must be one of %(states)s", states=", ".join(STATES))
    query = select(RatingAppeal).join(Rectification, Rectification.id == RatingAppeal.rectification_id)
    return of_their_department(query.where(RatingAppeal.state == state) if state else query, actor, DECIDERS)
