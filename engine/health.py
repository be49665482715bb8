"""Whether an installation works: what a load balancer asks of each server (the database answers,
its schema is at the migrations' head, the files store takes a file), and what an administrator
is shown besides: whether timers fire, and whether a year's holiday notice is missing when it
should be in (calendars.next_year_warning: dates counted into that year are estimated).

Every `run.py serve` without --no-scheduler and every `run.py worker` fires the due timers once a
second (engine/scheduler.py), and one that fails is tried again within a minute and a half
(engine/timers.py): a timer still pending minutes after its time says that none of them runs.
"""
import os
import tempfile
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from engine import clock, files
from engine.services import calendars
from engine.services.users import require
from engine.store.db import read_session
from engine.store.migrate import head, revision
from engine.store.models import Event, Timer, User

OVERDUE = timedelta(minutes=5)


def probe() -> list[str]:
    """The checks that fail (database, schema, files); none when the server can serve."""
    return _checked()[0]


def _checked() -> tuple[list[str], str | None]:
    """The checks that fail, and the revision the schema is at."""
    failed, at = [], None
    try:
        at = revision()
        if at != head():
            failed.append("schema")
    except SQLAlchemyError:
        failed.append("database")
    if not _files_writable():
        failed.append("files")
    return failed, at


def _files_writable() -> bool:
    try:
        handle, name = tempfile.mkstemp(dir=files.root(), prefix=".health-")
        try:
            os.write(handle, b"ok")
        finally:
            os.close(handle)
            os.unlink(name)
    except OSError:
        return False
    return True


def report(actor: User) -> dict:
    """The probe's checks, the schema's revision, the timers (how many are overdue by more than
    OVERDUE, and since when; how many are incidents; when the last one fired) and the calendar's
    alert, if any (which fails no check: cases are still counted, on an estimate). Administrators."""
    require(actor, "admin")
    failed, at = _checked()
    now = datetime.now(timezone.utc)
    with read_session() as session:
        overdue, since = session.execute(select(func.count(), func.min(Timer.due_at)).where(
            Timer.state == "pending", Timer.due_at < now - OVERDUE)).one()
        incidents = session.scalar(select(func.count()).where(Timer.state == "incident"))
        last_fired = session.scalar(select(Event.at).where(Event.type == "timer_fired")
                                    .order_by(Event.id.desc()).limit(1))
    if overdue:
        failed.append("timers")
    return {"status": "failing" if failed else "ok", "failed": failed,
            "schema": {"revision": at, "head": head()},
            "timers": {"overdue": overdue, "overdue_since": since.isoformat() if since else None,
                       "overdue_minutes": int(OVERDUE.total_seconds() // 60), "incidents": incidents,
                       "last_fired_at": last_fired.isoformat() if last_fired else None},
            "calendar": calendars.next_year_warning(clock.today())}
