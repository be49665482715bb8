"""中介超市: registered agencies that prepare assessment reports, chosen and rated online.

An administrator registers an agency with the kinds of report it is qualified for and the working
days it promises for each. An applicant whose case needs a report of a kind (the item's
`agency_services`, less what the rules do not ask of the project or its zone's regional
assessment spares it: engine/assessments.py) commissions an active agency qualified for it; the
commission is due that many working days after the day it was chosen. That date is the agency's
promise, not the government's: it is kept here and never pauses or moves a case clock (domain
reference: 中介 time is outside the government clock, tracked separately). The delivery hands in
the report, which the reviewing departments read. Supervisors see the open commissions past their
date and each agency's record (engine/agency_records.py); at the end of that date a timer (kind
`agency_due`) tells them and the applicant, once. A commission lives only while its case runs:
when the case ends, its open ones end with it.
"""
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from engine import case_news, clock, files, identity, timers
from engine.agency_reports import awaited, needs_of
from engine.case_status import supplied
from engine.errors import Conflict, Forbidden, Invalid, Message, NotFound, whole, written
from engine.ratings import supervisors
from engine.report_kinds import KIND_NAMES, KINDS, REPORT, kind_of, report_name
from engine.services import calendars
from engine.services.events import record, record_case
from engine.services.notifications import tell
from engine.services.users import require
from engine.store import session_scope
from engine.store.db import flush_unique, locked, read_session
from engine.store.models import Agency, Case, Commission, Event, Material, Timer, User

if TYPE_CHECKING:  # engine.intake imports this module (case_ended, described): its Upload only as a type
    from engine.intake import Upload

# A case with its outcome needs no report.
CLOSED = ("decided", "delivered", "refused", "terminated", "withdrawn", "revoked")
MAX_NAME, MAX_CONTACT, MAX_NOTE, MAX_COMMENT, MAX_REASON = 200, 200, 1000, 500, 500
MAX_DAYS = 365
WINDOW = ("clerk",)  # who acts for any applicant; an agent, for those of the cases they filed
TIMER = "agency_due"
SCALE = 5  # ratings run 1 to 5, 5 the best: the other way round from the 好差评 levels (1 非常满意)


def _fields(name, credit_code, services, qualification="", contact="", price_note="") -> dict:
    """The agency's fields, checked; services is {kind: promised working days}."""
    name, credit_code = (name or "").strip(), (credit_code or "").strip().upper()
    if not 0 < len(name) <= MAX_NAME:
        raise Invalid("An agency's name has 1 to %(max)s characters", max=MAX_NAME)
    wrong = identity.problem("uscc", credit_code)
    if wrong is not None:
        raise Invalid(wrong)
    if not services:
        raise Invalid("Name at least one kind of report the agency is qualified for")
    checked = {}
    for kind, days in services.items():
        if kind not in KINDS:
            raise Invalid("Unknown kind of report %(kind)s", kind=repr(kind))
        if not whole(days, 1, MAX_DAYS):
            raise Invalid("The promised time for %(kind)s is a whole number of working days, 1 to %(max)s",
                          kind=KIND_NAMES[kind], max=MAX_DAYS)
        checked[kind] = days
    texts = {"qualification": (qualification, Message("The qualification note has at most %(max)s characters",
                                                      max=MAX_NOTE)),
             "contact": (contact, Message("The contact has at most %(max)s characters", max=MAX_CONTACT)),
             "price_note": (price_note, Message("The price note has at most %(max)s characters", max=MAX_NOTE))}
    out = {"name": name, "credit_code": credit_code, "services": checked}
    for field, (text, too_long) in texts.items():
        text = (text or "").strip()
        if len(text) > too_long.values["max"]:
            raise Invalid(too_long)
        out[field] = text
    return out


def _taken(session, credit_code: str, but: int | None = None) -> None:
    query = select(Agency.id).where(Agency.credit_code == credit_code)
    if but is not None:
        query = query.where(Agency.id != but)
    if session.scalar(query) is not None:
        raise _code_taken(credit_code)


def _code_taken(credit_code: str) -> Conflict:
    return Conflict("An agency with the code %(code)s is registered already", code=credit_code)


