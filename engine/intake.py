"""One-window intake (一窗受理): submit, check materials, accept or refuse.

A clerk, an agent or the applicant online submits a case for a service item. The clerk then
accepts it (the procedure and the clock start, 受理通知书), accepts it on condition that
deferrable materials follow by a date (容缺), takes a signed pledge in place of a certificate
(告知承诺), sends the one-time correction notice (补正通知书; no clock yet), or refuses it
(不予受理通知书). If neither acceptance nor a correction notice comes within 5 working days of
submission, the case counts as accepted from the day it arrived (Art. 32).

Correcting and supplying materials is engine/corrections.py; deciding and delivering,
engine/decisions.py; the notices themselves, engine/notices.py.
"""
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from engine import (agencies, agency_reports, catalogue, clock, credit, files, forms, identity, licences, parties,
                    rating_codes, regional, termination, thing_notices)
from engine.case_facts import start_data
from engine.case_status import (OPEN, SUPPLY_STATES, cancel_timers, in_state, open_case, still_missing,
                               watch_arrival)
from engine.clock import limits, units
from engine.decisions import DECISIONS, decide, delivery_due, results
from engine.errors import Conflict, Invalid, Message, NotFound, listed
from engine.notices import issue_notice
from engine.services import calendars, cases
from engine.services.events import record_case
from engine.services.task_views import CASE_TASKS, summary
from engine.services.users import require
from engine.store import session_scope
from engine.store.db import fetch, locked, read_session
from engine.store.models import (Applicant, Case, Clock, Instance, Material, Notice, ServiceItem, ThingApplication,
                                 Timer, User)


@dataclass
class Upload:
    kind: str
    filename: str
    content: bytes

    def __post_init__(self):
        self.filename = files.clean_name(self.filename)


APPLICANT_KINDS = ("person", "company")
MAX_NOTE = 2000  # 申请说明, the applicant's own words beside the form


def applicant_problem(info: dict) -> Message | None:
    """What is wrong with the applicant's details on their face (before any record is looked up)."""
    name, phone = str(info.get("name") or "").strip(), "".join(str(info.get("phone") or "").split())
    if not name or not str(info.get("id_number") or "").strip():
        return Message("The applicant's name and ID number (证件号码) are required")
    return identity.name_problem(name) or (identity.phone_problem(phone) if phone else None)


def on_record(applicant: Applicant) -> dict:
    """An applicant's details as submit takes them, from their record: an online application's,
    a renewal's (its licence's holder)."""
    return {"name": applicant.name, "id_number": applicant.id_number, "id_type": applicant.id_type,
            "kind": applicant.kind, "phone": applicant.phone}


def find_or_create_applicant(session: Session, info: dict, by_agent: bool = False) -> tuple[Applicant, str | None]:
    """The applicant the ID number names, or a new record; and the name it was on record under
    if it has changed its name (更名), which the window says with the document that shows it
    (info["renamed_because"]): the record is then renamed here, and the caller records
    applicant_renamed with the case it files.

    A record the window kept without a phone gets the one given now: with it, its owner can open
    the online account (portal.register takes over a window record only with its phone).
    An agent (by_agent) changes nothing on a record and is not told the name it is under.
    """
    wrong = applicant_problem(info)
    if wrong:
        raise Invalid(wrong)
    id_number = str(info.get("id_number") or "").strip().upper()  # as portal.register stores it
    name = str(info.get("name") or "").strip()
    phone = "".join(str(info.get("phone") or "").split())
    applicant = session.scalar(select(Applicant).where(Applicant.id_number == id_number))
    renamed_from = None
    if applicant is not None and applicant.name != name:  # one ID number, one person or company
        if by_agent:
            raise Invalid("ID number %(number)s is on record under another name: check the name with the "
                          "applicant (a change of name is recorded at the window)", number=id_number)
        if not str(info.get("renamed_because") or "").strip():
            raise Invalid("ID number %(number)s is on record for %(recorded)s, not %(given)s: check the number "
                          "and the name; if the applicant has changed its name, say what shows it",
                          number=id_number, recorded=applicant.name, given=name)
        renamed_from, applicant.name = applicant.name, name
    if applicant is not None and not applicant.phone and not applicant.password_hash and phone and not by_agent:
        applicant.phone = phone
    if applicant is None:
        kind = info.get("kind") or "person"
        if kind not in APPLICANT_KINDS:  # what is stored decides which items the applicant may apply for
            raise Invalid("kind: must be one of %(kinds)s", kinds=", ".join(APPLICANT_KINDS))
        id_type = info.get("id_type") or "id_card"
        if kind == "company" and id_type == "id_card":  # the form's first choice, never a company's
            id_type = "uscc"
        wrong = identity.problem(id_type, id_number)
        if wrong:
            raise Invalid(wrong)
        applicant = Applicant(id_number=id_number, name=name, kind=kind, id_type=id_type, phone=phone or None)
        session.add(applicant)
        session.flush()
    return applicant, renamed_from


