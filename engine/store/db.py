"""One SQLAlchemy engine per process and the unit of work every service runs in."""
from contextlib import contextmanager
from select import POLLIN, poll

from sqlalchemy import create_engine, event, exc, select
from sqlalchemy.orm import Session, sessionmaker

from engine.config import database_url
from engine.errors import NotFound
from engine.store.models import Case

_engine = None
_sessionmaker = None


def get_engine(url: str | None = None):
    global _engine, _sessionmaker
    if _engine is None or (url and str(_engine.url) != url):
        url = url or database_url()
        kwargs = {"future": True}
        if url.startswith("sqlite"):
            # The web server and the timer thread share one file: wait for locks instead of failing.
            kwargs["connect_args"] = {"timeout": 30, "check_same_thread": False}
        else:
            # TCP keepalives: a server that vanished without closing the connection (a crashed
            # host, a dropped NAT entry) shows on the socket within about a minute, where the
            # checkout check below sees it.
            kwargs.update(pool_size=10, max_overflow=20, connect_args={
                "keepalives": 1, "keepalives_idle": 30, "keepalives_interval": 10, "keepalives_count": 3})
        _engine = create_engine(url, **kwargs)
        if url.startswith("sqlite"):
            event.listen(_engine, "connect", _sqlite_pragmas)
            event.listen(_engine, "begin", _sqlite_begin)
        else:
            event.listen(_engine, "checkout", _closed_by_server)
        _sessionmaker = sessionmaker(_engine, expire_on_commit=False)
    return _engine


def flush_unique(session: Session, refusal: Exception) -> None:
    """Flush; a unique constraint refusing the row (another request that passed the same check
    committed first: PostgreSQL lets two pass it at once) is `refusal`, the one the check gives,
    not a server error. Only a unique violation (SQLSTATE 23505, SQLite's words): another is a fault."""
    try:
        session.flush()
    except exc.IntegrityError as refused:
        if getattr(refused.orig, "sqlstate", None) == "23505" or "UNIQUE constraint failed" in str(refused.orig):
            raise refusal from None
        raise


def _closed_by_server(dbapi_connection, _record, _proxy):
    # Instead of pool_pre_ping, which costs a round trip on every checkout: a server that ended
    # the connection (a restart, an idle timeout) has written its farewell to the socket, while
    # an idle, healthy connection has nothing to read. The pool replaces a connection refused
    # here with a new one.
    if dbapi_connection.closed:
        raise exc.DisconnectionError("the connection is closed")
    socket = poll()  # not select(), which refuses file numbers above 1023
    socket.register(dbapi_connection.fileno(), POLLIN)
    if socket.poll(0):
        raise exc.DisconnectionError("the database server closed this connection")


def _sqlite_pragmas(dbapi_connection, _record):
    # Let SQLAlchemy, not the driver, say when a transaction begins (see _sqlite_begin).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _sqlite_begin(connection):
    # SQLite has no SELECT ... FOR UPDATE. Taking the write lock when the transaction begins
    # serialises writers the same way, instead of failing one of them when it upgrades its lock.
    connection.exec_driver_sql("BEGIN" if connection.info.get("read_only") else "BEGIN IMMEDIATE")


def reset_engine():
    """Forget the engine, so the next call reads DATABASE_URL again (tests switch databases)."""
    global _engine, _sessionmaker
    if _engine is not None:
        _engine.dispose()
    _engine = _sessionmaker = None


def uses_postgres() -> bool:
    """PostgreSQL, rather than SQLite (one engine per process: every session is bound to it)."""
    return get_engine().dialect.name == "postgresql"


# What fetch says of a missing row, by the name it is given: one literal sentence each, for the
# catalogue. A new name needs its line here.
_MISSING = {
    "applicant": lambda row_id: NotFound("No applicant %(applicant)s", applicant=row_id),
    "case": lambda row_id: NotFound("No case %(case)s", case=row_id),
    "clock": lambda row_id: NotFound("No clock %(clock)s", clock=row_id),
    "instance": lambda row_id: NotFound("No instance %(instance)s", instance=row_id),
    "package": lambda row_id: NotFound("No archive package %(package)s", package=row_id),
    "pledge check": lambda row_id: NotFound("No pledge check %(check)s", check=row_id),
    "rectification": lambda row_id: NotFound("No rectification %(rectification)s", rectification=row_id),
    "task": lambda row_id: NotFound("No task %(task)s", task=row_id),
    "timer": lambda row_id: NotFound("No timer %(timer)s", timer=row_id),
    "user": lambda row_id: NotFound("No user %(user)s", user=row_id),
}


def fetch(session: Session, model, row_id, name: str):
    """The row by id, or NotFound naming it ("No task 7")."""
    row = session.get(model, row_id)
    if row is None:
        raise _MISSING[name](row_id)
    return row


def locked(session: Session, model, row_id: int, *, skip_locked: bool = False):
    """The row by id, held against other writers until the transaction ends, or None (also,
    with skip_locked, when another transaction holds it: the timer tick passes it over).

    PostgreSQL needs a row lock; SQLite's write transaction (BEGIN IMMEDIATE) already holds
    every writer off. FOR NO KEY UPDATE, as no key ever changes: it still lets others insert rows
    that refer to this one (a claim's event on a case whose step is running), which FOR UPDATE
    would make wait, and deadlock when the step then needs the claimed task row.
    """
    query = select(model).where(model.id == row_id)
    if uses_postgres():
        query = query.with_for_update(of=model, key_share=True, skip_locked=skip_locked)
    return session.scalar(query)


def locked_with_case(session: Session, model, row_id: int, name: str):
    """(case, row): a row of a case's (a rectification, a pledge check) and its case, both held, the
    case first: the order in which the timer tick takes them, so the two never deadlock. NotFound,
    as fetch says it, for no such row."""
    case_id = session.scalar(select(model.case_id).where(model.id == row_id))
    case = locked(session, Case, case_id) if case_id is not None else None
    row = locked(session, model, row_id) if case is not None else None
    if row is None:
        raise _MISSING[name](row_id)
    return case, row


@contextmanager
def read_session():
    """A session for reading only, which never takes SQLite's write lock.

    Code that runs inside a step (a decision table, the calendar) reads through this: a second
    write transaction in the same thread would wait for the first one's lock for ever.
    """
    engine = get_engine()
    with engine.connect() as connection:
        connection.info["read_only"] = True
        session = Session(bind=connection, expire_on_commit=False)
        try:
            yield session
        finally:
            session.close()
            connection.rollback()
            connection.info.pop("read_only", None)


@contextmanager
def autocommit():
    """A connection on which every statement commits on its own: for work that is one statement,
    it saves the round trips of BEGIN and COMMIT (PostgreSQL; SQLite's own are not round trips)."""
    with get_engine().connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        yield connection


@contextmanager
def session_scope():
    """The unit of work: commit if the block finishes, roll back if it raises."""
    get_engine()
    session = _sessionmaker()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
