"""The applicant portal (网上办事): applicant accounts, online applications, progress of one's own cases.

Applicants are not staff: they have no User row and no roles. Every function here takes the
signed-in applicant's id and answers only about that applicant's cases; someone else's case is
reported as not found, so a case number typed by a stranger tells nothing about it.
"""
import re

from sqlalchemy import func, or_, select

from engine import agency_reports, case_news, clock, identity, intake, notices, signin
from engine.case_status import unpaid
from engine.clock import limits, stopping
from engine.errors import Conflict, Invalid, Message, NotFound
from engine.services import special_kinds
from engine.services.events import record
from engine.services.users import department_names
from engine.store import session_scope
from engine.store.db import fetch, read_session
from engine.store.models import (Applicant, Case, Clock, Department, Event, Material, Notice, Rectification,
                                 SpecialProcedure, Task)

ID_TYPES = ("id_card", "passport", "hk_macao_permit", "uscc")  # named on the pages (web/labels.py)
KINDS = intake.APPLICANT_KINDS
PHONE = re.compile(r"1\d{10}")
CASES_PAGE = 50  # 我的办件, a page at a time
# What an applicant's progress page shows of a case's history: the steps that concern them.
# Of the clocks' events: when the case's time stopped, ran again or grew, and its steps' special procedures.
CASE_CLOCK_EVENTS = ("special_procedure_started", "special_procedure_ended", "clock_extended")
STEP_EVENTS = ("case_submitted", "notice_issued", "case_accepted", "materials_supplied", "task_created",
               "task_completed", "case_decided", "case_delivered", "case_terminated", "case_withdrawn", "case_rated",
               "grant_revoked",
               # 中介超市: the applicant's commissions, on the agency's own clock (engine/agencies.py)
               "agency_commissioned", "agency_delivered", "agency_commission_cancelled", "agency_overdue",
               "agency_commission_ended", *CASE_CLOCK_EVENTS)
TASK_EVENTS = ("task_created", "task_completed")
SPECIAL_EVENTS = CASE_CLOCK_EVENTS[:2]
# A step's special procedure that ran while the case clock had already stopped: no stop of its own.
STEP_SPECIAL = {"special_procedure_started": "special_started", "special_procedure_ended": "special_ended"}
# The window's merged correction task, as the applicant reads its steps: corrections taken in, then passed on.
CORRECTION_STEPS = {"task_created": "correction_opened", "task_completed": "correction_confirmed"}


def _check_registration(name: str, kind: str, id_type: str, id_number: str, phone: str, password: str) -> None:
    # One detail per field, "field: sentence": the field name stays as it is in every language.
    problems = []
    if not name:
        problems.append(Message("name: Enter the name of the person or organisation"))
    elif (wrong := identity.name_problem(name)) is not None:
        problems.append(Message("name: %(problem)s", problem=wrong))
    if kind not in KINDS:
        problems.append(Message("kind: must be one of %(kinds)s", kinds=", ".join(KINDS)))
    if id_type not in ID_TYPES:
        problems.append(Message("id_type: must be one of %(types)s", types=", ".join(ID_TYPES)))
    elif kind in KINDS and (kind == "company") != (id_type == "uscc"):
        problems.append(Message("id_type: an organisation registers with its unified social credit code, "
                                "a person with a personal ID"))
    elif not id_number:
        problems.append(Message("id_number: Enter the ID number"))
    elif (wrong := identity.problem(id_type, id_number)) is not None:
        problems.append(Message("id_number: %(problem)s", problem=wrong))
    if not PHONE.fullmatch(phone):
        problems.append(Message("phone: A mobile phone number has 11 digits"))
    if (wrong := signin.password_problem(password)) is not None:
        problems.append(Message("password: %(problem)s", problem=wrong))
    if problems:
        raise Invalid("The registration details are not valid", problems)