def submit(item_code: str, applicant: dict, uploads: list[Upload], actor: User | None, *,
           channel: str = "window", form: dict | None = None, note: str | None = None,
           renews: int | None = None) -> Case:
    """Take in a case. Files are stored; materials the applicant gave before are reused.
    `note` is what the applicant adds in their own words (申请说明), beside the form. An agent
    (代办员) files only as one: the case is theirs to follow, the window's to accept. `renews`:
    the case whose licence this one renews (延续, engine/renewals.apply)."""
    channel = filing_channel(actor, channel)
    check_note(note)
    item = catalogue.get(item_code)
    filing = check_filing(item, applicant, form, uploads, channel)
    stored = store(uploads)
    with session_scope() as session:
        person, renamed_from = find_or_create_applicant(session, applicant, by_agent=by_agent(actor, channel))
        catalogue.check_serves(item, person.kind)
        return file_case(session, filing, person, stored, {}, channel=channel, actor=actor, note=note,
                         renamed=renaming(applicant, renamed_from), renews=renews)


def filing_channel(actor: User | None, channel: str) -> str:
    """How a filing comes in: an agent's is always the agent's, whatever they say."""
    if actor is not None:
        require(actor, "clerk", "agent")
        if not actor.has_role("clerk"):
            channel = "agent"
    if channel not in ("window", "online", "agent"):
        raise Invalid("channel must be window, online or agent")
    return channel


def by_agent(actor: User | None, channel: str) -> bool:
    """An agent files: they may neither rename a record nor give it a phone (find_or_create_applicant)."""
    return channel == "agent" and actor is not None and not actor.has_role("clerk")


def check_note(note: str | None) -> None:
    if len((note or "").strip()) > MAX_NOTE:  # said, not cut off unseen
        raise Invalid("The application's note has at most %(max)s characters", max=MAX_NOTE)


@dataclass(frozen=True)
class Filing:
    """A case about to be filed, its application checked (check_filing): the item, the form as
    the item takes it, the checklist entries it takes files for by code, and what the rules
    decided of the agency reports it needs."""
    item: ServiceItem
    form: dict
    known: dict
    reports: dict