def register(actor: User, **fields) -> Agency:
    require(actor, "admin")
    values = _fields(**fields)
    with session_scope() as session:
        _taken(session, values["credit_code"])
        agency = Agency(**values, active=True)
        session.add(agency)
        flush_unique(session, _code_taken(values["credit_code"]))  # registered twice at once: the unique code
        record(session, "agency_registered", actor=actor, agency_id=agency.id, name=agency.name)
        return agency


def edit(agency_id: int, actor: User, **fields) -> Agency:
    require(actor, "admin")
    values = _fields(**fields)
    with session_scope() as session:
        agency = _agency(session, agency_id)
        _taken(session, values["credit_code"], but=agency.id)
        for field, value in values.items():
            setattr(agency, field, value)
        flush_unique(session, _code_taken(values["credit_code"]))
        record(session, "agency_edited", actor=actor, agency_id=agency.id, name=agency.name)
        return agency


def set_suspended(agency_id: int, suspended: bool, reason: str, actor: User) -> Agency:
    """Suspend (暂停) an agency: no one can choose it, its open commissions go on; or reinstate it.
    Both say why."""
    require(actor, "admin")
    reason = _reason(reason)
    with session_scope() as session:
        agency = _agency(session, agency_id)
        if not agency.active and suspended:
            raise Conflict("The agency is suspended already")
        if agency.active and not suspended:
            raise Conflict("The agency is not suspended")
        agency.active, agency.suspended_reason = not suspended, reason if suspended else None
        record(session, "agency_suspended" if suspended else "agency_reinstated", actor=actor,
               agency_id=agency.id, name=agency.name, reason=reason)
        return agency


def _reason(reason: str) -> str:
    """Why an agency is suspended or reinstated, or a commission cancelled: said, and not at length."""
    said = Message("Give the reason, at most %(max)s characters", max=MAX_REASON)
    return written(reason, said, said)


def _agency(session, agency_id: int) -> Agency:
    agency = locked(session, Agency, agency_id)
    if agency is None:
        raise NotFound("No agency %(agency)s", agency=agency_id)
    return agency


def listed(actor: User) -> list[Agency]:
    """Every agency, suspended ones too, for the administrator."""
    require(actor, "admin")
    with read_session() as session:
        return list(session.scalars(select(Agency).order_by(Agency.name, Agency.id)))


def get(agency_id: int, actor: User) -> Agency:
    require(actor, "admin")
    with read_session() as session:
        agency = session.get(Agency, agency_id)
        if agency is None:
            raise NotFound("No agency %(agency)s", agency=agency_id)
        return agency


def market(kind: str | None = None) -> list[dict]:
    """The public marketplace: the active agencies (of one kind, or all), each kind's promise, and
    the average of their ratings and how many there are. Nobody needs to sign in."""
    with read_session() as session:
        agencies = session.scalars(select(Agency).where(Agency.active.is_(True)).order_by(Agency.name)).all()
        scores = dict((a, (avg, n)) for a, avg, n in session.execute(
            select(Commission.agency_id, func.avg(Commission.rating), func.count(Commission.rating))
            .where(Commission.rating.is_not(None)).group_by(Commission.agency_id)))
    rows = []
    for agency in agencies:
        if kind and kind not in agency.services:
            continue
        average, count = scores.get(agency.id, (None, 0))
        rows.append({"id": agency.id, "name": agency.name, "services": agency.services,
                     "qualification": agency.qualification, "contact": agency.contact,
                     "price_note": agency.price_note, "count": count,
                     "average": round(float(average), 1) if average is not None else None})
    return rows


