"""The end of a case: the procedure's decision, or the window's on the spot, decides it (办结);
the result is then handed over (送达) within the working days the office promises (DELIVERY_DAYS,
engine.config), watched like any other limit; a grant's pledges (告知承诺) are checked after it
(engine/pledge_checks.py)."""
from datetime import date, datetime, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import agencies, catalogue, clock, config, licences, pledge_checks, seals
from engine.case_news import decided_for_agent, tell_agent, window_of
from engine.case_status import open_case
from engine.clock import limits, stopping
from engine.errors import Conflict, EngineFailure, Invalid
from engine.notices import case_of, issue_notice
from engine.services import calendars
from engine.services.events import record_case
from engine.services.users import department_names, require
from engine.store import session_scope
from engine.store.models import Case, Event, Instance, Material, Notice, User

ART44_DAYS = 10  # Art. 44: a granted licence is issued and delivered within ten working days
DECISIONS = ("approve", "approve_with_conditions", "reject")
# The written refusal: a licence's (不予行政许可决定书, Art. 38), any other item's (不予办理决定书).
LICENCE_REFUSAL, OTHER_REFUSAL = "rejection", "non_approval"
# A renewal undecided when its licence expired is granted by the law (Art. 50, engine/renewals.py):
# the history names it so, in the item's words' way (catalogue.worded).
DEEMED_WORDS = {"decision_word": "视为准予延续", "decision_word_en": "Renewal deemed granted"}


def procedure_completed(session: Session, instance: Instance, actor: User | None) -> None:
    """The procedure ended: its data's `decision` decides the case, `decision_comment` says why
    and on what conditions (the window hands both over); delivery is due next."""
    case = case_of(session, instance.id)
    if case is None:
        return
    decision, statement = instance.data.get("decision"), instance.data.get("decision_comment")
    if decision not in DECISIONS and not instance.definition.needs_decision:
        decision = "approve"  # a version deployed before 0013 granted so, and its cases still do
    if decision not in DECISIONS:  # a procedure's slip must not grant a licence: its last step waits
        raise EngineFailure("The procedure ended without a decision: its data's decision is %(found)s, not one "
                            "of %(known)s", found=repr(decision), known=", ".join(DECISIONS))
    case.statement = statement if isinstance(statement, str) and statement.strip() else None
    conditions = _conditions(session, instance.data) if decision == "approve_with_conditions" else []
    decide(session, case, decision, actor, conditions=conditions)


def _conditions(session: Session, data: dict) -> list[dict]:
    """统一反馈: the conditions each department set in its opinion (processes/review_round.bpmn:
    `opinions`), the applicant's to meet with the lead's decision; its department named as it was
    then, so the answer reads the same later."""
    opinions = data.get("opinions")
    names = department_names(session)
    return [{"department": o.get("department"), "department_name": names.get(o.get("department"), o.get("department")),
             "review": o.get("name") or "", "conditions": o["conditions"].strip()}
            for o in (opinions if isinstance(opinions, list) else [])
            if isinstance(o, dict) and isinstance(o.get("conditions"), str) and o["conditions"].strip()]


def conditions_of(session: Session, case: Case) -> list[dict]:
    """The departments' conditions the decision came with (recorded with it: case_decided)."""
    data = session.scalar(select(Event.data).where(Event.case_id == case.id, Event.type == "case_decided")
                          .order_by(Event.id.desc()).limit(1))
    return (data or {}).get("conditions") or []


def decide(session: Session, case: Case, decision: str, actor: User | None, conditions: list[dict] = (),
           deemed: bool = False) -> None:
    """`deemed`: a renewal granted by the law, no one deciding it (Art. 50): no department's paper
    is its decision, none is sealed as one."""
    licences.granted(session, case, decision, deemed)  # a renewal's, past its licence's expiry, is refused
    case.decision, case.decided_at, case.status = decision, datetime.now(timezone.utc), "decided"
    days = config.period("DELIVERY_DAYS")
    stopping.stop_running(session, case.instance_id, actor)
    if case.instance_id is not None:  # delivery is watched like any limit (warnings, supervision)
        delivery = limits.start_clock(session, case.instance_id, label=f"{case.item.name}（送达）",
                                      promised_days=days,
                                      statutory_days=ART44_DAYS if decision != "reject" else None,
                                      department=window_of(session, case), item_code=case.item_code, actor=actor)
        # The case's pages and the agent are told its date: a calendar change moves it later, never earlier.
        limits.promise_to_applicant(session, delivery)
        due, case.delivery = delivery.promised_due, {}  # its date is the clock's (delivery_due)
    else:  # decided on the spot (即办): handed over at the window, with no clock
        due = calendars.current().add_workdays(clock.today(), days).date
        case.delivery = {"due_on": due.isoformat(), "working_days": days}  # as engine.recount counts it again
    document = _decision_document(session, case) if decision != "reject" and not deemed else None
    if document is not None:  # named as the item's guide names its result, not by the step that made it
        document.name = case.item.data.get("result") or document.name
    if document is not None and case.item.case_type != "escalated":  # a higher authority seals its own
        seals.seal(session, case, document)
    filed = _file_issued(session, case, document or licences.renewed_paper(session, case)) \
        if decision != "reject" else None
    record_case(session, "case_decided", case, actor=actor,
                decision=decision, item_kind=case.item.kind, delivery_due=due.isoformat(), filed=filed,
                # the item's own word for it (准予登记), the history's as the case's pages say it
                **(DEEMED_WORDS if deemed else catalogue.worded(case.item.data, decision, "decision_word")),
                conditions=list(conditions), **({"deemed": True} if deemed else {}),
                **({"licence_expires_on": case.licence_expires_on.isoformat()} if case.licence_expires_on else {}))
    if decision == "reject":  # a refusal is a written decision with its reasons and the remedies (Art. 38)
        kind = LICENCE_REFUSAL if case.item.kind == "licence" else OTHER_REFUSAL
        issue_notice(session, case, kind, actor, reason=case.statement)
    else:  # a grant's paper comes at delivery; the agent who filed it hears now
        tell_agent(session, case, decided_for_agent(due.isoformat()), actor)
        pledge_checks.open_checks(session, case, actor)  # 告知承诺: each pledge it was granted on is checked