def check_filing(item: ServiceItem, applicant: dict, form: dict | None, uploads: list[Upload], channel: str) -> Filing:
    """Refused, with every problem of the form and of the applicant at once, unless the
    application can be filed: its form complete, its other parties other persons, each file handed
    in under a code the case takes, an agent's written authority with it."""
    wrong = applicant_problem(applicant)
    if item.data.get("form"):  # what the rules will read must be there and well typed
        try:
            forms.check(item.data["form"], form or {}, Message("The application form is not complete"))
        except Invalid as exc:  # said with what is wrong with the applicant: both mended at once
            raise Invalid(exc.message, [*exc.details, *([wrong] if wrong else [])]) from None
    # The other parties (a transfer's seller): another person than the applicant, a number of its form.
    others = parties.problems(item.data, form, applicant.get("id_number")) if form else []
    if others:
        raise Invalid(others[0]["message"], [*others, *([wrong] if wrong else [])])
    if wrong:
        raise Invalid(wrong)
    if form and not item.data.get("form"):
        raise Invalid("Item %(item)s has no application form: send no form data", item=item.code)
    # The reports the project needs, as the rules decide on the form: an entry made of them takes
    # them by kind, and the case asks the same kinds until it is accepted (agency_reports.needs_of).
    reports = agency_reports.filed(item.data, form)
    known = agency_reports.parts(item.data, reports["needed"])
    refuse_uploads(item.data, reports["needed"], uploads)
    if channel == "agent":  # 帮办代办: the agent acts with the applicant's written authority
        unauthorised = [m["name"] for m in known.values()
                        if m.get("mandatory_by_agent") and m["code"] not in {u.kind for u in uploads}]
        if unauthorised:
            raise Invalid("An agent files with %(materials)s: upload it", materials="、".join(unauthorised))
    return Filing(item, form or {}, known, reports)


def store(uploads: list[Upload]) -> list[tuple[Upload, str, int]]:
    """Each file kept in the files store: (upload, sha256, size)."""
    return [(u, *files.store(u.content, u.filename)) for u in uploads]


def file_case(session: Session, filing: Filing, person: Applicant, stored: list, shared: dict[str, Material], *,
              channel: str, actor: User | None, note: str | None, application: ThingApplication | None = None,
              renamed: tuple[str, str] | None = None, renews: int | None = None) -> Case:
    """File the case with the files `stored` for it, each a material of its own; but one another
    case of the same application was given (`shared`, by code: 一件事, handed in once) this case
    reuses, as it reuses a still-valid one of the applicant's earlier cases. `renamed`: the name
    the applicant's record was under and what shows the change (find_or_create_applicant); `renews`,
    the case whose licence this one renews (submit)."""
    item = filing.item
    case = Case(number="pending", item_id=item.id, item_code=item.code, applicant_id=person.id, channel=channel,
                submitted_by=actor.id if actor else None, form=filing.form, note=(note or "").strip() or None,
                application_id=application.id if application else None)
    session.add(case)
    session.flush()
    case.number = f"{datetime.now(clock.SHANGHAI):%Y%m%d}{case.id:06d}"
    renewed = licences.link(session, case, renews) if renews is not None else None
    given, taken, made = set(), [], {}
    for upload, sha, size in stored:
        spec, first = filing.known[upload.kind], shared.get(upload.kind)
        if first is not None:
            session.add(Material(case_id=case.id, applicant_id=person.id, kind=upload.kind, name=spec["name"],
                                 state="reused", filename=first.filename, sha256=first.sha256, size=first.size,
                                 reused_from=first.id, valid_until=validity(spec)))
            taken.append(upload.kind)
            continue
        made[upload.kind] = Material(case_id=case.id, applicant_id=person.id, kind=upload.kind, name=spec["name"],
                                     state="provided", filename=upload.filename, sha256=sha, size=size,
                                     valid_until=validity(spec))
        session.add(made[upload.kind])
        given.add(upload.kind)
    session.flush()  # their ids, for the application's next cases to name
    shared.update(made)
    reused = _reuse(session, case, person, [m for code, m in filing.known.items() if code not in {*given, *taken}])
    watch_arrival(session, case)
    if renamed is not None:  # earlier notices keep the name they were issued to
        record_case(session, "applicant_renamed", case, actor=actor, id_number=person.id_number,
                    old=renamed[0], name=person.name, reason=renamed[1])
    # An agent point's filings are counted by the point the agent was in (the monthly report).
    point = {"point": actor.department.code} if channel == "agent" and actor and actor.department else {}
    record_case(session, "case_submitted", case, actor=actor, item=item.code,
                channel=channel, materials=sorted(given), reused=[*taken, *reused], **point,
                **({"application": application.number} if application else {}),
                **({"renews": renewed.number} if renewed else {}),
                **({"reports": filing.reports} if item.data.get("agency_services") else {}))
    session.flush()
    return case