def commission(case_id: int, agency_id: int, kind: str, *, applicant_id: int | None = None,
               actor: User | None = None) -> Commission:
    """The applicant chooses an agency for one of the case's reports; or, for an applicant with no
    online account, the window or the agent who filed the case chooses with them, on their behalf
    (recorded so). One open commission per case and kind."""
    with session_scope() as session:
        case = _own_case(session, case_id, applicant_id)
        if applicant_id is None and not may_act_for(actor, case.submitted_by):
            raise Forbidden("Only the window, or the agent who filed the case, commissions an agency for its applicant")
        if case.status in CLOSED:
            raise Conflict("The case is closed: it needs no report any more")
        if kind not in needs_of(session, case)[0]:
            raise Invalid("This case needs no report of the kind %(kind)s", kind=KIND_NAMES.get(kind, kind))
        agency = session.get(Agency, agency_id)
        if agency is None:
            raise NotFound("No agency %(agency)s in the marketplace", agency=agency_id)
        if not agency.active:  # suspended since the page was shown
            raise Conflict("%(agency)s is suspended: choose another agency", agency=agency.name)
        if kind not in agency.services:
            raise Invalid("%(agency)s is not qualified for reports of the kind %(kind)s", agency=agency.name,
                          kind=KIND_NAMES[kind])
        busy = _busy(session, case.id).get(kind)
        if busy == "open":
            raise _open_already()
        if busy == "delivered":
            raise Conflict("The case has its report of this kind already")
        today = clock.today()
        due = calendars.current().add_workdays(today, agency.services[kind]).date
        row = Commission(case=case, agency=agency, kind=kind, chosen_on=today, due_on=due,
                         working_days=agency.services[kind], state="open")
        session.add(row)
        flush_unique(session, _open_already())  # a commission taken at the same moment (ux_agency_commissions_open)
        record_case(session, "agency_commissioned", case, actor=actor if applicant_id is None else None,
                    commission_id=row.id, agency_id=agency.id, agency=agency.name, kind=kind, due_on=due.isoformat(),
                    **_for_applicant(case, applicant_id))
        sync_timers(session, case)
        return row


def _for_applicant(case: Case, applicant_id: int | None) -> dict:
    """Whose act on a commission an event records: always the case's applicant's, and done by staff
    on their behalf (on_behalf, the history says so) where no applicant acted."""
    return {"applicant_id": case.applicant_id, **({"on_behalf": True} if applicant_id is None else {})}


def may_act_for(actor: User | None, submitted_by: int | None) -> bool:
    """Whether a staff member may act for a case's applicant in the marketplace (commission, record
    the delivery, cancel): the window, or the agent (代办员) who filed the case (an agent acts only
    for their own filings)."""
    if actor is None or not actor.active:
        return False
    return any(actor.has_role(r) for r in WINDOW) or (actor.has_role("agent") and submitted_by == actor.id)


def _busy(session, case_id: int) -> dict[str, str]:
    """The case's kinds being prepared ("open") or whose report has come ("delivered": through an
    agency, or handed in by the applicant as that kind's report): not commissioned, nor offered, again."""
    on_file = {kind_of(code): "delivered" for code in session.scalars(select(Material.kind).where(
        Material.case_id == case_id, Material.kind.like(f"{REPORT}%")))}
    return {**on_file, **dict(session.execute(select(Commission.kind, Commission.state).where(
        Commission.case_id == case_id, Commission.state.in_(("open", "delivered")))).all())}


def _open_already() -> Conflict:
    return Conflict("The case has an open commission for this kind of report already; cancel it first")


def _own_case(session, case_id: int, applicant_id: int | None) -> Case:
    case = locked(session, Case, case_id)
    if case is None or (applicant_id is not None and case.applicant_id != applicant_id):
        raise NotFound("No case %(case)s", case=case_id)
    return case


def _commission(session, case_id: int, commission_id: int, applicant_id: int | None) -> Commission:
    """The case's commission, its case locked first (as every writer of a case does)."""
    case = _own_case(session, case_id, applicant_id)
    row = locked(session, Commission, commission_id)
    if row is None or row.case_id != case.id:
        raise NotFound("No commission %(commission)s", commission=commission_id)
    return row


def _open(session, case_id: int, commission_id: int, applicant_id: int | None, actor: User | None) -> Commission:
    """The open commission, as its applicant, the window or the agent who filed the case may close it."""
    row = _commission(session, case_id, commission_id, applicant_id)
    if applicant_id is None and not may_act_for(actor, row.case.submitted_by):
        raise Forbidden("Only the window, or the agent who filed the case, closes a commission for its applicant")
    if row.state != "open":
        raise Conflict("This commission is closed already")
    return row


