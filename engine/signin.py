"""Protecting sign-in, for staff (User) and applicants (Applicant) alike.

Password guessing is slowed down: an account answers at most MAX_FAILURES wrong passwords in a
row, then cannot sign in for LOCK_MINUTES, not even with the right password. Each attempt first
takes a place in the count with one conditional UPDATE, so guesses sent at once to one or several
servers are all counted and never more than MAX_FAILURES are checked; the password hash (a tenth
of a second by design) is checked outside any transaction. A right password clears the count.
An administrator may lift a lock early (unlock). Signing out ends every copy of the session
cookie (end_sessions).

A name no account has is answered exactly like an account's wrong password (attempt_unknown):
counted, locked after MAX_FAILURES, and a password hash checked, so neither the answers nor
their time tell a guesser which names exist.
"""
import hashlib
import secrets
from datetime import datetime, timedelta, timezone
from functools import cache

from sqlalchemy import delete, or_, update
from sqlalchemy.dialects import postgresql, sqlite
from werkzeug.security import check_password_hash, generate_password_hash

from engine.errors import TooManyAttempts
from engine.store import session_scope
from engine.store.models import UnknownSignIn

MAX_FAILURES = 5
LOCK_MINUTES = 15
MIN_PASSWORD = 8  # characters, for staff and applicants alike
FORGET_UNKNOWN = timedelta(days=1)  # a name's count is kept this long after its last attempt


def attempt(account, password: str) -> bool:
    """Whether `password` is the account's (a User or an Applicant that has a password).
    Raises TooManyAttempts while the account is locked or MAX_FAILURES attempts are unresolved."""
    model, now = type(account), datetime.now(timezone.utc)
    with session_scope() as session:
        place = session.execute(
            update(model).where(model.id == account.id, model.failed_sign_ins < MAX_FAILURES,
                                or_(model.locked_until.is_(None), model.locked_until <= now))
            .values(failed_sign_ins=model.failed_sign_ins + 1).returning(model.failed_sign_ins)).scalar()
    if place is None:
        raise TooManyAttempts("Too many wrong passwords: signing in is closed for up to %(minutes)s minutes",
                              minutes=LOCK_MINUTES)
    right = check_password_hash(account.password_hash, password)
    if right:
        outcome = {"failed_sign_ins": 0, "locked_until": None}
    elif place >= MAX_FAILURES:
        outcome = {"failed_sign_ins": 0, "locked_until": now + timedelta(minutes=LOCK_MINUTES)}
    else:
        return False
    with session_scope() as session:
        session.execute(update(model).where(model.id == account.id).values(**outcome))
    return right


def attempt_unknown(scope: str, name: str, password: str) -> bool:
    """A sign-in under a name no account of `scope` ("staff", "applicant") has, or one that
    cannot sign in: False, after counting it like attempt() and checking a hash as long to check
    as an account's. Raises TooManyAttempts as attempt() would."""
    key, now = hashlib.sha256(f"{scope}:{name}".encode()).hexdigest(), datetime.now(timezone.utc)
    with session_scope() as session:
        table = UnknownSignIn.__table__
        insert = (postgresql if session.get_bind().dialect.name == "postgresql" else sqlite).insert
        session.execute(insert(table).values(id=key, failed_sign_ins=0, last_attempt_at=now)
                        .on_conflict_do_update(index_elements=[table.c.id], set_={"last_attempt_at": now}))
        session.execute(delete(table).where(table.c.last_attempt_at < now - FORGET_UNKNOWN))
    standin = UnknownSignIn(id=key)  # never added to a session: attempt() writes its row
    standin.password_hash = _decoy_hash()
    return attempt(standin, password)


@cache
def _decoy_hash() -> str:
    return generate_password_hash(secrets.token_urlsafe(32))


def locked(account) -> bool:
    """Whether the account's sign-in is closed now: locked for a while, or every place in the
    count taken (attempts still being checked, or cut short by a crash before their outcome)."""
    return (account.locked_until is not None and account.locked_until > datetime.now(timezone.utc)) \
        or account.failed_sign_ins >= MAX_FAILURES


def unlock(account) -> None:
    """Open the account's sign-in again, with a fresh count (the caller saves the account)."""
    account.failed_sign_ins, account.locked_until = 0, None


def end_sessions(model, account_id: int) -> None:
    """Raise the account's session serial: every session cookie that names the old one (this
    browser's, a copy of it) signs no one in any more."""
    with session_scope() as session:
        session.execute(update(model).where(model.id == account_id)
                        .values(session_serial=model.session_serial + 1))