def renaming(applicant: dict, renamed_from: str | None) -> tuple[str, str] | None:
    """What file_case records of a record renamed at this filing (更名)."""
    return (renamed_from, str(applicant["renamed_because"]).strip()[:500]) if renamed_from is not None else None


def refuse_uploads(item_data: dict, needed: list[str], uploads: list[Upload]) -> None:
    """Refused, naming each, unless every file is handed in under a code the case takes."""
    wrong = [p for u in uploads if (p := agency_reports.upload_problem(item_data, needed, u.kind, u.filename))]
    if wrong:  # the first says what is wrong, the details name the others
        raise Invalid(wrong[0], wrong[1:])


def validity(material: dict) -> date | None:
    """Until when a material given today may be reused, by its checklist entry; None for one that
    belongs to its application alone."""
    years = material.get("valid_years")
    if not years:
        return None
    return clock.add_years(clock.today(), int(years))


def _kept(session: Session, applicant_id: int, material: dict, case_id: int | None = None) -> Material | None:
    """The applicant's still-valid copy of a checklist material from another case, if it may be
    reused (see _reuse)."""
    today = clock.today()
    if material.get("issued_by"):
        alive = (Material.issued_by == material["issued_by"]) & (
            Material.valid_until.is_(None) | (Material.valid_until >= today))
    elif material.get("valid_years"):
        alive = Material.valid_until >= today
    else:
        return None
    # Nothing from a grant since revoked (撤销, engine/revocation.py): its document, nor a copy of it.
    revoked = select(Material.id).where(Material.state == "revoked")
    query = select(Material).where(Material.applicant_id == applicant_id, Material.kind == material["code"],
                                   Material.sha256.is_not(None), alive, Material.state != "revoked",
                                   or_(Material.reused_from.is_(None), Material.reused_from.not_in(revoked)))
    if case_id is not None:
        query = query.where(Material.case_id != case_id)
    return session.scalar(query.order_by(Material.id.desc()).limit(1))


def kept_for(applicant_id: int, item_code: str) -> set[str]:
    """The checklist materials of an item this applicant need not bring again (for the form)."""
    with read_session() as session:
        return {m["code"] for m in catalogue.get(item_code).data["materials"]
                if _kept(session, applicant_id, m) is not None}


def _reuse(session: Session, case: Case, person: Applicant, wanted: list[dict]) -> list[str]:
    """一次采集、多次复用: a still-valid material of the same applicant and kind is not asked again.
    Only what the checklist gives a validity (valid_years: an ID, a licence) outlives its case, and
    what a department issued (issued_by: a permit a granted case filed, until it expires); what
    belongs to one application (its form, drawings, reports, contracts) is asked each time."""
    reused = []
    for material in wanted:
        earlier = _kept(session, person.id, material, case.id)
        if earlier is not None:
            session.add(Material(case_id=case.id, applicant_id=person.id, kind=earlier.kind, name=earlier.name,
                                 state="reused", filename=earlier.filename, sha256=earlier.sha256,
                                 size=earlier.size, reused_from=earlier.reused_from or earlier.id,
                                 issued_by=earlier.issued_by, valid_until=earlier.valid_until))
            reused.append(material["code"])
    return reused


