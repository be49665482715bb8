"""Recording what happened. Every state change of a case goes through here."""
from sqlalchemy import insert
from sqlalchemy.orm import Session

from engine.store.models import Event, User

_INSERT = insert(Event.__table__)  # built once: building costs more than running it


def record(session: Session, type_: str, **fields) -> int:
    """One event (fields as event_row takes them), written at once: later reads in the
    transaction see it. Returns its id.

    Written on the table: an ORM object per event made every step's flush dearer, and events
    are never changed.
    """
    return session.execute(_INSERT, event_row(type_, **fields)).inserted_primary_key[0]


def record_all(session: Session, rows: list[dict]) -> None:
    """Several events (event_row) in one statement."""
    session.execute(_INSERT, rows)


def event_row(type_: str, *, actor: User | None = None, instance_id: int | None = None,
              task_id: int | None = None, case_id: int | None = None, **data) -> dict:
    """A case's events carry case_id, so its history is found before it has an instance."""
    return {"type": type_, "actor_id": actor.id if actor else None, "instance_id": instance_id,
            "case_id": case_id, "task_id": task_id, "data": data}


def record_case(session: Session, type_: str, case, *, actor: User | None = None, **data) -> int:
    """An event of a case: found by the case, by its procedure and, in the data, by its number."""
    return record(session, type_, actor=actor, instance_id=case.instance_id, case_id=case.id,
                  case=case.number, **data)


def describe(event: Event) -> dict:
    return {"id": event.id, "type": event.type, "at": event.at.isoformat() if event.at else None,
            "actor": event.actor.login if event.actor else None, "task_id": event.task_id,
            "data": event.data}
