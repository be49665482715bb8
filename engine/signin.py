"""Protecting sign-in, for staff (User) and applicants (Applicant) alike.

Password guessing is slowed down twice over. From one network address, an account answers at
most MAX_FAILURES wrong passwords in a row, then that address cannot sign in to it for
LOCK_MINUTES, not even with the right password; the owner, signing in from elsewhere, is not
locked out by a guesser. From all addresses together it answers at most ACCOUNT_FAILURES,
then the account is locked for everyone for LOCK_MINUTES: a guesser with many addresses gets
that many guesses a quarter of an hour, and needs several addresses to lock the owner out.

Each attempt first takes a place in both counts, in one transaction of conditional statements,
so guesses sent at once to one or several servers are all counted and never more than the
counts allow are checked; the password hash (a tenth of a second by design) is checked outside
any transaction. A right password clears both counts; a count whose last attempt is a day old
(FORGET) starts again. An administrator may lift the locks early (unlock). Signing out ends
every copy of the session cookie (end_sessions).

A name no account has is answered exactly like an account's wrong password (attempt_unknown):
counted in the same ways, locked after as many, its counts forgotten after the same day, and a
password hash checked, so neither the answers nor their time tell a guesser which names exist.
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
from engine.store.models import AddressSignIn, UnknownSignIn

MAX_FAILURES = 5  # from one address
ACCOUNT_FAILURES = 20  # from every address together
LOCK_MINUTES = 15
MIN_PASSWORD = 8  # characters, for staff and applicants alike
FORGET = timedelta(days=1)  # a count whose last attempt is this old starts again


def password_problem(password) -> Message | None:
    """What is wrong with a new password, or None (staff and applicants alike)."""
    if not isinstance(password, str) or len(password) < MIN_PASSWORD:
        return Message("The password needs at least %(length)s characters", length=MIN_PASSWORD)
    return None


def _open(model, now, limit):
    """The row may take an attempt: places left in the count (or the count is old), not locked."""
    return and_(or_(model.failed_sign_ins < limit, model.last_attempt_at < now - FORGET),
                or_(model.locked_until.is_(None), model.locked_until <= now))


def _counted(model, now):
    """The count with this attempt in it."""
    return case((model.last_attempt_at < now - FORGET, 1), else_=model.failed_sign_ins + 1)


def attempt(account, password: str, address: str | None = None) -> bool:
    """Whether `password` is the account's (a User or an Applicant that has a password), tried
    from `address` (None: not over the network, the command line). Raises TooManyAttempts while
    the account is locked at that address or everywhere, or its counts have no place left."""
    model, now = type(account), datetime.now(timezone.utc)
    subject = _digest(model.__tablename__, account.id)
    with session_scope() as session:
        near = _take_place(session, AddressSignIn, _digest(subject, address), now, MAX_FAILURES, subject=subject)
        place = session.execute(
            update(model).where(model.id == account.id, _open(model, now, ACCOUNT_FAILURES))
            .values(failed_sign_ins=_counted(model, now), last_attempt_at=now)
            .returning(model.failed_sign_ins)).scalar()
        far = None if place is None else (account.id, place, ACCOUNT_FAILURES)
        _placed(near, far)
    return _judge(account.password_hash, password, now, [(AddressSignIn, near), (model, far)])


def attempt_unknown(scope: str, name: str, password: str, address: str | None = None) -> bool:
    """A sign-in under a name no account of `scope` ("staff", "applicant") has, or one that
    cannot sign in: False, after counting it as attempt() counts an account's, and checking a
    hash as long to check as an account's. Raises TooManyAttempts as attempt() would."""
    now, subject = datetime.now(timezone.utc), _digest(scope, name)
    with session_scope() as session:
        near = _take_place(session, AddressSignIn, _digest(subject, address), now, MAX_FAILURES, subject=subject)
        far = _take_place(session, UnknownSignIn, subject, now, ACCOUNT_FAILURES)
        _placed(near, far)
    return _judge(_decoy_hash(), password, now, [(AddressSignIn, near), (UnknownSignIn, far)])


def _digest(*parts) -> str:
    return hashlib.sha256(":".join(str(p) for p in parts).encode()).hexdigest()