def delivery_due(session: Session, case: Case) -> date | None:
    """The day a decided case's result is to be handed over by: its delivery clock's promised date
    (the one the window is warned and supervised against and the monthly report counts); a case
    decided on the spot has no clock and keeps the date it was given (engine.recount moves it)."""
    watched = limits.delivery_clock(session, case.instance_id) if case.instance_id is not None else None
    if watched is not None:
        return watched.promised_due
    due = (case.delivery or {}).get("due_on")
    return date.fromisoformat(due) if due else None


def _decision_document(session: Session, case: Case) -> Material | None:
    """A grant's document: the last result the deciding department, the item's, issued (its
    head's step, its registration, the window's at once for it). Another department's paper
    that came last (a tax receipt) is no decision; a refusal's written decision is its notice."""
    return session.scalar(select(Material).where(Material.case_id == case.id, Material.kind.like("result:%"),
                                                 Material.issued_by == case.item.department,
                                                 Material.sha256.is_not(None)).order_by(Material.id.desc()).limit(1))


def _file_issued(session: Session, case: Case, result: Material | None) -> str | None:
    """一次采集、多次复用: what a grant issues (the item's `issues`: a permit, a certificate) is
    filed under the applicant as that kind of material, issued by the item's department, so a
    later case whose checklist asks for it (issued_by the department) reuses it until the licence
    expires. The document filed is the decision's (_decision_document), or for a renewal without
    one the licence it renews (licences.renewed_paper); a grant without either files nothing."""
    issues = case.item.data.get("issues")
    if not issues or result is None:
        return None
    session.add(Material(case_id=case.id, applicant_id=case.applicant_id, kind=issues["code"], name=issues["name"],
                         state="issued", filename=result.filename, sha256=result.sha256, size=result.size,
                         issued_by=case.item.department, valid_until=case.licence_expires_on))
    return issues["name"]


def results(case: Case, session: Session) -> list[dict]:
    """The result documents the departments attached to their steps (批复, 意见书), oldest first."""
    rows = session.scalars(select(Material).where(Material.case_id == case.id, Material.kind.like("result:%"))
                           .order_by(Material.id))
    return [{"id": m.id, "name": m.name, "filename": m.filename, "issued_by": m.issued_by, "seal_code": m.seal_code}
            for m in rows]


def _handed_over(session: Session, case: Case) -> list[dict]:
    """What the receipt lists: the departments' result documents and, for a refusal, its written
    decision by its notice kind and number (a case is decided once: one refusal at most)."""
    documents = [{"name": r["name"], "filename": r["filename"], "seal_code": r["seal_code"],
                  "issued_by": r["issued_by"]} for r in results(case, session)]
    if case.decision != "reject":
        return documents
    refusal = session.scalar(select(Notice).where(Notice.case_id == case.id,
                                                  Notice.kind.in_((LICENCE_REFUSAL, OTHER_REFUSAL))))
    if refusal is not None:
        documents.append({"notice": refusal.kind, "filename": refusal.number})
    return documents


def deliver(case_id: int, method: str, actor: User, tracking: str | None = None) -> Case:
    """送达: at the window, by express mail (with its tracking number) or electronically."""
    require(actor, "clerk")
    if method not in ("window", "express", "electronic"):
        raise Invalid("method must be window, express or electronic")
    if method == "express" and not tracking:
        raise Invalid("Express delivery needs the tracking number")
    with session_scope() as session:
        case = open_case(session, case_id, "decided")
        if method == "electronic" and not case.applicant.password_hash:  # nowhere to read it
            raise Conflict("The applicant has no online account to receive the result in: deliver it at the window "
                           "or by express mail, or open their account first")
        on_time = clock.today() <= delivery_due(session, case)
        case.delivery = {**case.delivery, "method": method, "tracking": tracking,
                         "delivered_at": datetime.now(timezone.utc).isoformat(), "on_time": on_time}
        case.status = "delivered"
        stopping.stop_running(session, case.instance_id, actor)
        agencies.case_ended(session, case)
        record_case(session, "case_delivered", case, actor=actor, method=method, tracking=tracking,
                    on_time=on_time)
        issue_notice(session, case, "receipt", actor, decision=case.decision, item_kind=case.item.kind,
                     statement=case.statement, conditions=conditions_of(session, case), method=method, tracking=tracking,
                     delivered_on=clock.today().isoformat(),
                     documents=_handed_over(session, case))
        return case
