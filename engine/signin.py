"""Protecting sign-in, for staff (User) and applicants (Applicant) alike.

Password guessing is slowed down: an account answers at most MAX_FAILURES wrong passwords in a
row, then cannot sign in for LOCK_MINUTES, not even with the right password. Each attempt first
takes a place in the count with one conditional statement, so guesses sent at once to one or
several servers are all counted and never more than MAX_FAILURES are checked; the password hash
(a tenth of a second by design) is checked outside any transaction. A right password clears the
count; a count whose last attempt is a day old (FORGET) starts again. An administrator may lift
a lock early (unlock). Signing out ends every copy of the session cookie (end_sessions).

A name no account has is answered exactly like an account's wrong password (attempt_unknown):
counted in the same way, locked after MAX_FAILURES, its count forgotten after the same day, and
a password hash checked, so neither the answers nor their time tell a guesser which names exist.
"""
import hashlib
import secrets
from datetime import datetime, timedelta, timezone
from functools import cache

from sqlalchemy import and_, case, delete, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from werkzeug.security import check_password_hash, generate_password_hash

from engine.errors import Message, TooManyAttempts
from engine.store import session_scope
from engine.store.db import uses_postgres
from engine.store.models import UnknownSignIn

MAX_FAILURES = 5
LOCK_MINUTES = 15
MIN_PASSWORD = 8  # characters, for staff and applicants alike
FORGET = timedelta(days=1)  # a count whose last attempt is this old starts again


def password_problem(password) -> Message | None:
    """What is wrong with a new password, or None (staff and applicants alike)."""
    if not isinstance(password, str) or len(password) < MIN_PASSWORD:
        return Message("The password needs at least %(length)s characters", length=MIN_PASSWORD)
    return None


def _open(model, now):
    """The row may take an attempt: places left in the count (or the count is old), not locked."""
    return and_(or_(model.failed_sign_ins < MAX_FAILURES, model.last_attempt_at < now - FORGET),
                or_(model.locked_until.is_(None), model.locked_until <= now))


def _counted(model, now):
    """The count with this attempt in it."""
    return case((model.last_attempt_at < now - FORGET, 1), else_=model.failed_sign_ins + 1)


def attempt(account, password: str) -> bool:
    """Whether `password` is the account's (a User or an Applicant that has a password).
    Raises TooManyAttempts while the account is locked or MAX_FAILURES attempts are unresolved."""
    model, now = type(account), datetime.now(timezone.utc)
    with session_scope() as session:
        place = session.execute(
            update(model).where(model.id == account.id, _open(model, now))
            .values(failed_sign_ins=_counted(model, now), last_attempt_at=now)
            .returning(model.failed_sign_ins)).scalar()
    return _judge(model, account.id, account.password_hash, password, place, now)


def attempt_unknown(scope: str, name: str, password: str) -> bool:
    """A sign-in under a name no account of `scope` ("staff", "applicant") has, or one that
    cannot sign in: False, after counting it as attempt() counts an account's, in one statement
    as well, and checking a hash as long to check as an account's. Raises TooManyAttempts as
    attempt() would."""
    key, now = hashlib.sha256(f"{scope}:{name}".encode()).hexdigest(), datetime.now(timezone.utc)
    insert = (postgresql if uses_postgres() else sqlite).insert
    with session_scope() as session:
        place = session.execute(
            insert(UnknownSignIn).values(id=key, failed_sign_ins=1, last_attempt_at=now)
            .on_conflict_do_update(index_elements=[UnknownSignIn.id], where=_open(UnknownSignIn, now),
                                   set_={"failed_sign_ins": _counted(UnknownSignIn, now), "last_attempt_at": now})
            .returning(UnknownSignIn.failed_sign_ins)).scalar()
    return _judge(UnknownSignIn, key, _decoy_hash(), password, place, now)


def _judge(model, account_id, password_hash: str, password: str, place: int | None, now) -> bool:
    """Check the password of an attempt that took `place` in the count (None: no place, locked)."""
    if place is None:
        raise TooManyAttempts("Too many wrong passwords: signing in is closed for up to %(minutes)s minutes",
                              minutes=LOCK_MINUTES)
    right = check_password_hash(password_hash, password)
    if right:
        outcome = {"failed_sign_ins": 0, "locked_until": None}
    elif place >= MAX_FAILURES:
        outcome = {"failed_sign_ins": 0, "locked_until": now + timedelta(minutes=LOCK_MINUTES)}
    else:
        return False
    with session_scope() as session:
        session.execute(update(model).where(model.id == account_id).values(**outcome))
    return right


@cache
def _decoy_hash() -> str:
    return generate_password_hash(secrets.token_urlsafe(32))


def forget_unknown() -> int:
    """Drop the counts of names no account has whose last attempt is FORGET old (an account's
    would start again by then too). Run by the scheduler, not in a sign-in, which then costs
    the same whatever the name; rows another transaction holds are left for the next run."""
    stale = select(UnknownSignIn.id).where(UnknownSignIn.last_attempt_at < datetime.now(timezone.utc) - FORGET)
    with session_scope() as session:
        return session.execute(delete(UnknownSignIn).where(
            UnknownSignIn.id.in_(stale.with_for_update(skip_locked=True)))).rowcount


def locked(account) -> bool:
    """Whether the account's sign-in is closed now: locked for a while, or every place in the
    count taken within the last FORGET (attempts still being checked, or cut short by a crash
    before their outcome)."""
    now = datetime.now(timezone.utc)
    if account.locked_until is not None and account.locked_until > now:
        return True
    recent = account.last_attempt_at is None or account.last_attempt_at > now - FORGET
    return account.failed_sign_ins >= MAX_FAILURES and recent


def unlock(account) -> None:
    """Open the account's sign-in again, with a fresh count (the caller saves the account)."""
    account.failed_sign_ins, account.locked_until = 0, None


def end_sessions(model, account_id: int) -> None:
    """Raise the account's session serial: every session cookie that names the old one (this
    browser's, a copy of it) signs no one in any more."""
    with session_scope() as session:
        session.execute(update(model).where(model.id == account_id)
                        .values(session_serial=model.session_serial + 1))
