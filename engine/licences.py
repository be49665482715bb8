"""The licence a granted case gives, where its item's licence has a validity (`issues: valid_years`):
the day it expires, and its renewal (延续, Art. 50 of the Administrative Licensing Law). The holder
applies at least thirty days before it expires, for a new case of the same item linked to the
licence's (renews_case_id); granted, the renewal runs on from the day the licence expired, and
the renewed licence is the renewal's own. What the renewal case goes through, and its grant when
it is still undecided at the licence's expiry, is engine/renewals.py."""
from datetime import date, datetime, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import catalogue, clock
from engine.errors import Conflict, Message
from engine.store.db import locked
from engine.store.models import Case, Material, ServiceItem, Timer
from engine.termination import WITHDRAWABLE

# Art. 50: "在该行政许可有效期届满三十日前" - calendar days, the law's period, no setting.
ART50_DAYS = 30
GRANTS = ("approve", "approve_with_conditions")
TIMER = "renewal"  # due at the end of the day the renewed licence expires (engine/renewals.fire_timer)
# A grant revoked (撤销, engine/revocation.py) leaves no valid licence: none to renew, none renewed.
REVOKED = "revoked"


def standing(case: Case) -> bool:
    """Whether the case granted a licence that stands: granted, and not revoked since."""
    return case.decision in GRANTS and case.status != REVOKED


def _renewals(session: Session, licence: Case) -> list[Case]:
    return list(session.scalars(select(Case).where(Case.renews_case_id == licence.id).order_by(Case.id)))


def _offered(session: Session, item_code: str) -> bool:
    """Whether the item offers renewals now (its latest version, the one a renewal is filed under)."""
    return catalogue.renewable(session.scalar(select(ServiceItem.data).where(ServiceItem.code == item_code)
                                              .order_by(ServiceItem.version.desc()).limit(1)))


def refusal(session: Session, licence: Case, today: date) -> Message | None:
    """Why the holder cannot apply to renew the licence of this case today; None if they can."""
    if licence.licence_expires_on is None or licence.decision not in GRANTS:
        return Message("Case %(case)s granted no licence with a validity to renew", case=licence.number)
    if licence.status == REVOKED:
        return Message("The grant of case %(case)s was revoked (撤销): its licence is no longer valid and is not "
                       "renewed, apply for a new one", case=licence.number)
    if not _offered(session, licence.item_code):
        return Message("Item %(item)s offers no renewal (延续) of its licences", item=licence.item_code)
    for renewal in _renewals(session, licence):
        if standing(renewal):
            return Message("The licence of case %(case)s was renewed by case %(renewal)s: renew that one",
                           case=licence.number, renewal=renewal.number)
        if renewal.status in WITHDRAWABLE:
            return Message("A renewal of this licence is already under way: case %(renewal)s",
                           renewal=renewal.number)
    left = (licence.licence_expires_on - today).days
    if left < 0:
        return Message("The licence expired on %(day)s: it can no longer be renewed, apply for a new one",
                       day=licence.licence_expires_on.isoformat())
    if left < ART50_DAYS:
        return Message("The licence expires on %(day)s: a renewal is applied for at least %(min)s days before "
                       "(Art. 50 of the Administrative Licensing Law), and %(left)s remain",
                       day=licence.licence_expires_on.isoformat(), min=ART50_DAYS, left=left)
    return None


def link(session: Session, case: Case, licence_id: int) -> Case:
    """The new case renews the licence of case `licence_id`, held meanwhile (a second renewal
    waits, then finds this one open): refused unless its holder may renew it today. Undecided at
    the end of the day the licence expires, the renewal is deemed granted (the timer)."""
    licence = locked(session, Case, licence_id)
    why = refusal(session, licence, clock.today())
    if why is not None:
        raise Conflict(why)
    case.business_kind, case.renews_case_id = "renewal", licence.id
    session.add(Timer(kind=TIMER, case_id=case.id, due_at=clock.end_of(licence.licence_expires_on)))
    return licence


def granted(session: Session, case: Case, decision: str, deemed: bool) -> None:
    """The case is decided (engine/decisions.decide). A renewal decided by its department before
    its licence expired no longer waits to be deemed granted; past the expiry it was (Art. 50),
    and a department's decision comes too late. A grant's licence expires its validity's years
    after today's decision, a renewal's after the day the licence it renews expired."""
    renewed = session.get(Case, case.renews_case_id) if case.renews_case_id is not None else None
    if renewed is not None and decision in GRANTS and renewed.status == REVOKED:
        raise Conflict("The grant of case %(case)s, whose licence this case renews, was revoked (撤销): there is "
                       "no licence to renew, and the renewal is refused", case=renewed.number)
    if renewed is not None and not deemed:
        for timer in session.scalars(select(Timer).where(Timer.case_id == case.id, Timer.kind == TIMER,
                                                         Timer.state == "pending")):
            if timer.due_at < datetime.now(timezone.utc):
                raise Conflict("The licence this case renews expired undecided: the renewal is deemed granted "
                               "(Art. 50 of the Administrative Licensing Law), and the system records it")
            timer.state = "cancelled"
    years = catalogue.licence_years(case.item.data)
    if decision not in GRANTS or not years:
        return
    case.licence_expires_on = clock.add_years(renewed.licence_expires_on if renewed else clock.today(), years)


def renewed_paper(session: Session, case: Case) -> Material | None:
    """The licence document a renewal continues (what the renewed case filed for the applicant), for
    a renewal granted without a paper of its own: deemed granted, the licence runs on as it was."""
    issues = case.item.data.get("issues")
    if case.renews_case_id is None or not issues:
        return None
    return session.scalar(select(Material).where(Material.case_id == case.renews_case_id,
                                                 Material.kind == issues["code"], Material.state == "issued")
                          .order_by(Material.id.desc()).limit(1))


def described(session: Session, case: Case) -> dict | None:
    """The case's licence as its pages and the API show it: the day it expires, the licence the
    case renews (with the day that one expires, when the renewal is deemed granted if undecided),
    its renewals, whether its item offers renewals and, if so, why it cannot be renewed today (None
    if it can), whether its grant, or the one it renews, was revoked (no licence stands, none is
    renewed); None for a case that is neither a renewal nor the grant of a licence with a validity."""
    if case.licence_expires_on is None and case.renews_case_id is None:
        return None
    renews = session.get(Case, case.renews_case_id) if case.renews_case_id is not None else None
    revoked = case.status == REVOKED
    renewable = case.licence_expires_on is not None and not revoked and _offered(session, case.item_code)
    return {"business_kind": case.business_kind,
            "expires_on": case.licence_expires_on.isoformat() if case.licence_expires_on else None,
            "revoked": revoked,
            "renews": {"id": renews.id, "number": renews.number, "expires_on": renews.licence_expires_on.isoformat(),
                       "revoked": renews.status == REVOKED} if renews else None,
            "renewals": [{"id": r.id, "number": r.number, "status": r.status, "decision": r.decision}
                         for r in _renewals(session, case)],
            "renewable": renewable, "refusal": refusal(session, case, clock.today()) if renewable else None}
