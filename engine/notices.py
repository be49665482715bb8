"""Written notices to the applicant (受理通知书, 补正通知书, ...): numbered per case, their facts
frozen and sealed when issued (engine/notice_seals.py), each one an event of the case."""
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine import catalogue, config, notice_seals, parties, rating_codes
from engine.case_news import notice_issued
from engine.case_status import material_name
from engine.services import calendars
from engine.services.events import record_case
from engine.services.users import department_names
from engine.store.models import Case, Notice, User


def case_of(session: Session, instance_id: int) -> Case | None:
    """The case behind a procedure, if it has one (a designer's trial run has none)."""
    return session.scalar(select(Case).where(Case.instance_id == instance_id))


# The notices that tell the applicant their remedies (复议, 诉讼): a refusal, a decision not to
# grant, an end of the case, a grant revoked (engine/revocation.py).
REMEDIED = ("refusal", "rejection", "non_approval", "termination", "revocation")
# The notices that close a case: each carries the one-time code to rate it by (评价码), for an
# applicant without an online account.
CLOSING = ("receipt", "refusal", "termination")


def issue_notice(session: Session, case: Case, kind: str, actor: User | None, *, task_id: int | None = None,
                 **data) -> Notice:
    """The notice, and its event; `task_id` names the step that issued it, if one did. The agent
    who filed the case, and for a termination its window, are told (engine/case_news.py)."""
    if kind in REMEDIED:
        data = {**config.remedies(), **data}
    if kind in CLOSING:
        data = {**data, **rating_codes.issue(session, case, actor)}
    # Numbered among the case's own: a notice of its whole 一件事 application is numbered by that.
    count = session.scalar(select(func.count()).select_from(Notice).where(Notice.case_id == case.id,
                                                                          Notice.application_id.is_(None)))
    notice = Notice(case_id=case.id, kind=kind, number=f"{case.number}-{kind[:3].upper()}{count + 1}",
                    issued_by=actor.id if actor else None,
                    data={"case_number": case.number, "item": case.item.name, "item_code": case.item_code,
                          "applicant": case.applicant.name, "id_number": case.applicant.id_number,
                          "department": case.item.department, **_parties(case), **data})
    session.add(notice)
    session.flush()
    notice_seals.seal(session, notice)
    # A refusal the item names in its own words (不予登记决定书) is recorded under that name too.
    titles = catalogue.worded(case.item.data, "refusal_notice", "title") if kind in ("rejection", "non_approval") \
        else {}
    # The window that issued it, as it was then (the clerk may move later): its 办件信息汇聚 step's 处理单位.
    window = actor.department.code if actor is not None and actor.has_role("clerk") and actor.department else None
    record_case(session, "notice_issued", case, actor=actor, task_id=task_id, notice=notice.number, kind=kind,
                window=window, **titles)
    notice_issued(session, case, notice, actor)
    return notice


def _parties(case: Case) -> dict:
    """A joint application's notice is addressed to every party (共同申请: the buyer and the seller),
    named as they were when it was issued."""
    others = parties.named(case.item.data, case.form)
    if not others:
        return {}
    return {"applicant_role": parties.applicant_role(case.item.data), "parties": others}


def notify_applicant(session: Session, instance_id: int, kind: str, actor: User | None, **data) -> None:
    """A written notice to the applicant of the case behind the procedure, if it has one."""
    case = case_of(session, instance_id)
    if case is not None:
        issue_notice(session, case, kind, actor, **data)


def voided(session: Session, notice: Notice) -> bool:
    """Whether the case's termination notice made this payment notice void (its step still
    waited for the payment when the case ended)."""
    if notice.kind != "payment":
        return False
    endings = session.scalars(select(Notice.data).where(Notice.case_id == notice.case_id,
                                                        Notice.kind == "termination")).all()
    return any(notice.number in (data.get("voided") or ()) for data in endings)


def printable_notice(session: Session, notice: Notice, case: Case, *, rating_code: bool = False,
                     names: dict | None = None) -> dict:
    """A notice as the printed templates take it: its frozen facts, the departments' names
    (the implementing one, as its seal named it, and those a review round's merged correction
    lists; `names` where the caller has them), its seal (None on a notice issued before notices
    were sealed). Its rating code only with `rating_code`: for its applicant and the window, never
    a department the rating may be about (it could rate itself)."""
    code = notice.data.get("department")
    names = department_names(session) if names is None else names
    seal = {"code": notice.seal_code, **notice.seal["facts"]} if notice.seal_code else None
    return {"id": notice.id, "kind": notice.kind, "number": notice.number, "case_id": case.id,
            "void": voided(session, notice),
            "issued_at": notice.issued_at, "seal": seal,
            "data": notice.data if rating_code else rating_codes.without_code(notice.data),
            "department_name": seal["issuer_name"] if seal else names.get(code) or code,
            "department_names": names,
            # The Administrative Licensing Law is cited on a licence's notices only: a registration
            # (行政确认) or a public service is not a licence.
            "licence": case.item.kind == "licence",
            "decision_words": catalogue.decision_words(case.item.data),
            # A correction may name a kind's report, which the checklist lists under its entry.
            "material_names": {**{m["code"]: material_name(m["code"]) for m in notice.data.get("missing") or ()
                                  if isinstance(m, dict) and m.get("code")},
                               **{m["code"]: m["name"] for m in case.item.data.get("materials", [])}},
            "expected_end_now": _expected_end_now(notice)}


def _expected_end_now(notice: Notice) -> str | None:
    """A special procedure's expected end as its pages count it now (engine.clock.procedures:
    its expected working days from the day it started, the day the notice counted from), which a
    calendar change may have moved from the date the notice printed."""
    if notice.kind != "special":
        return None
    start = date.fromisoformat(notice.data["counted_from"])
    return calendars.current().add_workdays(start, notice.data["expected_days"]).date.isoformat()
