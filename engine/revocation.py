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
from engine.ratings import answers_for
from engine.services.events import record_case
from engine.services.users import require
from engine.store import session_scope
from engine.store.db import read_session
from engine.store.models import Case, Material, Notice, PledgeCheck, User

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
        return issue_notice(session, case, NOTICE, actor, reason=reason, decision=decision,
                            decided_on=case.decided_at.astimezone(clock.SHANGHAI).date().isoformat(),
                            findings=[{"material": c.material.name, "finding": c.finding} for c in found_false])