def deliver(case_id: int, commission_id: int, report: "Upload", *, applicant_id: int | None = None,
            actor: User | None = None) -> Commission:
    """The report has arrived and is handed in with the delivery: kept among the case's materials
    (kind report:<kind>), where the departments reviewing the case read it. The commission is
    delivered, on time or late against its date. The applicant hands it in, or the window or the
    filing agent for them (recorded as done on their behalf). A case awaiting it before acceptance
    (agency_reports.awaited) takes it as supplied (a correction notice that named it is answered once
    all it named has come); a case in a review round's correction does not."""
    with read_session() as session:  # someone who may not hand it in leaves no file behind
        _open(session, case_id, commission_id, applicant_id, actor)
    sha, size = files.store(report.content, report.filename)  # a wrong file is refused before anything changes
    with session_scope() as session:
        row = _open(session, case_id, commission_id, applicant_id, actor)
        material = Material(case_id=row.case_id, applicant_id=row.case.applicant_id, kind=f"{REPORT}{row.kind}",
                            name=row.agency.name, state="provided", filename=report.filename, sha256=sha, size=size)
        session.add(material)
        session.flush()
        row.state, row.delivered_on, row.report_id = "delivered", clock.today(), material.id
        record_case(session, "agency_delivered", row.case, actor=actor, commission_id=row.id, agency=row.agency.name,
                    kind=row.kind, on_time=row.delivered_on <= row.due_on, material_id=material.id,
                    filename=report.filename, **_for_applicant(row.case, applicant_id))
        if awaited(session, row.case, row.kind):  # the case awaits it: a material, as if handed in
            supplied(session, row.case, [material.kind], [report_name(row.kind)], actor, via="agency",
                     **({"by": "applicant"} if actor is None else {}))
        sync_timers(session, row.case)
        return row


def report_file(case_id: int, commission_id: int, applicant_id: int) -> tuple[str, str]:
    """(filename, sha256) of the report a commission of the applicant's own case brought. Staff
    open it as any material of a case they may see (engine.services.progress.material_file)."""
    with read_session() as session:
        row = session.get(Commission, commission_id)
        if row is None or row.case_id != case_id or row.case.applicant_id != applicant_id or row.report is None:
            raise NotFound("No report of commission %(commission)s", commission=commission_id)
        return row.report.filename or f"report-{row.id}", row.report.sha256


def cancel(case_id: int, commission_id: int, reason: str, *, applicant_id: int | None = None,
           actor: User | None = None) -> Commission:
    reason = _reason(reason)
    with session_scope() as session:
        row = _open(session, case_id, commission_id, applicant_id, actor)
        row.state, row.cancel_reason = "cancelled", reason
        record_case(session, "agency_commission_cancelled", row.case, actor=actor, commission_id=row.id,
                    agency=row.agency.name, kind=row.kind, reason=reason, **_for_applicant(row.case, applicant_id))
        sync_timers(session, row.case)
        return row


def rate(case_id: int, commission_id: int, applicant_id: int, score: int, comment: str = "") -> Commission:
    """After delivery the applicant rates the agency once: 1 to 5, 5 the best, with an optional comment."""
    if isinstance(score, bool) or score not in range(1, SCALE + 1):
        raise Invalid("A rating is a whole number from 1 to 5")
    comment = (comment or "").strip()
    if len(comment) > MAX_COMMENT:
        raise Invalid("A comment has at most %(max)s characters", max=MAX_COMMENT)
    with session_scope() as session:
        row = _commission(session, case_id, commission_id, applicant_id)
        if row.state != "delivered":
            raise Conflict("An agency is rated once its report is delivered")
        if row.rating is not None:
            raise Conflict("This commission has been rated already")
        row.rating, row.rating_comment = score, comment or None
        record_case(session, "agency_rated", row.case, commission_id=row.id, agency_id=row.agency_id,
                    agency=row.agency.name, rating=score, applicant_id=applicant_id)
        return row


def of_case(case_id: int) -> list[Commission]:
    """The case's commissions, newest first (who asks has been checked: its applicant, or staff
    who may see the case)."""
    with read_session() as session:
        return list(session.scalars(select(Commission).where(Commission.case_id == case_id)
                                    .order_by(Commission.id.desc())))