def register(*, name: str, id_type: str, id_number: str, phone: str, password: str,
             kind: str = "person", case_number: str = "") -> Applicant:
    """Open a portal account, or give one to an applicant the window already knows.

    A record created at the window has no password. It is taken over only by someone who holds
    what the window gave its owner: the phone number it recorded, the name as recorded, and the
    number of one of their cases (printed on every notice) - an ID number and a phone number alone
    are known to too many. A record the window kept without a phone is not taken over online at
    all: its owner opens the account at the window, where their identity is seen. A phone number
    the window recorded for one applicant opens no account for another.
    """
    name, id_number, phone = name.strip(), id_number.strip().upper(), phone.strip()
    _check_registration(name, kind, id_type, id_number, phone, password)
    with read_session() as session:
        known = session.scalar(select(Applicant.id).where(Applicant.id_number == id_number,
                                                          Applicant.password_hash.is_(None)))
    if known is not None:  # its proofs (a case number above all) can be guessed: tries count as sign-ins do,
        # from every address in one count: a record without a password has no owner to lock out
        signin.attempt_unknown("takeover", id_number, "")
    with session_scope() as session:
        if session.scalar(select(Applicant.id).where(Applicant.phone == phone,
                                                     Applicant.password_hash.is_not(None)).limit(1)):
            raise Conflict("This mobile phone number is already registered; please sign in")
        if session.scalar(select(Applicant.id).where(Applicant.phone == phone,
                                                     Applicant.id_number != id_number).limit(1)):
            raise Conflict("This mobile phone number was recorded at the window for another applicant; "
                           "have your identity checked at the window")
        applicant = session.scalar(select(Applicant).where(Applicant.id_number == id_number))
        if applicant is not None and applicant.password_hash:
            raise Conflict("This ID number is already registered; please sign in")
        if applicant is not None and not applicant.phone:
            raise Conflict("This ID number was registered at the window without a mobile phone number; "
                           "have your identity checked at the window to open an online account")
        if applicant is not None and applicant.phone != phone:
            raise Conflict("This ID number was registered at the window with another mobile phone number; "
                           "have your identity checked at the window")
        # One refusal for every mismatch: which of name and number is wrong, or that the number is
        # an agent's filing, would tell a stranger holding someone's ID number about their cases.
        channel = _case_channel(session, applicant, case_number) if applicant is not None else None
        if applicant is not None and (applicant.name != name or channel in (None, "agent")):
            raise Conflict("The window knows this applicant: give the name as recorded there and the case "
                           "number printed on one of the notices. A case an agent point filed for you cannot "
                           "prove your identity online: ask the window for a temporary password (bring your "
                           "identity document; your agent point can help)")
        known_at_window = applicant is not None
        if applicant is None:
            applicant = Applicant(id_number=id_number, name=name, kind=kind, id_type=id_type)
            session.add(applicant)
        applicant.phone = phone
        signin.give_password(applicant, password)
        session.flush()
        record(session, "applicant_registered", applicant_id=applicant.id, kind=kind, id_type=id_type,
               known_at_window=known_at_window)
        return applicant


def _case_channel(session, applicant: Applicant, case_number: str) -> str | None:
    """How the applicant's case of this number came in, if they have one. One an agent filed proves
    nothing of who registers (the agent holds its notices, and typed the applicant's name and
    phone)."""
    number = (case_number or "").strip()
    return session.scalar(select(Case.channel).where(Case.applicant_id == applicant.id, Case.number == number)
                          .limit(1)) if number else None


def authenticate(identifier: str, password: str, address: str | None = None) -> Applicant | None:
    """Sign in with the phone number or the ID number; raises TooManyAttempts while locked,
    everywhere or at `address` (the network address the attempt comes from)."""
    identifier = (identifier or "").strip()
    if not identifier or not password:
        return None
    with read_session() as session:
        candidates = session.scalars(select(Applicant).where(
            or_(Applicant.phone == identifier, Applicant.id_number == identifier.upper()),
            Applicant.password_hash.is_not(None))).all()
    for applicant in candidates:
        if signin.attempt(applicant, password, address):
            signin.check_not_expired(applicant)
            return applicant
    if not candidates:
        signin.attempt_unknown("applicant", identifier.upper(), password, address)  # as the ID number is found
    return None


def sign_out(applicant_id: int) -> None:
    """End every session of the applicant (this browser's and any copy of its cookie)."""
    signin.end_sessions(Applicant, applicant_id)


