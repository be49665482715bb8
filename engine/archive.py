"""办件电子归档: an administrator archives the cases that have ended (delivered, refused at intake,
withdrawn, terminated or lapsed, or their grant revoked): builds each one's archive package
(engine/archive_package.py), downloads it, checks it (四性检测, engine/archive_check.py) and records
the batches handed over to the archives (已移交), by whom, when and to whom.

Building a package is an event of the case (case_archived) and changes nothing else of it. An ended
case may still gain events (a rating, its rectification, a supervision order answered late): its
package is then older than the case, and is to be built again.
"""
import math
import shutil
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import case as sql_case, func, literal, or_, select, union_all

from engine import archive_check, archive_package, clock, files, ratings
from engine.errors import Conflict, Invalid, Message, ShenpiError, listed
from engine.services.events import record_case
from engine.services.users import department_names, require
from engine.store import session_scope
from engine.store.db import fetch, read_session, uses_postgres
from engine.store.models import ArchiveHandover, ArchivePackage, Case, Event, Notice, ServiceItem, User

ENDED = ratings.CLOSED  # delivered, refused, terminated (lapsed too), withdrawn, revoked
STATES = ("to_build", "to_hand_over", "handed_over", "all")
PAGE = 50
BATCH = 100  # packages built by one press of the page's button: a large month is the command line's
MAX_RECEIVER = 200