def describe(row: Commission) -> dict:
    """A commission as the API gives it (with its case's answer)."""
    return {"id": row.id, "kind": row.kind, "agency_id": row.agency_id, "agency": row.agency.name,
            "chosen_on": row.chosen_on.isoformat(), "due_on": row.due_on.isoformat(), "state": row.state,
            "delivered_on": row.delivered_on.isoformat() if row.delivered_on else None,
            "cancel_reason": row.cancel_reason, "rating": row.rating, "rating_comment": row.rating_comment,
            "report": {"material_id": row.report.id, "filename": row.report.filename} if row.report else None}


def described(session, case_id: int) -> list[dict]:
    return [describe(row) for row in session.scalars(select(Commission).where(Commission.case_id == case_id)
                                                      .order_by(Commission.id.desc()))]


def choices(case_id: int) -> dict:
    """For the case's page: the kinds it needs with neither an open commission nor a report
    (delivered, or handed in), each with the active agencies qualified for it, as the marketplace
    offers them, with the working days each promises for the kind (`days`) and the day its report
    would be due if chosen today (`due_on`; `provisional` where that day is in a year whose holidays
    are estimated)."""
    with read_session() as session:
        case = session.get(Case, case_id)
        if case is None or case.status in CLOSED:
            return {}
        busy = _busy(session, case_id)
        kinds = [k for k in needs_of(session, case)[0] if k not in busy]
    agencies, calendar, today = market(), calendars.current(), clock.today()

    def offer(agency: dict, kind: str) -> dict:
        due = calendar.add_workdays(today, agency["services"][kind])
        return {**agency, "days": agency["services"][kind], "due_on": due.date, "provisional": due.provisional}
    return {k: [offer(a, k) for a in agencies if k in a["services"]] for k in kinds}


def acts_for(case_id: int, actor: User) -> bool:
    """Whether the staff member may act for this case's applicant (may_act_for)."""
    with read_session() as session:
        submitted_by = session.scalar(select(Case.submitted_by).where(Case.id == case_id))
    return may_act_for(actor, submitted_by)


def sync_timers(session, case: Case) -> None:
    """One pending `agency_due` timer per date on which an open commission of the case falls due
    (at the end of that day), and no other: a closed commission's timer goes when it does."""
    timers.one_per_date(session, TIMER, {clock.end_of(due) for due in session.scalars(
        select(Commission.due_on).where(Commission.case_id == case.id, Commission.state == "open"))},
        case_id=case.id, instance_id=case.instance_id)


def fire_timer(session, timer: Timer, now: datetime) -> None:
    """The tick: a promised date has ended. Each open commission of the case past its date, not
    told of before, is recorded overdue (the applicant reads it among the case's steps; an agent
    who filed the case is told too) and the supervisors are told. Once per commission."""
    case = locked(session, Case, timer.case_id)
    if case is None:  # an ended case's commissions ended with it: none is open below
        return
    told = {e.data.get("commission_id") for e in session.scalars(
        select(Event).where(Event.case_id == case.id, Event.type == "agency_overdue"))}
    for row in session.scalars(select(Commission).where(Commission.case_id == case.id, Commission.state == "open")
                               .order_by(Commission.due_on, Commission.id)).all():
        if row.id in told or clock.end_of(row.due_on) > now:
            continue
        record_case(session, "agency_overdue", case, commission_id=row.id, agency_id=row.agency_id,
                    agency=row.agency.name, kind=row.kind, due_on=row.due_on.isoformat())
        message = Message("the agency %(agency)s promised its report by %(due)s and has not delivered it "
                          "(中介服务逾期)", agency=row.agency.name, due=row.due_on.isoformat())
        tell(session, supervisors(session), None, None, message, number=case.number, about=TIMER)
        case_news.tell_agent(session, case, message, None)


def case_ended(session, case: Case) -> None:
    """The case has ended (withdrawn, terminated, refused, delivered): no report is of use to it any
    more, as none may be commissioned for it now. Its open commissions end (案件已结束), each
    recorded on the case, which the applicant reads among its steps; their timers go."""
    for row in session.scalars(select(Commission).where(Commission.case_id == case.id, Commission.state == "open")
                               .order_by(Commission.id)):
        row.state = "ended"
        record_case(session, "agency_commission_ended", case, commission_id=row.id, agency=row.agency.name,
                    kind=row.kind, status=case.status)
    sync_timers(session, case)