def get_applicant(applicant_id: int) -> Applicant:
    with read_session() as session:
        return fetch(session, Applicant, applicant_id, "applicant")


def department_name(code: str) -> str:
    """What applicants read for a department code: its name, or the code if none is recorded."""
    with read_session() as session:
        return session.scalar(select(Department.name).where(Department.code == code)) or code


def apply(applicant_id: int, item_code: str, uploads: list[intake.Upload], form: dict | None = None,
          note: str | None = None) -> Case:
    """在线申请: the case is taken in like any other, on the online channel, with no staff actor."""
    return intake.submit(item_code, intake.on_record(get_applicant(applicant_id)), uploads, None, channel="online",
                         form=form, note=note)


def my_cases(applicant_id: int, page: int = 1) -> list[Case]:
    """A page of the applicant's cases, newest first: a developer files hundreds a year."""
    with read_session() as session:
        return list(session.scalars(select(Case).where(Case.applicant_id == applicant_id).order_by(Case.id.desc())
                                    .offset((max(1, page) - 1) * CASES_PAGE).limit(CASES_PAGE)))


def case_pages(applicant_id: int) -> int:
    """How many pages of my_cases the applicant has (one, when they have none)."""
    with read_session() as session:
        total = session.scalar(select(func.count()).select_from(Case).where(Case.applicant_id == applicant_id))
    return max(1, -(-total // CASES_PAGE))


def own_case(applicant_id: int, number: str) -> Case:
    """The applicant's case with that number; anyone else's is 'not found', like a wrong number."""
    with read_session() as session:
        case = session.scalar(select(Case).where(Case.number == str(number).strip(),
                                                 Case.applicant_id == applicant_id))
        if case is None:
            raise NotFound("You have no case %(case)s", case=number)
        return case


def progress(applicant_id: int, number: str) -> dict:
    """办理进度: the case as intake describes it, plus the steps it went through, oldest first."""
    case = own_case(applicant_id, number)
    info = intake.describe(case.id)
    with read_session() as session:
        # Intake and ratings record the case's events with case_id; the procedure's steps carry
        # its instance_id. Both columns are indexed: no scan over the events' JSON.
        mine = Event.case_id == case.id
        if case.instance_id:
            mine = or_(mine, Event.instance_id == case.instance_id)
        events = session.scalars(select(Event).where(mine, Event.type.in_(STEP_EVENTS))
                                 .order_by(Event.at, Event.id)).all()
        whole = limits.case_clock(session, case.instance_id) if case.instance_id else None
        counted = _counted_clocks(session, case.instance_id, whole)
        events = [e for e in events if e.type not in CASE_CLOCK_EVENTS
                  or (e.data.get("clock_id") in counted and e.data.get("result") != stopping.ENDED_WITH_CASE
                      and (e.type in SPECIAL_EVENTS or e.data.get("clock_id") == whole.id))]
        names = department_names(session)
        info["agent_point"] = case_news.agent_point(session, case)  # 代办: by which point, not which person
        titles = dict(session.execute(select(Task.id, Task.title).where(Task.instance_id == case.instance_id)).all()) \
            if case.instance_id else {}
        steps = _steps(_acceptance_first(events), names, titles)
        info["steps"] = _special_procedures(session, steps, whole) if whole is not None else steps
        info["payment_due"] = _payment_due(session, info)
        info["review_correction"] = _review_correction(info, names)
        # The department's answer to a bad rating (整改情况) is the applicant's to read.
        info["rectification"] = session.execute(
            select(Rectification.state, Rectification.due_on, Rectification.response, Rectification.answered_at)
            .where(Rectification.case_id == case.id)).mappings().first()
    info["rating"], info["rating_text"] = case.rating, case.rating_text
    info["to_supply"] = _to_supply(info)
    # What the acceptance notice said the zone's regional assessments spared, and the departments'
    # conditions the decision came with: one consolidated answer (统一反馈).
    accepted = next((n for n in reversed(info["notices"]) if n["kind"] == "acceptance"), None)
    info["regional"] = (accepted["data"].get("regional") if accepted else None) or []
    info["conditions"] = next((s["data"].get("conditions") for s in info["steps"] if s["type"] == "case_decided"),
                              None) or []
    return info


def _counted_clocks(session, instance_id: int | None, whole) -> set[int]:
    """The clocks whose special procedures the applicant follows: the case's own, and its steps'
    (a step's procedure started while the case clock had already stopped moves no date, but it
    runs all the same)."""
    if whole is None:
        return set()
    return {whole.id, *session.scalars(select(Clock.id).where(Clock.instance_id == instance_id,
                                                              Clock.task_id.is_not(None)))}


def _special_procedures(session, steps: list[dict], whole) -> list[dict]:
    """Each special procedure as the applicant reads it: named, with its start and its end. A
    step's procedure that stopped the case clock, or whose end let it run again, is one line with
    that stop (暂停计时) or run (恢复计时, and how far the dates moved); one that ran while the case
    clock had already stopped reads as a special procedure started or ended."""
    kinds = special_kinds.names(session)
    # The case clock's stops on behalf of a step's procedure (engine/clock/pauses.py pause, for_step).
    for_steps = set(session.scalars(select(SpecialProcedure.id).where(SpecialProcedure.clock_id == whole.id,
                                                                      SpecialProcedure.step_clock_id.is_not(None))))
    shown = []
    for step in steps:
        if step["type"] in SPECIAL_EVENTS:
            data, before = step["data"], shown[-1] if shown else None
            step["procedure"] = kinds.get(data.get("kind"), data.get("kind"))
            if data.get("clock_id") != whole.id:
                step["type"] = STEP_SPECIAL[step["type"]]
            elif (data.get("procedure_id") in for_steps and before is not None
                  and before["type"] == STEP_SPECIAL[step["type"]]):
                # the step's procedure, recorded just before, is what stopped or restarted the case clock
                before["type"] = step["type"]
                before.update(_moved(data))
                continue
            else:
                step.update(_moved(data))
        shown.append(step)
    return shown


def _moved(ended: dict) -> dict:
    """How far a special procedure's end moved the case's promised date, in its unit (an end
    recorded before units moved it by the working days it took)."""
    return {"moved_days": ended.get("moved", ended.get("paused_days")), "moved_unit": ended.get("unit")}


def _payment_due(session, info: dict) -> dict | None:
    """The latest payment notice while the step it came from still waits for the payment."""
    waiting = {n.id for n in unpaid(session, info["id"])}
    return next((n for n in reversed(info["notices"]) if n["id"] in waiting), None)


def _acceptance_first(events: list[Event]) -> list[Event]:
    """The acceptance starts the procedure, so its first tasks are recorded just before the
    acceptance itself: the applicant reads them after it and its notice."""
    accepted = next((i for i, e in enumerate(events) if e.type == "case_accepted"), None)
    if accepted is None:
        return events
    def notice(e):  # the acceptance's own notice, issued with it (before it, until 2026-11-28)
        return e.type == "notice_issued" and e.data.get("kind") == "acceptance"
    before, after = events[:accepted], events[accepted + 1:]
    paper = [e for e in before[-1:] + after[:1] if notice(e)]
    return ([e for e in before if e.type != "task_created" and e not in paper] + [events[accepted], *paper]
            + [e for e in before if e.type == "task_created"] + [e for e in after if e not in paper])


def _correction_tasks(events: list[Event]) -> set[int]:
    """The window's merged correction tasks: each issues the review-stage correction notice as it
    opens, and its event names the task (one recorded before that was told, it is the task created
    last before the notice)."""
    found, last_created = set(), None
    for e in events:
        if e.type == "task_created":
            last_created = e.task_id
        elif e.type == "notice_issued" and e.data.get("kind") == "review_correction" and (e.task_id or last_created):
            found.add(e.task_id or last_created)
    return found


def _steps(events: list[Event], names: dict, titles: dict) -> list[dict]:
    """The events as the applicant reads them. A task is named by its department (its lane, a code,
    recorded when it was created) and its title (a second round reads apart from the first); the
    window's correction task is no review, and says so."""
    groups = {e.task_id: e.data.get("group") for e in events if e.type == "task_created"}
    corrections = _correction_tasks(events)
    steps = []
    for e in events:
        group = groups.get(e.task_id) if e.type in TASK_EVENTS else None
        kind = CORRECTION_STEPS[e.type] if e.type in TASK_EVENTS and e.task_id in corrections else e.type
        steps.append({"type": kind, "at": e.at.astimezone(clock.SHANGHAI), "data": e.data,
                      "where": names.get(group, group), "step": titles.get(e.task_id) if group else None})
    return steps


def _review_correction(info: dict, department_names: dict) -> dict | None:
    """审查阶段补正: what the departments asked for in the latest merged notice, and whether the
    applicant has answered it (the window still has to confirm receipt before review goes on)."""
    if info["status"] != "review_correction":
        return None
    notices = [n for n in info["notices"] if n["kind"] == "review_correction"]
    if not notices:
        return None
    latest = notices[-1]
    requests = [{"department": r.get("department"),
                 "department_name": department_names.get(r.get("department"), r.get("department")),
                 "review": r.get("review") or "", "items": r.get("items") or ""}
                for r in latest["data"].get("requests", [])]
    supplied = _supplied_after(info["steps"], latest["number"])
    return {"notice_id": latest["id"], "notice_number": latest["number"], "issued_at": latest["issued_at"],
            "round": latest["data"].get("round"), "requests": requests, "due_on": latest["data"].get("due_on"),
            "supplied_at": supplied[-1]["at"] if supplied else None,
            "supplied": sorted({kind for s in supplied for kind in s["data"].get("materials", [])})}


def _to_supply(info: dict) -> list[dict]:
    """What the applicant still owes: the required materials an application went without, what the
    latest correction notice asked for and has not come since (case_status.still_missing), deferred
    (容缺) materials, or, for a review round's merged correction, any material of the checklist
    to hand in revised; an entry made of the agency reports, report by report."""
    rows = agency_reports.spread(info["materials"])  # an entry made of reports: report by report
    if info["status"] == "review_correction":
        return [{"code": row["code"], "name": row["name"], "reason": "", "due_on": row["due_on"],  # 容缺's date
                 "filename": row["filename"]} for row in rows]
    if info["status"] == "correction":
        return [{**m, "due_on": None} for m in info["still_missing"]]
    if info["status"] == "submitted" and any(n["kind"] == "correction" for n in info["notices"]):
        return []  # all the correction notice asked for came: the window looks at it
    if info["status"] == "submitted":  # sent without them: they may still come before the window looks
        return [{"code": row["code"], "name": row["name"], "reason": "", "due_on": None}
                for row in rows if row["mandatory"] and row["state"] == "missing"]
    if info["status"] == "conditional":
        return [{"code": row["code"], "name": row["name"], "reason": "", "due_on": row["due_on"]}
                for row in rows if row["state"] == "deferred"]
    return []


def _supplied_after(steps: list[dict], notice_number: str) -> list[dict]:
    """The applicant's answers to a notice: the materials_supplied steps after it (steps come
    oldest first)."""
    issued = max((i for i, s in enumerate(steps)
                  if s["type"] == "notice_issued" and s["data"].get("notice") == notice_number), default=-1)
    return [s for s in steps[issued + 1:] if s["type"] == "materials_supplied"]


def result_file(applicant_id: int, number: str, material_id: int) -> tuple[str, str]:
    """(filename, sha256) of a result document of the applicant's own decided case: before the
    decision, what the departments attach is their working paper."""
    case = own_case(applicant_id, number)
    with read_session() as session:
        row = None if case.decision is None else session.scalar(select(Material).where(
            Material.id == material_id, Material.case_id == case.id, Material.kind.like("result:%")))
        if row is None or not row.sha256:
            raise NotFound("No result document %(document)s on case %(case)s", document=material_id, case=number)
        return row.filename or f"result-{material_id}", row.sha256


def notice(applicant_id: int, number: str, notice_id: int) -> dict:
    """One written notice of the applicant's own case, in the shape the printable notices take."""
    case = own_case(applicant_id, number)
    with read_session() as session:
        row = session.scalar(select(Notice).where(Notice.id == notice_id, Notice.case_id == case.id))
        if row is None:
            raise NotFound("No notice %(notice)s on case %(case)s", notice=notice_id, case=number)
        return notices.printable_notice(session, row, case, rating_code=True)
