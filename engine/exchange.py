"""办件信息汇聚 (GB/T 39046-2020): the cases' records for the provincial platform, pulled page by
page after a cursor (read-only; the records are built in engine/exchange_sets.py).

The cursor is the id of the last event read: records come in the order of the events that produced
them, so a pull after a failure, from the last cursor the platform kept, loses nothing, and a record
sent again has the same key and replaces the first. The records carry applicants' ID numbers, as
the standard's data sets do: only the platform's account (role platform) pulls them.
"""
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.errors import Invalid, whole
from engine.exchange_sets import SOURCES, CaseFacts, records_of
from engine.services import special_kinds
from engine.services.users import department_names, require
from engine.store.db import read_session
from engine.store.models import MAX_ROW_ID, Case, Event, User

DEFAULT_LIMIT, MAX_LIMIT = 100, 1000
# PostgreSQL hands out an event's id at its insert, and a transaction that began first may commit
# after one that began later: the feed stops before the first event younger than this, which
# every transaction has committed or given up by then. SQLite writes one transaction at a time.
SETTLE = timedelta(seconds=60)


def pull(actor: User, after: int = 0, limit: int = DEFAULT_LIMIT) -> dict:
    """The platform's pull: {records, next}; `next` is the cursor to give next time."""
    require(actor, "platform")
    return feed(after, limit)


def feed(after: int, limit: int) -> dict:
    if not whole(after, 0, MAX_ROW_ID):
        raise Invalid("after is the cursor a pull answered (next), a whole number from 0 to %(max)s", max=MAX_ROW_ID)
    if not whole(limit, 1, MAX_LIMIT):
        raise Invalid("limit is a whole number from 1 to %(max)s", max=MAX_LIMIT)
    with read_session() as session:
        return _page(session, after, limit)


def _page(session: Session, after: int, limit: int) -> dict:
    names, kinds, facts, records, cursor = department_names(session), special_kinds.names(session), {}, [], after
    by_instance = {}  # a step's events name its procedure only: its case, asked once a page
    settled = _settled(session, after)
    while len(records) < limit:
        query = select(Event).where(Event.id > cursor, Event.type.in_(SOURCES)).order_by(Event.id).limit(limit)
        events = session.scalars(query if settled is None else query.where(Event.id < settled)).all()
        if not events:
            break
        for event in events:
            case = _case_of(session, event, by_instance)
            if case is not None:
                if case.id not in facts:
                    facts[case.id] = CaseFacts(session, case, names, kinds)
                records.extend(records_of(facts[case.id], event))
            cursor = event.id
            if len(records) == limit:
                break
    return {"records": records, "next": cursor}


def _settled(session: Session, after: int) -> int | None:
    """The first event the feed may not read yet (SETTLE), or None for no such bound."""
    if session.get_bind().dialect.name == "sqlite":
        return None
    # the database's clock, not the puller's: an event's `at` is stamped by the app server that
    # recorded it, which the servers' time sync keeps close to the database's
    cutoff = session.scalar(select(func.now())) - SETTLE
    return session.scalar(select(func.min(Event.id)).where(Event.id > after, Event.at > cutoff))


def _case_of(session: Session, event: Event, by_instance: dict) -> Case | None:
    """The case an event is about: a step's events name its procedure only (a trial run has no case)."""
    if event.case_id is not None:
        return session.get(Case, event.case_id)
    if event.instance_id is None:
        return None
    if event.instance_id not in by_instance:
        by_instance[event.instance_id] = session.scalar(select(Case).where(Case.instance_id == event.instance_id))
    return by_instance[event.instance_id]


def pages(after: int = 0, total: int | None = None):
    """Every record after the cursor (at most `total`), page by page, for the command line; yields
    (records, next)."""
    while total is None or total > 0:
        page = feed(after, MAX_LIMIT if total is None else min(total, MAX_LIMIT))
        if not page["records"] and page["next"] == after:
            return
        yield page["records"], page["next"]
        after = page["next"]
        if total is not None:
            total -= len(page["records"])
