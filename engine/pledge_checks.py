"""告知承诺 核查: after a grant, the department that decided the case checks each pledge the applicant
signed in place of a material (engine/intake.py, `pledged`), by a date PLEDGE_CHECK_DAYS working
days on (engine.config; 国办发〔2020〕42号 asks for the checks, a local rule sets their time).

The department's reviewers and heads find each pledge true (属实) or false (不实), saying what they
found and, if they have it, with the file they found it by. A false one puts the applicant on a
credit record (engine/credit.py) and lets the department's head revoke the grant
(engine/revocation.py, Art. 69). A timer watches the date: passed unchecked, the check is overdue,
the department's heads and the supervisors are told once, and the supervisors' board lists it.
Every step is an event of the case.
"""
from datetime import datetime, timezone

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine import clock, config, credit, files, timers
from engine.errors import Conflict, Forbidden, Invalid, Message, written
from engine.ratings import answers_for, heads, may_see, of_their_department, staff_of, supervisors, timer_due
from engine.services import calendars
from engine.services.events import record_case
from engine.services.notifications import tell
from engine.services.users import require
from engine.store import session_scope
from engine.store.db import fetch, locked, locked_with_case, read_session
from engine.store.models import Case, Material, PledgeCheck, User

OUTCOMES = ("true", "false")  # 属实 | 不实
STATES = ("due", *OUTCOMES)
FILTERS = (*STATES, "overdue")  # overdue: due, its date passed (逾期未核查)
CHECKERS = ("reviewer", "lead")  # of the department that decided the case
WATCHERS = ("supervisor",)
MAX_FINDING = 2000
TIMER = "pledge_check"
ABOUT = "pledge_check"  # a notification's link: the checks page


def open_checks(session: Session, case: Case, actor: User | None) -> None:
    """A grant was decided: each of its pledges is to be checked by the item's department, by a date
    PLEDGE_CHECK_DAYS working days on; a timer watches it. A case without pledges has none."""
    pledges = session.scalars(select(Material).where(Material.case_id == case.id, Material.state == "pledged")
                              .order_by(Material.id)).all()
    if not pledges:
        return
    today, days = clock.today(), config.period("PLEDGE_CHECK_DAYS")
    due = calendars.current().add_workdays(today, days).date
    for pledge in pledges:
        session.add(PledgeCheck(case_id=case.id, material_id=pledge.id, department=case.item.department,
                                due_on=due, counted_from=today, working_days=days, state="due"))
    timers.one_per_date(session, TIMER, {timer_due(due)}, case_id=case.id)
    record_case(session, "pledge_checks_due", case, actor=actor, department=case.item.department,
                due_on=due.isoformat(), materials=[p.name for p in pledges])


def watched(*columns):
    """The checks a date still watches (of `columns`, else whole): due, not yet found late, of a grant
    that stands (a pledge left unchecked once it is revoked is late for nothing)."""
    return select(*columns or (PledgeCheck,)).join(Case, Case.id == PledgeCheck.case_id).where(
        PledgeCheck.state == "due", PledgeCheck.overdue_at.is_(None), Case.status != "revoked")


def sync_timers(session: Session, case_id: int) -> None:
    """One pending timer for each date a watched check of the case falls on."""
    session.flush()
    dates = session.scalars(watched(PledgeCheck.due_on).where(PledgeCheck.case_id == case_id))
    timers.one_per_date(session, TIMER, {timer_due(d) for d in dates}, case_id=case_id)


def fire_timer(session: Session, timer, now: datetime) -> None:
    """The tick: the checks of the case due before today, still unchecked, are overdue; the
    department's heads and the supervisors are told, once."""
    case = locked(session, Case, timer.case_id)
    overdue = session.scalars(select(PledgeCheck).where(
        PledgeCheck.case_id == timer.case_id, PledgeCheck.state == "due", PledgeCheck.overdue_at.is_(None),
        PledgeCheck.due_on < now.astimezone(clock.SHANGHAI).date()).order_by(PledgeCheck.id)).all()
    for check in overdue:
        check.overdue_at = now
        record_case(session, "pledge_check_overdue", case, check_id=check.id, department=check.department,
                    material=check.material.name, due_on=check.due_on.isoformat())
    if overdue:  # a case's checks are all its item's department's
        tell(session, heads(session, overdue[0].department, CHECKERS) + supervisors(session), None, None,
             Message("the check of the applicant's commitment (告知承诺核查) was due by %(due)s and is not done "
                     "(overdue)", due=overdue[0].due_on.isoformat()), number=case.number, about=ABOUT)


def late(check: PledgeCheck) -> bool:
    """Not checked by its date: due and marked by the tick (逾期未核查), or checked after it."""
    if check.state == "due":
        return check.overdue_at is not None
    return check.checked_at.astimezone(clock.SHANGHAI).date() > check.due_on


