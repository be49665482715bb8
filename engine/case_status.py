"""Where a case stands at the window: its row held for a change and the check of its status, the
Art. 32 timer set when materials arrive (intake.fire_timer fires it), whether deferred materials
(容缺) are still to come, what materials arriving do to it, how a correction notice stands, and which
payment notices still wait for the applicant's payment."""
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import clock
from engine.errors import Conflict, NotFound, state_name
from engine.report_kinds import kind_of, report_name
from engine.services import calendars
from engine.services.events import record_case
from engine.store.db import locked, read_session
from engine.store.models import Case, Event, Material, Notice, Task, Timer, User

ART32_DAYS = 5
OPEN = ("submitted", "correction")
# Statuses in which materials may still be handed in: before acceptance, 容缺 catch-up, a review round's correction.
SUPPLY_STATES = ("correction", "conditional", "submitted", "review_correction")


def open_case(session: Session, case_id: int, *states) -> Case:
    case = locked(session, Case, case_id)
    if case is None:
        raise NotFound("No case %(case)s", case=case_id)
    if states:
        in_state(case, states)
    return case


def in_state(case: Case, states) -> None:
    if case.status not in states:
        raise Conflict("Case %(case)s is %(state)s", case=case.number, state=state_name(case.status))


def watch_arrival(session: Session, case: Case) -> None:
    """Art. 32: materials arrived today; unless the window answers within five working days, the
    case counts as accepted from today (fire_timer reads the day the timer counts from)."""
    today = clock.today()
    deadline = calendars.current().add_workdays(today, ART32_DAYS).date
    session.add(Timer(kind="deemed", case_id=case.id, due_at=clock.end_of(deadline), counted_from=today,
                      working_days=ART32_DAYS))


def cancel_timers(session: Session, case: Case, kind: str) -> None:
    for timer in session.scalars(select(Timer).where(Timer.case_id == case.id, Timer.kind == kind,
                                                     Timer.state == "pending")):
        timer.state = "cancelled"


def deferred_left(session: Session, case: Case) -> bool:
    """Whether a material accepted as deferred (容缺) is still to come."""
    return session.scalar(select(Material.id).where(Material.case_id == case.id, Material.state == "deferred")
                          .limit(1)) is not None


def review_correction(session: Session, case_id: int) -> tuple[date | None, bool]:
    """The date the case's latest review-round correction notice gave the applicant (None if it
    gave none, or there is none), and whether they have handed anything in since."""
    notice = session.scalar(select(Notice).where(Notice.case_id == case_id, Notice.kind == "review_correction")
                            .order_by(Notice.id.desc()).limit(1))
    if notice is None:
        return None, False
    answered = session.scalar(select(Event.id).where(Event.case_id == case_id, Event.type == "materials_supplied",
                                                     Event.at >= notice.issued_at).limit(1)) is not None
    due = notice.data.get("due_on")
    return (date.fromisoformat(due) if due else None), answered


def unpaid(session: Session, case_id: int) -> list[Notice]:
    """The payment notices whose step still waits for the payment, oldest first. One whose step
    closed was paid (its receipt recorded), or sent back to be assessed again."""
    issued_by = select(Event.task_id).where(Event.case_id == case_id, Event.type == "notice_issued",
                                            Event.data["notice"].as_string() == Notice.number).scalar_subquery()
    return list(session.scalars(select(Notice).join(Task, Task.id == issued_by)
                                .where(Notice.case_id == case_id, Notice.kind == "payment", Task.state == "ready")
                                .order_by(Notice.id)))


def payment_asked(task_id: int) -> dict | None:
    """The payment notice a step waiting for the payment issued ({id, number, data}: its lines, who
    pays each, the total and the date), for the person who confirms the payment against the
    receipt; None for a step that asked for none or is closed. Read for a task the caller may see."""
    with read_session() as session:
        task = session.get(Task, task_id)
        if task is None or task.state != "ready":
            return None
        # By its instance first: events are indexed by instance, not by task.
        number = session.scalar(select(Event.data["notice"].as_string()).where(
            Event.instance_id == task.instance_id, Event.task_id == task_id, Event.type == "notice_issued")
            .order_by(Event.id.desc()).limit(1))
        notice = session.scalar(select(Notice).where(Notice.number == number, Notice.kind == "payment")) \
            if number else None
        return {"id": notice.id, "number": notice.number, "data": notice.data} if notice else None


def supplied(session: Session, case: Case, codes: list[str], names: list[str], actor: User | None, **how) -> None:
    """Materials have come for a case that awaits them (handed in, or an agency's report delivered):
    a correction notice is answered once everything it named has come (the window then accepts, again
    within five working days); the last deferred (容缺) material ends the conditional acceptance.
    Recorded as materials_supplied, with what the correction notice still waits for."""
    still = []
    if case.status == "correction":
        still = [m["name"] for m in still_missing(session, case)]
        if not still:  # all of it is here: the window accepts it, again within five days
            case.status = "submitted"
            watch_arrival(session, case)
    elif not deferred_left(session, case):
        cancel_timers(session, case, "deferred")
        if case.status == "conditional":
            case.status = "accepted"
    record_case(session, "materials_supplied", case, actor=actor, materials=codes, names=names,
                still_missing=still, **how)


def still_missing(session: Session, case: Case) -> list[dict]:
    """What the latest correction notice asked for that has not come since ({code, name, reason}:
    the window's page, the applicant's, the supply event). Until all of
    it has, the case waits for the applicant: the notice counts the time limit from the complete
    answer (受理期限自收到全部补正材料之日起计算), and a part answer starts no deemed acceptance."""
    notice = session.scalar(select(Notice).where(Notice.case_id == case.id, Notice.kind == "correction")
                            .order_by(Notice.id.desc()).limit(1))
    if notice is None:
        return []
    since = set(session.scalars(select(Material.kind).where(Material.case_id == case.id,
                                                            Material.created_at >= notice.issued_at)))
    names = {m["code"]: m["name"] for m in case.item.data["materials"]}
    return [{"code": m["code"], "name": names.get(m["code"]) or material_name(m["code"]), "reason": m.get("reason", "")}
            for m in notice.data["missing"] if m["code"] not in since]


def material_name(code: str) -> str:
    """The name of a material the checklist does not list by its code: a kind's report (report:energy,
    engine/agency_reports.py), else the code as it is."""
    kind = kind_of(code)
    return report_name(kind) if kind else code
