"""延续 (Art. 50 of the Administrative Licensing Law): the holder of a licence applies to renew it,
online or at the window, at least thirty days before it expires (engine/licences.py says when they
may); the department decides before it expires. A renewal still undecided at the end of that day
(Beijing time) is deemed granted (视为准予延续): the system decides it, as no person did, ends its
procedure, and tells the applicant in a sealed written notice. The day is the licence's and moves
for nothing: a special procedure or a suspended procedure does not put it off. A licence whose
grant was revoked meanwhile (撤销, engine/revocation.py) is renewed by nothing: its renewal is not
deemed granted, nor may its department grant it. Supervisors see the renewals that near it
undecided (at_risk)."""
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from engine import clock, config, decisions, intake, licences
from engine.clock import stopping
from engine.errors import Conflict, Message, NotFound
from engine.notices import issue_notice
from engine.services import calendars
from engine.services.events import record_case
from engine.services.users import department_names, require
from engine.store.db import read_session
from engine.store.models import Case, Instance, ServiceItem, Timer, User
from engine.termination import WITHDRAWABLE, end_procedure

# The law's period for deciding runs from acceptance (Art. 32): a renewal still awaiting its
# correction (补正), or the window's answer to it, was never complete before the agency, and is
# not granted for want of a decision; its licence expires.
DEEMED_FROM = ("accepted", "conditional", "review_correction")
# The decision's basis, on the case and its notices (a notice's text is Chinese).
BASIS = "行政机关在许可有效期届满前未作出是否准予延续的决定，依照《中华人民共和国行政许可法》第五十条，视为准予延续"
NOTICE = "renewal_deemed"
AT_RISK_LIMIT = 200


def apply(licence_case_id: int, uploads: list[intake.Upload], actor: User | None, *,
          applicant_id: int | None = None, form: dict | None = None, note: str | None = None) -> Case:
    """The holder applies to renew the licence case `licence_case_id` granted: online (actor None,
    applicant_id theirs: anyone else's case is not found) or at the window (a clerk, for them). A
    new case of the same item for the same applicant, taken in like any other; refused, nothing
    stored, when the licence may not be renewed today (licences.refusal)."""
    if actor is not None:
        require(actor, "clerk")
    with read_session() as session:
        licence = session.get(Case, licence_case_id)
        if licence is None or applicant_id not in (None, licence.applicant_id):
            raise NotFound("No case %(case)s", case=licence_case_id)
        why = licences.refusal(session, licence, clock.today())
        holder = intake.on_record(licence.applicant)
    if why is not None:  # said before any file is stored; said again if it changes meanwhile (licences.link)
        raise Conflict(why)
    return intake.submit(licence.item_code, holder, uploads, actor, channel="online" if actor is None else "window",
                         form=form, note=note, renews=licence.id)


def fire_timer(session: Session, timer: Timer, now: datetime) -> None:
    """The licence the case renews expired at the end of the day (the tick calls this, inside its
    transaction). Accepted and undecided, the renewal is granted by the law; earlier, or its licence
    revoked, its history says why it was not."""
    case = session.get(Case, timer.case_id)
    renewed = session.get(Case, case.renews_case_id)
    if renewed.status == licences.REVOKED and case.status in WITHDRAWABLE:  # no licence left to renew
        record_case(session, "renewal_not_deemed", case, status=case.status, revoked=renewed.number)
        return
    if case.status in ("submitted", "correction"):
        record_case(session, "renewal_not_deemed", case, status=case.status)
    if case.status not in DEEMED_FROM:
        return
    for waiting in session.scalars(select(Timer).where(Timer.case_id == case.id, Timer.id != timer.id,
                                                       Timer.state == "pending")):
        waiting.state = "cancelled"  # a 容缺 date, a correction's or a payment's: nothing is owed now
    if case.instance_id is not None:
        end_procedure(session, session.get(Instance, case.instance_id), None,
                      lambda step: Message("the renewal was deemed granted when the licence expired; %(task)s is "
                                           "cancelled", task=step), result=stopping.ENDED_WITH_STEP)
    case.statement = BASIS
    decisions.decide(session, case, "approve", None, deemed=True)
    issue_notice(session, case, NOTICE, None, renews=renewed.number, basis=BASIS,
                 expired_on=renewed.licence_expires_on.isoformat(),
                 expires_on=case.licence_expires_on.isoformat() if case.licence_expires_on else None,
                 delivery_due=decisions.delivery_due(session, case).isoformat())


def at_risk(session: Session, department: str | None, today: date) -> list[dict]:
    """Renewals still undecided whose licence expires within RENEWAL_WARNING_DAYS working days
    (the soonest first): every department's, or one's. One accepted is granted at the expiry
    whatever is still to do; one not accepted lets the licence lapse."""
    last = calendars.current().add_workdays(today, config.period("RENEWAL_WARNING_DAYS")).date
    renewed = aliased(Case)
    query = (select(Case, renewed.number, renewed.licence_expires_on).join(renewed, renewed.id == Case.renews_case_id)
             .where(Case.status.in_(WITHDRAWABLE), renewed.licence_expires_on.between(today, last),
                    renewed.status != licences.REVOKED)
             .order_by(renewed.licence_expires_on, Case.id).limit(AT_RISK_LIMIT))
    if department is not None:
        query = query.join(ServiceItem, ServiceItem.id == Case.item_id).where(ServiceItem.department == department)
    names, cal = department_names(session), calendars.current()
    return [{"case_id": case.id, "case_number": case.number, "instance_id": case.instance_id,
             "item_code": case.item_code, "item_name": case.item.name,
             "department": case.item.department, "department_name": names.get(case.item.department),
             "status": case.status, "licence_case_number": number, "expires_on": expires.isoformat(),
             "workdays_left": cal.workdays_between(today, expires)}
            for case, number, expires in session.execute(query)]