def may_check(actor: User, check: PledgeCheck) -> bool:
    """While due, one of the department's reviewers or heads (an administrator is no department's
    voice on what it found)."""
    return check.state == "due" and answers_for(actor, check, CHECKERS)


def _visible(actor: User):
    """The checks the actor may see: every one for supervisors, their department's for its staff."""
    require(actor, *CHECKERS, *WATCHERS)
    return of_their_department(select(PledgeCheck), actor, WATCHERS, PledgeCheck.department)


def checks(actor: User, state: str | None = None) -> list[PledgeCheck]:
    """The due first, then the found ones, each by its date. state: one of FILTERS."""
    if state is not None and state not in FILTERS:
        raise Invalid("state must be one of %(states)s", states=", ".join(FILTERS))
    query = _visible(actor)
    if query is None:
        return []
    if state == "overdue":
        query = query.where(PledgeCheck.state == "due", PledgeCheck.overdue_at.is_not(None))
    elif state:
        query = query.where(PledgeCheck.state == state)
    with read_session() as session:
        return list(session.scalars(query.order_by((PledgeCheck.state == "due").desc(), PledgeCheck.due_on,
                                                   PledgeCheck.id)))


def counts(actor: User) -> dict:
    """How many of the checks the actor sees are due, and how many of those overdue (the inbox's,
    the board's figures)."""
    query = _visible(actor)
    if query is None:
        return {"due": 0, "overdue": 0}
    due = query.where(PledgeCheck.state == "due").subquery()
    with read_session() as session:
        found = session.execute(select(func.count(), func.count(due.c.overdue_at)).select_from(due)).one()
    return {"due": found[0], "overdue": found[1]}


def get(check_id: int, actor: User) -> PledgeCheck:
    require(actor, *CHECKERS, *WATCHERS)
    with read_session() as session:
        check = fetch(session, PledgeCheck, check_id, "pledge check")
        if not may_see(actor, check):
            raise Forbidden("This check belongs to another department")
        return check


def of_case(case_id: int) -> list[PledgeCheck]:
    """Every pledge check of a case (its page lists them), for a reader who may see one of them."""
    with read_session() as session:
        return list(session.scalars(select(PledgeCheck).where(PledgeCheck.case_id == case_id)
                                    .order_by(PledgeCheck.id)))


def _may_record(actor: User, check: PledgeCheck) -> None:
    if not answers_for(actor, check, CHECKERS):
        raise Forbidden("Only the department that decided the case checks its pledges")
    if check.state != "due":
        raise Conflict("This pledge has been checked already")


def record(check_id: int, actor: User, outcome: str, finding: str, evidence=None) -> PledgeCheck:
    """The department's finding on one pledge: true (属实) or false (不实), what it found, and the
    file it found it by (an intake.Upload, optional). A false one goes on the applicant's credit
    record and its heads are told they may revoke the grant."""
    require(actor, *CHECKERS)
    if outcome not in OUTCOMES:
        raise Invalid("Say what the check found: true (属实) or false (不实)")
    finding = written(finding, Message("Say what the check found"),
                      Message("A check's finding has at most %(max)s characters", max=MAX_FINDING))
    if evidence is not None:  # someone who may not record the finding leaves no file behind
        with read_session() as session:
            _may_record(actor, fetch(session, PledgeCheck, check_id, "pledge check"))
    stored = files.store(evidence.content, evidence.filename) if evidence is not None else None
    with session_scope() as session:
        case, check = locked_with_case(session, PledgeCheck, check_id, "pledge check")
        _may_record(actor, check)
        if stored is not None:
            sha, size = stored
            proof = Material(case_id=case.id, applicant_id=case.applicant_id, kind=f"check:{check.material.kind}",
                             name=f"核查材料：{check.material.name}", state="evidence", filename=evidence.filename,
                             sha256=sha, size=size, issued_by=check.department)
            session.add(proof)
            session.flush()
            check.evidence_id = proof.id
        check.state, check.finding = outcome, finding
        check.checked_by, check.checked_at = actor.id, datetime.now(timezone.utc)
        sync_timers(session, case.id)
        record_case(session, "pledge_checked", case, actor=actor, check_id=check.id, material=check.material.name,
                    outcome=outcome, on_time=clock.today() <= check.due_on, evidence=evidence is not None)
        if outcome == "false":
            credit.record_false_pledge(session, case, check, actor)
            if case.status != "revoked":  # a revoked grant's heads have nothing left to do
                heads = staff_of(session, check.department, ("lead",))
                tell(session, [h for h in heads if h != actor.id], None, None,
                     Message("a commitment (告知承诺) was found false (不实); the grant may be revoked"),
                     number=case.number, about=ABOUT)
        session.flush()
    return get(check_id, actor)