def checklist(case: Case, session: Session) -> list[dict]:
    """The item's materials against what the case holds: provided, reused, pledged, deferred, missing,
    or unsupplied (deferred, and the case closed without it). An entry made of the agency reports
    (engine/agency_reports.py) is provided or missing by its reports, or asks for none: covered,
    not_needed.

    A catch-up date (due_on) is given only while the material is still awaited: one supplied keeps
    its date in the table, but nothing is due any more."""
    have = {}
    for m in session.scalars(select(Material).where(Material.case_id == case.id).order_by(Material.id)):
        have[m.kind] = m
    rows, made_of = [], (agency_reports.entry(case.item.data) or {}).get("code")
    for spec in case.item.data["materials"]:
        if spec["code"] == made_of:  # the reports of the kinds the project needs, each a material of its own
            rows.append({"code": spec["code"], "name": spec["name"], "mandatory": spec.get("mandatory", True),
                         "deferrable": False, "pledgeable": False, "material_id": None, "filename": None,
                         "due_on": None, "reused_from": None, **agency_reports.row(session, case, have)})
            continue
        m = have.get(spec["code"])
        state = m.state if m else "missing"
        if state == "deferred" and case.status not in SUPPLY_STATES:  # refused, decided, ended: never came
            state = "unsupplied"
        due_on = m.due_on.isoformat() if state == "deferred" and m.due_on else None
        # 授权委托书: asked of every case an agent files (mandatory_by_agent), optional at a window.
        mandatory = spec.get("mandatory", True) or bool(spec.get("mandatory_by_agent") and case.channel == "agent")
        rows.append({"code": spec["code"], "name": spec["name"], "mandatory": mandatory,
                     "deferrable": spec.get("deferrable", False), "pledgeable": spec.get("pledgeable", False),
                     "state": state, "material_id": m.id if m else None,
                     "filename": m.filename if m else None, "due_on": due_on,
                     "reused_from": m.reused_from if m else None})
    return rows


@dataclass(frozen=True)
class Outcome:
    """What the window decides on the spot for an immediate item (即办): the decision, why (a
    refusal must say), and the result documents it hands over (a query's result, a certificate)."""
    decision: str = "approve"
    statement: str = ""
    results: tuple[Upload, ...] = ()


def accept(case_id: int, actor: User | None, *, deferred: dict[str, date] | None = None,
           pledged: list[str] | None = None, accepted_on: date | None = None, deemed: bool = False,
           outcome: Outcome | None = None) -> Case:
    """受理: start the procedure and the clock; deferrable materials may follow (容缺), a pledge may
    stand for a material (告知承诺), neither for an applicant on an active credit record
    (engine/credit.py). An immediate item without a procedure is decided at once, with the
    window's `outcome`."""
    if actor is not None:
        require(actor, "clerk")
    if outcome is not None and outcome.decision not in DECISIONS:
        raise Invalid("decision must be one of %(decisions)s", decisions=", ".join(DECISIONS))
    if outcome is not None and outcome.decision == "reject" and not outcome.statement.strip():
        raise Invalid("A refusal gives its reasons: the written decision tells them to the applicant")
    if outcome is not None and outcome.results:  # refused before any result document is stored
        with read_session() as session:
            case = fetch(session, Case, case_id, "case")
            _immediate(case, outcome)
            acceptable(session, case, deferred or {}, pledged or [], deemed)
    stored = store(list(outcome.results)) if outcome else []
    with session_scope() as session:
        alone(session.get(Case, case_id))
        case = accept_in(session, case_id, actor, deferred or {}, pledged or [], accepted_on, deemed)
        if _immediate(case, outcome):
            outcome = outcome or Outcome()
            for upload, sha, size in stored:
                session.add(Material(case_id=case.id, applicant_id=case.applicant_id, kind="result:window",
                                     name="办理结果", state="provided", filename=upload.filename, sha256=sha,
                                     size=size, issued_by=case.item.department))
            case.statement = outcome.statement.strip() or None
            decide(session, case, outcome.decision, actor)
        return case


def is_immediate(case: Case) -> bool:
    """An immediate item without a procedure (即办): decided at acceptance."""
    return case.item.case_type == "immediate" and not case.item.process_key


def _immediate(case: Case, outcome: Outcome | None) -> bool:
    """Whether the case is decided at acceptance; an outcome for any other is refused."""
    immediate = is_immediate(case)
    if outcome is not None and not immediate:
        raise Invalid("Only an immediate item (即办) is decided at acceptance; this one is decided by its procedure")
    return immediate


