"""A row another request commits between a service's check and its write. On PostgreSQL two
requests may both pass a check before either writes; SQLite serialises writers (BEGIN IMMEDIATE),
so the row is written inside the service's own transaction, just before its first flush: the
unique constraint then refuses the service's row as it would the slower request's."""
from contextlib import contextmanager

from sqlalchemy import event
from sqlalchemy.orm import Session


@contextmanager
def written_meanwhile(statement):
    """Run `statement` (an insert) just before the next flush of any session."""
    def write(session, _context, _instances):
        session.execute(statement)
    event.listen(Session, "before_flush", write, once=True)
    try:
        yield
    finally:
        event.remove(Session, "before_flush", write)
