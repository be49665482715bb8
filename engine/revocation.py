"""撤销: a grant obtained by a false pledge (虚假承诺: a check found it 不实, engine/pledge_checks.py)
is revoked by the department that decided it (行政许可法 Art. 69; 国办发〔2020〕42号). Its head decides,
giving the reasons; the applicant is told by a written, sealed decision with their remedies
(撤销行政许可决定书 for a licence, 撤销决定书 for any other item); the case's status becomes
`revoked`, once; a document the grant filed for the applicant's later cases is reused no more.
"""
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from engine import clock, pledge_checks
from engine.case_status import open_case
from engine.clock import stopping
from engine.errors import Conflict, Forbidden, Message, written
from engine.notices import issue_notice
from engine.ratings import answers_for, staff_of
from engine.services.events import record_case
from engine.services.notifications import tell
from engine.services.users import require
from engine.store import session_scope
from engine.store.db import read_session
from engine.store.models import Case, Material, Notice, PledgeCheck, User
from engine.termination import WITHDRAWABLE

REVOKERS = ("lead",)  # the head of the department that decided the case
REVOCABLE = ("decided", "delivered")  # granted: a refusal has nothing to revoke
NOTICE = "revocation"
MAX_REASON = 2000


def false_checks(session: Session, case_id: int) -> list[PledgeCheck]:
    """The case's pledges found false, the ground a revocation stands on."""
    return list(session.scalars(select(PledgeCheck).where(PledgeCheck.case_id == case_id, PledgeCheck.state == "false")
                                .order_by(PledgeCheck.id)))


def standing(case_id: int) -> tuple[Notice | None, list[PledgeCheck]]:
    """The case's revocation notice (None while the grant stands) and its pledges found false."""
    with read_session() as session:
        notice = session.scalar(select(Notice).where(Notice.case_id == case_id, Notice.kind == NOTICE).limit(1))
        return notice, false_checks(session, case_id)


def may_revoke(actor: User, case: Case, found_false: list[PledgeCheck]) -> bool:
    """A head of the department that found a pledge false (by their own roles), while the grant stands."""
    return (case.status in REVOCABLE and any(answers_for(actor, c, REVOKERS) for c in found_false))


def revoke(case_id: int, actor: User, reason: str) -> Notice:
    """Revoke the grant, with the reasons the written decision gives the applicant."""
    require(actor, *REVOKERS)
    reason = written(reason, Message("Give the reasons for revoking the grant: the written decision tells them"),
                     Message("The reasons have at most %(max)s characters", max=MAX_REASON))
    with session_scope() as session:
        case = open_case(session, case_id)
        if case.status == "revoked":
            raise Conflict("The grant of case %(case)s has been revoked already", case=case.number)
        found_false = false_checks(session, case.id)
        if not found_false:
            raise Conflict("Only a grant whose pledge a check found false (不实) is revoked here")
        if case.status not in REVOCABLE:  # a check is opened for a grant only: its false one means one was made
            raise Conflict("Case %(case)s holds no grant to revoke", case=case.number)
        if not may_revoke(actor, case, found_false):
            raise Forbidden("Only the head of the department that checked the pledge revokes the grant")
        decision = case.decision
        case.status = "revoked"
        stopping.stop_running(session, case.instance_id, actor)  # a delivery still awaited is due no more
        session.execute(update(Material).where(Material.case_id == case.id, Material.state == "issued")
                        .values(state="revoked"))
        pledge_checks.sync_timers(session, case.id)  # its other pledges are watched no more
        record_case(session, "grant_revoked", case, actor=actor, decision=decision, reason=reason,  # then its paper
                    checks=[c.id for c in found_false])
        _tell_renewals(session, case, actor)
        return issue_notice(session, case, NOTICE, actor, reason=reason, decision=decision,
                            decided_on=case.decided_at.astimezone(clock.SHANGHAI).date().isoformat(),
                            findings=[{"material": c.material.name, "finding": c.finding} for c in found_false])


def _tell_renewals(session: Session, case: Case, actor: User) -> None:
    """A renewal of the licence under way may no longer be granted (engine/renewals.py): its
    history says so, and its department's reviewers and heads are told, to refuse it."""
    for renewal in session.scalars(select(Case).where(Case.renews_case_id == case.id, Case.status.in_(WITHDRAWABLE))):
        record_case(session, "renewed_licence_revoked", renewal, actor=actor, licence=case.number)
        staff = staff_of(session, renewal.item.department, ("reviewer", "lead"))
        tell(session, [p for p in staff if p != actor.id], None, None,
             Message("the licence it renews (case %(licence)s) was revoked: the renewal may not be granted; "
                     "refuse it", licence=case.number), number=renewal.number)