def alone(case: Case | None) -> None:
    """Refused for a case filed with the other items of a thing (一件事): they are accepted together
    (engine/thing_applications.py), or refused together (refuse)."""
    if case is not None and case.application_id is not None:
        raise Conflict("Case %(case)s was applied for with other items as one thing: accept it with them, on "
                       "their application", case=case.number)


def accept_in(session: Session, case_id: int, actor: User | None, deferred: dict[str, date],
              pledged: list[str], accepted_on: date | None, deemed: bool) -> Case:
    """The acceptance, in the caller's transaction."""
    case = open_case(session, case_id)
    rows = acceptable(session, case, deferred, pledged, deemed)
    for code in pledged:
        session.add(Material(case_id=case.id, applicant_id=case.applicant_id, kind=code,
                             name=rows[code]["name"], state="pledged"))
    for code, due in deferred.items():
        session.add(Material(case_id=case.id, applicant_id=case.applicant_id, kind=code,
                             name=rows[code]["name"], state="deferred", due_on=due))
        session.add(Timer(kind="deferred", case_id=case.id, due_at=clock.end_of(due)))
    case.accepted_on = accepted_on or clock.today()
    case.deemed_accepted = deemed
    case.status = "conditional" if deferred else "accepted"
    cancel_timers(session, case, "deemed")
    item = case.item
    spared = []
    if item.process_key:
        instance, _ = cases.start_in(session, item.process_key, actor, business_key=case.number,
                                     data=start_data(case, session), case=case)
        spared = regional.shared(instance.data)
    case_clock = limits.start_clock(session, case.instance_id, label=item.name,
                                    promised_days=item.promised_days, statutory_days=item.statutory_days,
                                    started_on=case.accepted_on, department=item.department,
                                    item_code=item.code, actor=actor,
                                    **catalogue.limit_units(item)) if case.instance_id else None
    shown = {}
    if case_clock is not None:
        limits.promise_to_applicant(session, case_clock)
        shown = limits.describe(case_clock)
    # The window that accepted it, as it was then: the monthly report's 窗口受理量.
    window = actor.department.code if actor is not None and actor.has_role("clerk") and actor.department else None
    record_case(session, "case_accepted", case, actor=actor,  # the fact first, then its paper
                conditional=bool(deferred), deemed=deemed, pledged=pledged, window=window)
    issue_notice(session, case, "acceptance", actor, accepted_on=case.accepted_on.isoformat(), deemed=deemed,
                 corrected=case.correction_rounds > 0,  # deemed after the answer to a correction notice
                 promised_due=shown.get("promised_due"), statutory_due=shown.get("statutory_due"),
                 # a limit in hours is promised to the minute, and the notice says how each is counted
                 promised_due_at=shown.get("promised_due_at"), statutory_due_at=shown.get("statutory_due_at"),
                 promised_unit=shown.get("promised_unit"), statutory_unit=shown.get("statutory_unit"),
                 provisional=bool(shown.get("promised_provisional")),
                 statutory_provisional=bool(shown.get("statutory_provisional")),
                 deferred={k: v.isoformat() for k, v in deferred.items()}, pledged=pledged, regional=spared,
                 immediate=case.item.case_type == "immediate" and not item.process_key)  # decided on the spot
    session.flush()
    return case


def acceptable(session: Session, case: Case, deferred: dict[str, date], pledged: list[str], deemed: bool) -> dict:
    """The case's checklist by material code, if the case may be accepted as asked; else refused."""
    in_state(case, OPEN)
    rows = {r["code"]: r for r in checklist(case, session)}
    record = credit.active_of(session, case.applicant_id) if deferred or pledged else None
    _check_acceptable(case, rows, deferred, pledged, deemed, record)
    return rows