def _take_place(session, model, key: str, now, limit: int, **columns):
    """A place in the count of the row `key` (made on the first attempt): (key, its number in
    the count, limit), or None when the row has no place left or is locked."""
    insert = (postgresql if uses_postgres() else sqlite).insert
    place = session.execute(
        insert(model).values(id=key, failed_sign_ins=1, last_attempt_at=now, **columns)
        .on_conflict_do_update(index_elements=[model.id], where=_open(model, now, limit),
                               set_={"failed_sign_ins": _counted(model, now), "last_attempt_at": now})
        .returning(model.failed_sign_ins)).scalar()
    return None if place is None else (key, place, limit)


def _placed(*places) -> None:
    """Refuse an attempt that found a count closed; raised inside the transaction, so that the
    places it took in the other counts are given back."""
    if None in places:
        raise TooManyAttempts("Too many wrong passwords: signing in is closed for up to %(minutes)s minutes",
                              minutes=LOCK_MINUTES)


def _judge(password_hash: str, password: str, now, counts) -> bool:
    """Check the password of an attempt that took a place in each of `counts` ((model, place)
    pairs, a place as _take_place gives it; an account's as (id, number, ACCOUNT_FAILURES))."""
    right = check_password_hash(password_hash, password)
    if right:
        outcome = {"failed_sign_ins": 0, "locked_until": None}
        closing = [(model, key) for model, (key, _number, _limit) in counts]
    else:
        outcome = {"failed_sign_ins": 0, "locked_until": now + timedelta(minutes=LOCK_MINUTES)}
        closing = [(model, key) for model, (key, number, limit) in counts if number >= limit]
    if closing:
        with session_scope() as session:
            for model, key in closing:
                session.execute(update(model).where(model.id == key).values(**outcome))
    return right


@cache
def _decoy_hash() -> str:
    return generate_password_hash(secrets.token_urlsafe(32))


def forget_old_counts() -> int:
    """Drop the counts of names no account has, and of addresses, whose last attempt is FORGET
    old (they would start again by then). Run by the scheduler, not in a sign-in, which then
    costs the same whatever the name; rows another transaction holds are left for the next run."""
    cutoff, dropped = datetime.now(timezone.utc) - FORGET, 0
    with session_scope() as session:
        for model in (UnknownSignIn, AddressSignIn):
            stale = select(model.id).where(model.last_attempt_at < cutoff).with_for_update(skip_locked=True)
            dropped += session.execute(delete(model).where(model.id.in_(stale))).rowcount
    return dropped


def lock_ends(session, accounts) -> dict:
    """account id -> when signing in opens again, for those of `accounts` (of one model) closed
    now, everywhere or at some address: locked for a while, or every place in a count taken
    within the last FORGET (attempts still being checked, or cut short by a crash)."""
    now, ends = datetime.now(timezone.utc), {}

    def closed(account_id, locked_until, failed, last_attempt, limit):
        if locked_until is not None and locked_until > now:
            end = locked_until
        elif failed >= limit and (last_attempt is None or last_attempt > now - FORGET):
            end = (last_attempt or now) + FORGET
        else:
            return
        ends[account_id] = max(end, ends.get(account_id, end))
    by_subject = {}
    for account in accounts:
        by_subject[_digest(account.__tablename__, account.id)] = account.id
        closed(account.id, account.locked_until, account.failed_sign_ins, account.last_attempt_at,
               ACCOUNT_FAILURES)
    if by_subject:
        for row in session.scalars(select(AddressSignIn).where(AddressSignIn.subject.in_(by_subject))):
            closed(by_subject[row.subject], row.locked_until, row.failed_sign_ins, row.last_attempt_at,
                   MAX_FAILURES)
    return ends


def unlock(session, account) -> None:
    """Open the account's sign-in again, everywhere, with fresh counts (the caller's
    transaction saves the account)."""
    account.failed_sign_ins, account.locked_until = 0, None
    session.execute(delete(AddressSignIn).where(
        AddressSignIn.subject == _digest(account.__tablename__, account.id)))


def end_sessions(model, account_id: int) -> None:
    """Raise the account's session serial: every session cookie that names the old one (this
    browser's, a copy of it) signs no one in any more."""
    with session_scope() as session:
        session.execute(update(model).where(model.id == account_id)
                        .values(session_serial=model.session_serial + 1))
