"""一件事的申请 (国发〔2024〕3号): one form and one set of materials for every item of a thing
(engine/things.py). A case of each item is filed, linked to the application, and from then on
handled as any case is: in its own department, on its own procedure and clock. The window accepts
them together, with one 受理通知书 of the whole (engine/thing_notices.py), or refuses them together
with one 不予受理通知书 (intake.refuse_together). Each result is delivered as its case is decided,
within the working day the office promises (engine/decisions.py, domain 3: 龙里); the application
is done when every one of its cases is.

The window, supervisors, administrators and the agent who filed it see the whole application; a
department sees its own case only, as any case (engine/services/progress.py); an applicant, theirs.
"""
from collections import defaultdict
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from engine import catalogue, clock, credit, forms, intake, notices, thing_notices, things
from engine.case_status import OPEN
from engine.clock import limits
from engine.decisions import decide
from engine.errors import Conflict, Forbidden, Invalid, Message, NotFound
from engine.ratings import CLOSED
from engine.services.events import record
from engine.services.users import department_names, only_as_filer, require
from engine.store import session_scope
from engine.store.db import locked, read_session
from engine.store.models import Case, Notice, ThingApplication, User

# The application's status, from its cases': one still awaits acceptance; the rest were refused;
# every one has ended (delivered, withdrawn, terminated, refused, or its grant revoked); else under way.
SUBMITTED, REFUSED, DONE, IN_PROGRESS = "submitted", "refused", "done", "in_progress"
ENDED = CLOSED
RECENT = 20


def status(statuses: list[str]) -> str:
    if statuses and all(s == "refused" for s in statuses):
        return REFUSED
    if any(s in OPEN for s in statuses):
        return SUBMITTED
    if all(s in ENDED for s in statuses):
        return DONE
    return IN_PROGRESS


def submit(thing_code: str, applicant: dict, uploads: list[intake.Upload], actor: User | None, *,
           channel: str = "window", form: dict | None = None, note: str | None = None) -> ThingApplication:
    """Take in an application of a thing: the one form checked whole, each file stored once and
    given to every item whose checklist has it, a case filed for each item; refused, with nothing
    stored, if any of them could not be filed."""
    channel = intake.filing_channel(actor, channel)
    intake.check_note(note)
    thing = things.get(thing_code)
    shape = things.layout_of(thing)
    form = form or {}
    wrong = intake.applicant_problem(applicant)
    if shape.form:  # every field wrong at once, by its name on the one form
        try:
            forms.check(shape.form, form, Message("The application form is not complete"))
        except Invalid as exc:
            raise Invalid(exc.message, [*exc.details, *([wrong] if wrong else [])]) from None
    elif form:
        raise Invalid("Thing %(thing)s has no application form: send no form data", thing=thing.code)
    listed = {m["code"] for m in shape.materials}
    stray = [Message("%(file)s: %(kind)s is on none of its items' checklists", file=u.filename, kind=repr(u.kind))
             for u in uploads if u.kind not in listed]
    if stray:
        raise Invalid(stray[0], stray[1:])
    filings = [intake.check_filing(item, applicant, things.project(item.data.get("form"), form),
                                   [u for u in uploads if u.kind in _codes(item)], channel) for item in shape.items]
    stored = intake.store(uploads)
    with session_scope() as session:
        person, renamed_from = intake.find_or_create_applicant(session, applicant,
                                                               by_agent=intake.by_agent(actor, channel))
        for item in shape.items:
            catalogue.check_serves(item, person.kind)
        application = ThingApplication(number="pending", thing_id=thing.id, thing_code=thing.code,
                                       applicant_id=person.id, channel=channel,
                                       submitted_by=actor.id if actor else None, form=form,
                                       note=(note or "").strip() or None)
        session.add(application)
        session.flush()
        application.number = f"YJS{datetime.now(clock.SHANGHAI):%Y%m%d}{application.id:06d}"
        shared, renamed = {}, intake.renaming(applicant, renamed_from)
        cases = []
        for filing in filings:
            cases.append(intake.file_case(session, filing, person,
                                          [s for s in stored if s[0].kind in filing.known], shared,
                                          channel=channel, actor=actor, note=note, application=application,
                                          renamed=renamed))
            renamed = None  # recorded once, with the first
        record(session, "thing_applied", actor=actor, case_id=cases[0].id, application=application.number,
               thing=thing.code, cases=[c.number for c in cases])
        return application


def _codes(item) -> set[str]:
    return {m["code"] for m in item.data["materials"]}