def _check_acceptable(case, rows, deferred, pledged, deemed, record):
    problems = [credit.barred(record)] if record is not None else []

    def name(code):  # the clerk reads the checklist's names; a code not on it is shown as it came
        return rows[code]["name"] if code in rows else code
    for code in deferred:
        if code not in rows or not rows[code]["deferrable"]:
            problems.append(Message("%(material)s: this material cannot be deferred (容缺)", material=name(code)))
    for code in pledged:
        if code not in rows or not rows[code]["pledgeable"]:
            problems.append(Message("%(material)s: this material cannot be replaced by a commitment (告知承诺)",
                                    material=name(code)))
    limit = units.count(calendars.current(), catalogue.limit_units(case.item)["promised_unit"], clock.today(),
                        clock.now(), case.item.promised_days).date
    for code, due in deferred.items():
        if due < clock.today():  # it would end the case at the next tick (容缺材料逾期未补)
            problems.append(Message("%(material)s: the catch-up date %(due)s has already passed",
                                    material=name(code), due=due))
        elif due > limit:
            problems.append(Message("%(material)s: the catch-up date may not pass the promised limit (%(limit)s)",
                                    material=name(code), limit=limit))
    if not deemed:  # deemed acceptance happens whatever is missing: the notice was not sent in time
        for code, row in rows.items():
            if row["mandatory"] and row["state"] == "missing" and code not in deferred and code not in pledged:
                owed = [r["name"] for r in agency_reports.lacking(row)]  # an entry made of reports: which
                problems.append(Message("%(material)s still lacks %(reports)s", material=row["name"],
                                        reports=listed(owed)) if owed else
                                Message("%(material)s is missing", material=row["name"]))
    if problems:
        raise Invalid("The case cannot be accepted as it stands", problems)


def refuse(case_id: int, reason: str, actor: User) -> Notice:
    """不予受理通知书, with the reason and the applicant's remedies. A case filed with the other items
    of a thing is refused with every one of them still awaiting acceptance (refuse_together)."""
    require(actor, "clerk")
    if not reason or not reason.strip():
        raise Invalid("A refusal needs its reason")
    with session_scope() as session:
        case = open_case(session, case_id, *OPEN)
        if case.application_id is not None:
            return refuse_together(session, session.get(ThingApplication, case.application_id), reason, actor)
        return _refuse(session, case, reason.strip(), actor)


def refuse_together(session: Session, application: ThingApplication, reason: str, actor: User) -> Notice:
    """一件事: every case of the application still awaiting acceptance refused, each with its own
    notice (its department's act), and one notice of the whole for the applicant, which it returns.
    A case accepted already (deemed, Art. 32) goes on."""
    waiting = [locked(session, Case, c.id) for c in thing_notices.cases_of(session, application.id) if c.status in OPEN]
    if not waiting:
        raise Conflict("Application %(application)s has no case awaiting acceptance", application=application.number)
    for case in waiting:
        _refuse(session, case, reason.strip(), actor)
    return thing_notices.refusal(session, application, waiting, reason.strip(), actor)


def _refuse(session: Session, case: Case, reason: str, actor: User) -> Notice:
    case.status = "refused"
    cancel_timers(session, case, "deemed")
    cancel_timers(session, case, licences.TIMER)  # a renewal refused is not deemed granted
    agencies.case_ended(session, case)
    return issue_notice(session, case, "refusal", actor, reason=reason)


def fire_timer(session: Session, timer: Timer) -> None:
    """The tick calls this for intake timers, inside its transaction."""
    case = session.get(Case, timer.case_id)
    if timer.kind == "deemed" and case.status == "submitted":
        accept_in(session, case.id, None, {}, [], timer.counted_from, True)  # the day the materials arrived
        if _immediate(case, None):  # deemed accepted (Art. 32), an immediate item is granted as asked
            decide(session, case, "approve", None)
        # 一件事: each case is deemed accepted by itself (the law counts each); the last one to be
        # gives the applicant the notice of the whole
        if case.application_id is not None and thing_notices.all_accepted(session, case.application_id):
            thing_notices.acceptance(session, session.get(ThingApplication, case.application_id), None)
    elif timer.kind == "deferred" and case.status in ("conditional", "review_correction"):
        still = session.scalars(select(Material).where(Material.case_id == case.id, Material.state == "deferred",
                                                       Material.due_on <= timer.due_at.astimezone(clock.SHANGHAI).date())).all()
        if still:
            owed = "、".join(f"{m.name}（期限 {m.due_on.isoformat()}）" for m in still)
            termination.end(session, case, "terminated", None, f"容缺受理的材料逾期未补交：{owed}")


