"""信用记录: a pledge found false (不实, engine/pledge_checks.py) puts its applicant, the person or
company its ID number or unified social credit code names, on a 失信 record (虚假承诺) from that
day, with the case. While a record of theirs is active, neither the window nor the portal takes a
pledge (告知承诺) or a conditional acceptance (容缺) from them (domain-reference.md 3.6: not for
applicants with a bad credit record until 信用修复). An administrator or a supervisor repairs a
record with the reason: it is kept, inactive, and the bar is lifted once none is active.
"""
from datetime import datetime, timezone

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from engine import clock
from engine.errors import Conflict, Message, NotFound, written
from engine.services.events import record_case
from engine.services.users import require
from engine.store import session_scope
from engine.store.db import locked, read_session
from engine.store.models import Applicant, Case, CreditRecord, PledgeCheck, User

REPAIRERS = ("supervisor",)  # and administrators, who hold every role
MAX_REASON = 2000
LIST_AT_MOST = 200


def record_false_pledge(session: Session, case: Case, check: PledgeCheck, actor: User) -> CreditRecord:
    """The applicant of the case goes on the record, in the finding's transaction: once for a case,
    while its record is active (a second false pledge of it would ask a second repair for one case)."""
    kept = session.scalar(select(CreditRecord).where(CreditRecord.case_id == case.id, CreditRecord.active.is_(True)))
    if kept is not None:
        return kept
    row = CreditRecord(applicant_id=case.applicant_id, case_id=case.id, check_id=check.id, recorded_on=clock.today())
    session.add(row)
    session.flush()
    record_case(session, "credit_recorded", case, actor=actor, record_id=row.id, check_id=check.id,
                id_number=case.applicant.id_number, material=check.material.name)
    return row


def active_of(session: Session, applicant_id: int) -> CreditRecord | None:
    """The applicant's latest active record, if they have one."""
    return session.scalar(select(CreditRecord).where(CreditRecord.applicant_id == applicant_id,
                                                     CreditRecord.active.is_(True))
                          .order_by(CreditRecord.id.desc()).limit(1))


def bar_of(applicant_id: int) -> CreditRecord | None:
    """active_of, for a page (the intake and portal forms, which then offer no pledge nor 容缺)."""
    with read_session() as session:
        return active_of(session, applicant_id)


def barred(record: CreditRecord) -> Message:
    """Why the applicant's pledge and 容缺 are refused: the record, by its date and case."""
    return Message("%(applicant)s is on the credit record for a false commitment (失信：虚假承诺) since %(day)s, "
                   "case %(case)s: no commitment in lieu (告知承诺) or conditional acceptance (容缺) is taken "
                   "until the record is repaired (信用修复)", applicant=record.applicant.name,
                   day=record.recorded_on.isoformat(), case=record.case.number)


def records(actor: User, text: str = "") -> list[CreditRecord]:
    """The records, the active first and the latest first: of the applicant whose ID number (or
    credit code) or name is `text` exactly, or all."""
    require(actor, *REPAIRERS)
    query = select(CreditRecord).join(Applicant, Applicant.id == CreditRecord.applicant_id)
    text = (text or "").strip()
    if text:
        query = query.where(or_(Applicant.id_number == text.upper(), Applicant.name == text))
    with read_session() as session:
        return list(session.scalars(query.order_by(CreditRecord.active.desc(), CreditRecord.recorded_on.desc(),
                                                   CreditRecord.id.desc()).limit(LIST_AT_MOST)))


def repair(record_id: int, actor: User, reason: str) -> CreditRecord:
    """信用修复: the record ends, kept with who ended it, when and why."""
    require(actor, *REPAIRERS)
    reason = written(reason, Message("Say why the credit record is repaired"),
                     Message("A repair's reason has at most %(max)s characters", max=MAX_REASON))
    with session_scope() as session:
        row = locked(session, CreditRecord, record_id)
        if row is None:
            raise NotFound("No credit record %(record)s", record=record_id)
        if not row.active:
            raise Conflict("This credit record has been repaired already")
        row.active, row.repair_reason = False, reason
        row.repaired_by, row.repaired_at = actor.id, datetime.now(timezone.utc)
        record_case(session, "credit_repaired", row.case, actor=actor, record_id=row.id,
                    id_number=row.applicant.id_number, reason=reason)
    with read_session() as session:
        return session.get(CreditRecord, record_id)
