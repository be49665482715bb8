"""Recording what happened. Every state change of a case goes through here."""
from sqlalchemy.orm import Session

from engine.store.models import Event, User


def record(session: Session, type_: str, *, actor: User | None = None, instance_id: int | None = None,
           task_id: int | None = None, case_id: int | None = None, **data) -> Event:
    """One event; a case's events carry case_id, so its history is found before it has an instance."""
    event = Event(type=type_, actor_id=actor.id if actor else None, instance_id=instance_id,
                  case_id=case_id, task_id=task_id, data=data)
    session.add(event)
    return event


def record_case(session: Session, type_: str, case, *, actor: User | None = None, **data) -> Event:
    """An event of a case: found by the case, by its procedure and, in the data, by its number."""
    return record(session, type_, actor=actor, instance_id=case.instance_id, case_id=case.id,
                  case=case.number, **data)


def describe(event: Event) -> dict:
    return {"id": event.id, "type": event.type, "at": event.at.isoformat() if event.at else None,
            "actor": event.actor.login if event.actor else None, "task_id": event.task_id,
            "data": event.data}