def get_case(number_or_id) -> Case:
    with session_scope() as session:
        query = select(Case).where(Case.number == str(number_or_id)) if not isinstance(number_or_id, int) \
            else select(Case).where(Case.id == number_or_id)
        case = session.scalar(query)
        if case is None:
            raise NotFound("No case %(case)s", case=number_or_id)
        return case


def describe(case_id: int) -> dict:
    with read_session() as session:  # reading takes no write lock
        return describe_case(session, fetch(session, Case, case_id, "case"))


def describe_case(session: Session, case: Case) -> dict:
    # A notice of a whole 一件事 application is the application's, shown with it.
    notices = session.scalars(select(Notice).where(Notice.case_id == case.id, Notice.application_id.is_(None))
                              .order_by(Notice.id)).all()
    application = session.get(ThingApplication, case.application_id) if case.application_id else None
    due = delivery_due(session, case)
    # In the order they started: unordered, PostgreSQL gives an updated (stopped) clock after newer ones.
    clocks = session.scalars(select(Clock).where(Clock.instance_id == case.instance_id).order_by(Clock.id)).all() \
        if case.instance_id else []
    return {"id": case.id, "number": case.number, "item_code": case.item_code, "item_name": case.item.name,
            "item_kind": case.item.kind, "decision_words": catalogue.decision_words(case.item.data),
            "status": case.status, "channel": case.channel, "applicant": case.applicant.name,
            # In correction: what the notice asked for that has not come yet.
            "still_missing": still_missing(session, case) if case.status == "correction" else [],
            "applicant_id": case.applicant_id, "submitted_at": case.submitted_at.isoformat(),
            # 一件事: the application it was filed with (its other items' cases are the window's to see).
            "application": {"id": application.id, "number": application.number, "thing_code": application.thing_code,
                            "thing_name": application.thing.name} if application else None,
            "accepted_on": case.accepted_on.isoformat() if case.accepted_on else None,
            "deemed_accepted": case.deemed_accepted, "instance_id": case.instance_id,
            # An administrator may suspend the procedure: the window says so beside the case's status.
            "procedure_state": session.scalar(select(Instance.state).where(Instance.id == case.instance_id))
            if case.instance_id else None,
            "decision": case.decision, "form": case.form,
            "delivery": {**case.delivery, **({"due_on": due.isoformat()} if due else {})},
            "form_schema": case.item.data.get("form"), "note": case.note, "statement": case.statement,
            "immediate": case.item.case_type == "immediate" and not case.item.process_key,
            "results": results(case, session),
            "materials": checklist(case, session),
            # Without its rating code: a department rated by it could rate itself (the notice's page
            # prints it for the window and the applicant, web/intake and the portal).
            "notices": [{"id": n.id, "kind": n.kind, "number": n.number, "issued_at": n.issued_at.isoformat(),
                         "data": rating_codes.without_code(n.data), "seal_code": n.seal_code} for n in notices],
            "clocks": [limits.describe(c) for c in clocks],
            # 中介超市: the agencies the applicant commissioned, on their own dates (outside the clocks)
            "commissions": agencies.described(session, case.id),
            # The licence a grant gave and its renewal (延续): when it expires, what it renews.
            "licence": licences.described(session, case),
            # The steps under way, as the API shows tasks, for the window to follow up (催办) on their pages.
            "open_steps": [summary(row, row.assignee) for row in session.execute(
                CASE_TASKS, {"instance_id": case.instance_id}) if row.state == "ready"] if case.instance_id else []}