def month_of(text: str) -> tuple[datetime, datetime]:
    """A month written YYYY-MM, as the moments (China time) it starts and the next one starts."""
    try:
        first = date.fromisoformat(f"{text}-01")
        following = date(first.year + first.month // 12, first.month % 12 + 1, 1)  # 9999-12 has none
    except ValueError:
        raise Invalid("Give the month as YYYY-MM, as 2026-11; not %(text)s", text=repr(text[:20])) from None
    return clock.start_of(first), clock.start_of(following)


def _endings(month: tuple[datetime, datetime] | None):
    """(case_id, at, status) of every ending: a delivery, withdrawal, termination or revocation, or a
    refusal notice, with the status it ends a case in (a grant delivered, then revoked, ended at
    its revocation: _cases joins the case's own)."""
    ended_as = sql_case({event: status for status, event in archive_package.ENDINGS.items()}, value=Event.type)
    events = select(Event.case_id.label("case_id"), Event.at.label("at"), ended_as.label("status")).where(
        Event.type.in_(archive_package.ENDINGS.values()))
    refusals = select(Notice.case_id.label("case_id"), Notice.issued_at.label("at"),
                      literal("refused").label("status")).where(Notice.kind == "refusal")
    if month is not None:
        events = events.where(Event.at >= month[0], Event.at < month[1])
        refusals = refusals.where(Notice.issued_at >= month[0], Notice.issued_at < month[1])
    return union_all(events, refusals).subquery("ended")


def _cases(month: str | None, department: str | None, state: str):
    """The ended cases, their ending times, newest packages and whether each package is older than
    its case (Case, at, ArchivePackage, older), in the order they ended."""
    if state not in STATES:
        raise Invalid("state is one of %(states)s", states=", ".join(STATES))
    ended = _endings(month_of(month) if month else None)
    query = _packaged(select(Case, ended.c.at)
                      .join(ended, (ended.c.case_id == Case.id) & (ended.c.status == Case.status))
                      .join(ServiceItem, ServiceItem.id == Case.item_id).where(Case.status.in_(ENDED)))
    if department:
        query = query.where(ServiceItem.department == department)
    built, older = ArchivePackage.id.is_not(None), query.selected_columns.older
    if state == "to_build":
        query = query.where(or_(~built, older))
    elif state == "to_hand_over":
        query = query.where(built, ~older, ArchivePackage.handover_id.is_(None))
    elif state == "handed_over":
        query = query.where(built, ~older, ArchivePackage.handover_id.is_not(None))
    return query.order_by(ended.c.at, Case.id)


def _packaged(query, outer: bool = True):
    """The query's cases with their newest packages (None for none, if `outer`; else only the cases
    with one) and whether each is older than its case: the case has more events than it holds,
    its own archiving aside. Counted, not compared by id: on PostgreSQL an event may commit after
    the package was built with an id below its last one."""
    newest = (select(func.max(ArchivePackage.id)).where(ArchivePackage.case_id == Case.id).correlate(Case)
              .scalar_subquery())
    # A case without a procedure matches no event by instance: NULL equals nothing.
    events = (select(func.count(Event.id)).where(or_(Event.case_id == Case.id, Event.instance_id == Case.instance_id),
                                                 Event.type.not_in(archive_package.OWN_EVENTS))
              .correlate(Case).scalar_subquery())
    return (query.add_columns(ArchivePackage, (events != ArchivePackage.events_held).label("older"))
            .join(ArchivePackage, ArchivePackage.id == newest, isouter=outer))


def ended_cases(actor: User, month: str | None = None, department: str | None = None, state: str = "to_build",
                page: int = 1) -> dict:
    """A page of the ended cases (by default those without a package, or with one older than the
    case), oldest ending first: {cases, total, page, pages}."""
    require(actor, "admin")
    query = _cases(month, department, state)
    with read_session() as session:
        total = session.scalar(select(func.count()).select_from(query.with_only_columns(Case.id).subquery()))
        pages = max(1, math.ceil(total / PAGE))
        page = min(max(1, page), pages)
        rows = session.execute(query.offset((page - 1) * PAGE).limit(PAGE)).all()
        names = department_names(session)
        return {"total": total, "page": page, "pages": pages, "cases": [_row(row, names) for row in rows]}


def _row(row, names: dict) -> dict:
    case, package = row.Case, row.ArchivePackage
    return {"id": case.id, "number": case.number, "item": case.item.name, "department": case.item.department,
            "department_name": names.get(case.item.department), "applicant": case.applicant.name,
            "ended_at": row.at, "result": archive_package.result_of(case),
            "package": _package(package, bool(row.older)) if package else None}


def _package(package: ArchivePackage, older: bool) -> dict:
    handover = package.handover
    return {"id": package.id, "built_at": package.built_at, "built_by": package.builder.name if package.builder else None,
            "files": package.files, "size": package.size, "sha256": package.sha256, "older": older,
            "handed_over_at": handover.handed_over_at if handover else None,
            "handed_over_by": handover.by.name if handover and handover.by else None,
            "receiver": handover.receiver if handover else None}


def to_build(actor: User, month: str, department: str | None = None, limit: int | None = None) -> list[int]:
    """The month's ended cases without a package, or with one older than the case, oldest first."""
    require(actor, "admin")
    with read_session() as session:
        return list(session.scalars(_cases(month, department, "to_build").limit(limit).with_only_columns(Case.id)))


def month_cases(month: str) -> list[dict]:
    """Every case that ended in the month, oldest first, with its newest package if it has one that
    holds all its events ({id, number, package: {id, sha256} or None}): the command line's."""
    with read_session() as session:
        return [{"id": r.Case.id, "number": r.Case.number,
                 "package": {"id": r.ArchivePackage.id, "sha256": r.ArchivePackage.sha256}
                 if r.ArchivePackage is not None and not r.older else None}
                for r in session.execute(_cases(month, None, "all"))]


def build(case_id: int, actor: User | None, render) -> dict:
    """Build the ended case's package and keep it (the file store); recorded as case_archived. The
    case is read, not held: events recorded meanwhile are past the package's last one, which then
    says it is older than the case. `render` prints its notices and history (archive_package)."""
    if actor is not None:
        require(actor, "admin")
    made = {}
    with read_session() as session:
        case = fetch(session, Case, case_id, "case")
        _ended(case)
        sha, size = files.keep(lambda out: made.update(archive_package.build(session, case, render, actor, out)))
    with session_scope() as session:
        case = fetch(session, Case, case_id, "case")
        package = ArchivePackage(case_id=case.id, built_by=actor.id if actor else None, sha256=sha, size=size,
                                 files=made["files"], last_event_id=made["last_event_id"],
                                 events_held=made["events_held"])
        session.add(package)
        session.flush()
        record_case(session, "case_archived", case, actor=actor, package=package.id, files=package.files,
                    sha256=sha, size=size)
        return {"id": package.id, "case": case.number, "files": package.files, "sha256": sha, "size": size}


def _ended(case: Case) -> None:
    if case.status not in ENDED:
        raise Conflict("Case %(case)s has not ended: only an ended case is archived", case=case.number)


def build_all(case_ids: list[int], actor: User | None, render, each=None) -> dict:
    """Build each case's package on its own: one that fails (a file missing from storage) is named
    with why, and the others go on. `each(index, case_id, outcome, error)` hears of every one as it
    is done (outcome None if it failed). Returns {built: [...], failed: [{case, error}]}."""
    if actor is not None:
        require(actor, "admin")
    built, failed = [], []
    for index, case_id in enumerate(case_ids, 1):
        outcome = error = None
        try:
            outcome = build(case_id, actor, render)
            built.append(outcome)
        except ShenpiError as exc:
            error = exc.message
        except OSError as exc:  # the file store's disk
            error = Message("the file store: %(error)s", error=exc.strerror or str(exc))
        if error is not None:
            failed.append({"case": case_id, "error": error})
        if each is not None:
            each(index, case_id, outcome, error)
    return {"built": built, "failed": failed}


def hand_over(case_ids: list[int], receiver: str, actor: User) -> dict:
    """已移交: the newest packages of these cases went to the archives (`receiver`, 接收单位) as one
    batch, recorded with who and when, and in each case's history. Refused whole, naming each case,
    if one has no package, one older than the case, or one already handed over."""
    require(actor, "admin")
    receiver = (receiver or "").strip()
    if not 0 < len(receiver) <= MAX_RECEIVER:
        raise Invalid("Name the archives the packages went to, in at most %(max)s characters", max=MAX_RECEIVER)
    if not case_ids:
        raise Invalid("Choose the cases whose packages were handed over")
    with session_scope() as session:
        chosen = list(dict.fromkeys(case_ids))
        query = _packaged(select(Case).where(Case.id.in_(chosen)), outer=False)
        if uses_postgres():  # two administrators marking one package: the second waits, then sees it marked
            query = query.with_for_update(of=ArchivePackage, key_share=True)
        packaged = {row.Case.id: row for row in session.execute(query)}
        problems = []
        for case_id in chosen:
            if case_id in packaged:
                problems.append(_not_to_hand_over(*packaged[case_id]))
            else:  # a case there is not: NotFound
                problems.append(Message("case %(case)s has no archive package",
                                        case=fetch(session, Case, case_id, "case").number))
        problems = [problem for problem in problems if problem]
        if problems:
            raise Conflict("Nothing was marked handed over: %(problems)s", problems=listed(problems))
        batch = ArchiveHandover(handed_over_by=actor.id, receiver=receiver)
        session.add(batch)
        session.flush()
        for case_id in chosen:
            case, package, _older = packaged[case_id]
            package.handover_id = batch.id
            record_case(session, "archive_handed_over", case, actor=actor, handover=batch.id, package=package.id,
                        receiver=receiver)
        return {"id": batch.id, "packages": len(packaged), "receiver": receiver}


def _not_to_hand_over(case: Case, package: ArchivePackage, older: bool) -> Message | None:
    if package.handover_id is not None:
        return Message("case %(case)s's package was handed over already", case=case.number)
    if older:
        return Message("case %(case)s has events its package does not hold: build it again", case=case.number)
    return None


def package_file(package_id: int, actor: User) -> tuple[Path, str]:
    """The package's file and the name it downloads under (the case number)."""
    kept = _kept(package_id, actor)
    return kept["path"], f"{kept['case']}.zip"


def check(package_id: int, actor: User) -> dict:
    """四性检测 of a kept package: {package: {id, case, built_at, path}, report}."""
    kept = _kept(package_id, actor)
    return {"package": kept, "report": archive_check.check(kept["path"])}


def _kept(package_id: int, actor: User) -> dict:
    require(actor, "admin")
    with read_session() as session:
        package = fetch(session, ArchivePackage, package_id, "package")
        number = session.scalar(select(Case.number).where(Case.id == package.case_id))
        return {"id": package.id, "case": number, "built_at": package.built_at, "path": files.located(package.sha256)}


def copy_to(sha256: str, folder: Path, name: str) -> Path:
    """A kept package written into a folder (the command line's --out), readable by its owner alone
    (it holds ID numbers): under a temporary name, then renamed, so a crash leaves no half-written
    package there."""
    target = folder / name
    with files.located(sha256).open("rb") as source, files.private_file(target) as out:
        shutil.copyfileobj(source, out)
    return target