def accept(application_id: int, actor: User, *, deferred: dict[str, date] | None = None,
           pledged: list[str] | None = None) -> ThingApplication:
    """受理 of every case still awaiting it, together, or of none: each as intake accepts a case
    (its procedure and clock start, its department's notice), then one 受理通知书 of the whole.
    A material deferred (容缺) or pledged (告知承诺) is so for every case whose checklist has it."""
    require(actor, "clerk")
    deferred, pledged = deferred or {}, pledged or []
    with session_scope() as session:
        application = _locked(session, application_id)
        waiting = [locked(session, Case, c.id) for c in thing_notices.cases_of(session, application.id)
                   if c.status in OPEN]
        if not waiting:
            raise Conflict("Application %(application)s has no case awaiting acceptance",
                           application=application.number)
        asks = {case.id: _asked(session, case, deferred, pledged) for case in waiting}
        known = {code for rows, _, _ in asks.values() for code in rows}
        # 失信 (engine/credit.py): an applicant on an active record pledges for no case of it and has
        # none accepted with 容缺; said once, for the whole, not again by each case.
        record = credit.active_of(session, application.applicant_id) if deferred or pledged else None
        barred = credit.barred(record) if record is not None else None
        problems = [barred] if barred else []
        problems += [Message("%(material)s: this material is on none of the application's checklists", material=code)
                     for code in [*deferred, *pledged] if code not in known]
        for case in waiting:
            try:
                intake.acceptable(session, case, asks[case.id][1], asks[case.id][2], False)
            except Invalid as exc:
                problems += [Message("%(item)s: %(problem)s", item=case.item.name, problem=d) for d in exc.details
                             if d != barred]
        if problems:
            raise Invalid("The application cannot be accepted as it stands", problems)
        for case in waiting:
            _, mine, theirs = asks[case.id]
            intake.accept_in(session, case.id, actor, mine, theirs, None, False)
            if intake.is_immediate(case):  # decided at acceptance, as the window grants one on its own
                decide(session, case, "approve", actor)
        thing_notices.acceptance(session, application, actor)
        return application


def _asked(session: Session, case: Case, deferred: dict, pledged: list) -> tuple[dict, dict, list]:
    """The case's checklist by code, and what of the deferred and pledged it lists."""
    rows = {r["code"]: r for r in intake.checklist(case, session)}
    return rows, {k: v for k, v in deferred.items() if k in rows}, [p for p in pledged if p in rows]


def refuse(application_id: int, reason: str, actor: User) -> Notice:
    """不予受理: every case still awaiting acceptance, with one notice of the whole."""
    require(actor, "clerk")
    if not reason or not reason.strip():
        raise Invalid("A refusal needs its reason")
    with session_scope() as session:
        return intake.refuse_together(session, _locked(session, application_id), reason, actor)


def _locked(session: Session, application_id: int) -> ThingApplication:
    application = locked(session, ThingApplication, application_id)
    if application is None:
        raise NotFound("No application %(application)s", application=application_id)
    return application


def describe(application_id: int, actor: User) -> dict:
    """The application as the window follows it, for those who may see the whole."""
    with read_session() as session:
        application = session.get(ThingApplication, application_id)
        if application is None:
            raise NotFound("No application %(application)s", application=application_id)
        require_visible(actor, application)
        return describe_application(session, application)


def require_visible(actor: User, application: ThingApplication) -> None:
    """The window, supervisors and administrators see every application, an agent those they filed;
    a department sees its own case of one, not the others' (progress._require_visible)."""
    if any(actor.has_role(r) for r in ("admin", "supervisor", "clerk")) or application.submitted_by == actor.id:
        return
    if only_as_filer(actor):
        raise Forbidden("An agent sees only the applications they filed")
    raise Forbidden("An application of several items is the window's to follow: each department sees its own case")


def describe_application(session: Session, application: ThingApplication) -> dict:
    cases = thing_notices.cases_of(session, application.id)
    names = department_names(session)
    notices = session.scalars(select(Notice).where(Notice.application_id == application.id).order_by(Notice.id))
    thing = application.thing
    return {"id": application.id, "number": application.number, "thing_code": thing.code, "thing_name": thing.name,
            "thing_version": thing.version, "department": thing.department,
            "department_name": names.get(thing.department) or thing.department,
            "applicant": application.applicant.name, "applicant_id": application.applicant_id,
            "channel": application.channel, "submitted_at": application.submitted_at.isoformat(),
            "status": status([c.status for c in cases]), "form": application.form,
            "form_schema": things.merged([c.item.data.get("form") for c in cases]), "note": application.note,
            "items": [_item_row(session, case, names) for case in cases],
            "materials": _materials(session, cases),
            "notices": [{"id": n.id, "kind": n.kind, "number": n.number, "issued_at": n.issued_at.isoformat(),
                         "data": n.data, "seal_code": n.seal_code} for n in notices]}


