"""The notices of a whole 一件事 application (engine/thing_applications.py): one 受理通知书 that lists
every item accepted with its case number, department and promised dates, one 不予受理通知书 that
lists every item refused with the reason. Each case keeps its own notice too, its department's
act on it (the case's record, its archive package, the provincial platform's records); the
applicant is handed these.

They are sealed like every notice (engine/notice_seals.py), in the name of the department whose
window hosts the thing, and kept with the application's first case (a notice belongs to a case),
naming the application (application_id), where the pages show them.
"""
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine import config, notice_seals
from engine.case_status import OPEN
from engine.services.events import record_case
from engine.services.users import department_names
from engine.store.models import Case, Notice, ThingApplication, User

KINDS = ("thing_acceptance", "thing_refusal")
NUMBERED = {"thing_acceptance": "ACC", "thing_refusal": "REF"}


def cases_of(session: Session, application_id: int) -> list[Case]:
    """The application's cases, in the order its items were filed."""
    return list(session.scalars(select(Case).where(Case.application_id == application_id).order_by(Case.id)))


def acceptance(session: Session, application: ThingApplication, actor: User | None) -> Notice:
    """受理通知书 of the whole: each accepted case as its own acceptance notice dated and promised it."""
    rows = []
    for case in cases_of(session, application.id):
        own = session.scalar(select(Notice).where(Notice.case_id == case.id, Notice.kind == "acceptance")
                             .order_by(Notice.id.desc()).limit(1))
        if own is not None:
            said = own.data
            rows.append({**_row(session, case), "accepted_on": said.get("accepted_on"),
                         "promised_due": said.get("promised_due"), "statutory_due": said.get("statutory_due"),
                         **{key: said.get(key) for key in ("promised_due_at", "statutory_due_at", "promised_unit",
                                                          "statutory_unit")},
                         "provisional": said.get("provisional", False),
                         "statutory_provisional": said.get("statutory_provisional", False),
                         "immediate": said.get("immediate", False), "deferred": said.get("deferred") or {},
                         "pledged": said.get("pledged") or []})
    return _issue(session, application, "thing_acceptance", actor, items=rows,
                  deemed=any(case.deemed_accepted for case in cases_of(session, application.id)))


def refusal(session: Session, application: ThingApplication, refused: list[Case], reason: str,
            actor: User | None) -> Notice:
    """不予受理通知书 of the whole: the items refused together, the reason and the remedies."""
    return _issue(session, application, "thing_refusal", actor, reason=reason,
                  items=[_row(session, case) for case in refused], **config.remedies())


def all_accepted(session: Session, application_id: int) -> bool:
    """Whether no case of the application awaits acceptance any more and one at least was accepted
    (the others refused with it, never), with no acceptance notice of the whole issued yet."""
    cases = cases_of(session, application_id)
    issued = session.scalar(select(Notice.id).where(Notice.application_id == application_id,
                                                    Notice.kind == "thing_acceptance").limit(1))
    return issued is None and not any(c.status in OPEN for c in cases) and any(c.accepted_on for c in cases)


def _row(session: Session, case: Case) -> dict:
    names = department_names(session)
    return {"case_number": case.number, "item": case.item.name, "item_code": case.item_code,
            "department": case.item.department, "department_name": names.get(case.item.department) or case.item.department}


def _issue(session: Session, application: ThingApplication, kind: str, actor: User | None, **data) -> Notice:
    first = cases_of(session, application.id)[0]
    count = session.scalar(select(func.count()).select_from(Notice).where(Notice.application_id == application.id,
                                                                          Notice.kind == kind))
    thing = application.thing
    notice = Notice(case_id=first.id, application_id=application.id, kind=kind,
                    number=f"{application.number}-{NUMBERED[kind]}{count + 1}", issued_by=actor.id if actor else None,
                    data={"case_number": application.number, "application": application.number,
                          "item": thing.name, "item_code": thing.code, "applicant": application.applicant.name,
                          "id_number": application.applicant.id_number, "department": thing.department, **data})
    session.add(notice)
    session.flush()
    notice_seals.seal(session, notice)
    window = actor.department.code if actor is not None and actor.has_role("clerk") and actor.department else None
    record_case(session, "notice_issued", first, actor=actor, notice=notice.number, kind=kind,
                application=application.number, window=window)
    return notice
