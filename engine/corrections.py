"""Correction (补正): the window tells the applicant once everything missing or wrong, and the
applicant supplies it: answering that notice, bringing deferred materials (容缺), or answering a
review round's merged correction notice."""
from sqlalchemy import select

from engine import agency_reports, files
from engine.case_status import SUPPLY_STATES, cancel_timers, in_state, open_case, supplied
from engine.errors import Conflict, Forbidden, Invalid, NotFound
from engine.intake import Upload, checklist, refuse_uploads, validity
from engine.notices import issue_notice
from engine.services.users import require
from engine.store import session_scope
from engine.store.db import locked, read_session
from engine.store.models import Case, Material, Notice, User


def request_correction(case_id: int, missing: list[dict], actor: User, note: str = "") -> Notice:
    """补正通知书: everything missing or wrong, told once, and what the window adds for all of
    them (`note`: where and how to bring them); the clock does not start."""
    require(actor, "clerk")
    if not missing or any(not isinstance(m, dict) or not m.get("code") for m in missing):
        raise Invalid("List every missing or wrong material (code and reason) in the one notice")
    with session_scope() as session:
        case = open_case(session, case_id, "submitted")
        rows = checklist(case, session)
        # An entry made of reports is told by the kinds it lacks, or, all there, by each report.
        missing = agency_reports.by_report(missing, rows)
        codes = {row["code"] for row in agency_reports.spread(rows)}  # each needed kind's report by its own code
        unknown = [m["code"] for m in missing if m["code"] not in codes]
        if unknown:
            raise Invalid("Not on this item's checklist: %(codes)s", codes=", ".join(unknown))
        if case.correction_rounds:
            # Told once (一次性告知): after the answer, a notice may only say that something the
            # first one asked for is still missing or wrong, never ask for something new.
            told = {m["code"] for data in session.scalars(select(Notice.data).where(
                Notice.case_id == case.id, Notice.kind == "correction")) for m in data["missing"]}
            new = sorted({m["code"] for m in missing} - told)
            if new:
                raise Conflict("The correction notice has told the applicant once what was missing; "
                               "%(codes)s was not in it", codes=", ".join(new))
        case.status = "correction"
        case.correction_rounds += 1
        cancel_timers(session, case, "deemed")
        return issue_notice(session, case, "correction", actor, missing=missing,
                            note=(note or "").strip()[:2000] or None)


def _check_supply(session, case: Case | None, case_id: int, uploads: list[Upload], applicant_id: int | None) -> dict:
    """The case's checklist entries by code, if these uploads may be supplied to it by this applicant
    (an entry made of reports by the codes of the kinds the case needs)."""
    if case is None or (applicant_id is not None and case.applicant_id != applicant_id):
        raise NotFound("No case %(case)s", case=case_id)
    in_state(case, SUPPLY_STATES)
    needed = agency_reports.needs_of(session, case)[0]
    refuse_uploads(case.item.data, needed, uploads)
    return agency_reports.parts(case.item.data, needed)


def supply(case_id: int, uploads: list[Upload], actor: User | None, applicant_id: int | None = None) -> Case:
    """The applicant answers the correction notice, brings deferred materials, or answers a review
    round's merged correction notice (review_correction). The last keeps its status: the window
    confirms receipt by completing the procedure's correction task, which sends the case back to
    the departments that asked.

    Refused before any file is stored: someone else's case, a closed case, a kind not on the checklist.
    Staff (actor) hand in what the applicant brought to the window: a clerk, or the agent who
    filed the case.
    """
    if actor is not None:
        require(actor, "clerk", "agent")
    with read_session() as session:
        case = session.get(Case, case_id)
        if actor is not None and not actor.has_role("clerk") and case is not None and case.submitted_by != actor.id:
            raise Forbidden("An agent hands in materials only for the cases they filed")
        _check_supply(session, case, case_id, uploads, applicant_id)
    stored = [(u, *files.store(u.content, u.filename)) for u in uploads]
    with session_scope() as session:
        case = locked(session, Case, case_id)
        entries = _check_supply(session, case, case_id, uploads, applicant_id)  # again, under the row lock
        for upload, sha, size in stored:
            valid_until = validity(entries[upload.kind])
            old = session.scalar(select(Material).where(Material.case_id == case.id, Material.kind == upload.kind))
            if old is not None and old.state == "deferred":
                old.state, old.filename, old.sha256, old.size = "provided", upload.filename, sha, size
                old.valid_until = valid_until
            else:
                session.add(Material(case_id=case.id, applicant_id=case.applicant_id, kind=upload.kind,
                                     name=entries[upload.kind]["name"], state="provided", filename=upload.filename,
                                     sha256=sha, size=size, valid_until=valid_until))
        session.flush()
        by = {"by": "applicant"} if actor is None else {}  # online, in the applicant's own name
        supplied(session, case, [u.kind for u in uploads], [entries[u.kind]["name"] for u in uploads], actor, **by)
        return case