def _item_row(session: Session, case: Case, names: dict) -> dict:
    whole = limits.case_clock(session, case.instance_id) if case.instance_id else None
    shown = limits.describe(whole) if whole is not None else {}
    return {"case_id": case.id, "case_number": case.number, "item_code": case.item_code, "item_name": case.item.name,
            "item_kind": case.item.kind, "department": case.item.department,
            "department_name": names.get(case.item.department) or case.item.department, "status": case.status,
            "accepted_on": case.accepted_on.isoformat() if case.accepted_on else None,
            "promised_due": shown.get("promised_due"), "promised_provisional": bool(shown.get("promised_provisional")),
            "decision": case.decision, "decision_words": catalogue.decision_words(case.item.data),
            "delivered_at": (case.delivery or {}).get("delivered_at")}


def _materials(session: Session, cases: list[Case]) -> list[dict]:
    """Each material once, as the applicant handed it in: its state on the first case that lists
    it, and the items whose checklists do."""
    found: dict[str, dict] = {}
    for case in cases:
        for row in intake.checklist(case, session):
            if row["code"] in found:
                found[row["code"]]["items"].append(case.item_code)
                found[row["code"]]["mandatory"] |= row["mandatory"]
                continue
            found[row["code"]] = {"code": row["code"], "name": row["name"], "mandatory": row["mandatory"],
                                  "deferrable": row["deferrable"], "pledgeable": row["pledgeable"],
                                  "state": row["state"], "material_id": row["material_id"],
                                  "filename": row["filename"], "items": [case.item_code]}
    return list(found.values())


def recent(actor: User, limit: int = RECENT) -> list[dict]:
    """The window's latest applications (an agent's: those they filed), newest first."""
    query = select(ThingApplication).order_by(ThingApplication.id.desc()).limit(limit)
    if only_as_filer(actor):
        query = query.where(ThingApplication.submitted_by == actor.id)
    return _summaries(query)


def of_applicant(applicant_id: int) -> list[dict]:
    """The applicant's applications, newest first."""
    return _summaries(select(ThingApplication).where(ThingApplication.applicant_id == applicant_id)
                      .order_by(ThingApplication.id.desc()))


def _summaries(query) -> list[dict]:
    """The applications `query` finds, each with its overall status: their things, applicants and
    cases read in one query each, however many there are."""
    with read_session() as session:
        applications = session.scalars(query.options(joinedload(ThingApplication.thing),
                                                     joinedload(ThingApplication.applicant))).all()
        statuses = defaultdict(list)
        for application_id, case_status in session.execute(
                select(Case.application_id, Case.status).where(Case.application_id.in_([a.id for a in applications]))):
            statuses[application_id].append(case_status)
        return [{"id": a.id, "number": a.number, "thing_name": a.thing.name, "applicant": a.applicant.name,
                 "submitted_at": a.submitted_at, "status": status(statuses[a.id]), "items": len(statuses[a.id])}
                for a in applications]


def own(applicant_id: int, number: str) -> dict:
    """The applicant's application with that number; anyone else's is not found, like a wrong number."""
    with read_session() as session:
        return describe_application(session, _own(session, applicant_id, number))


def _own(session: Session, applicant_id: int, number: str) -> ThingApplication:
    application = session.scalar(select(ThingApplication).where(
        ThingApplication.number == str(number).strip(), ThingApplication.applicant_id == applicant_id))
    if application is None:
        raise NotFound("You have no application %(application)s", application=number)
    return application


def own_notice(applicant_id: int, number: str, notice_id: int) -> dict:
    """A notice of the applicant's own application, in the shape the printable notices take."""
    with read_session() as session:
        application = _own(session, applicant_id, number)
        row = session.scalar(select(Notice).where(Notice.id == notice_id, Notice.application_id == application.id))
        if row is None:
            raise NotFound("No notice %(notice)s of application %(application)s", notice=notice_id,
                           application=number)
        return notices.printable_notice(session, row, session.get(Case, row.case_id), rating_code=True)
