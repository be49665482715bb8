"""Protecting sign-in, for staff (User) and applicants (Applicant) alike.

Password guessing is slowed down twice over. From one network address (an IPv6 client's /64),
an account answers at most MAX_FAILURES wrong passwords in a row, then that address cannot sign
in to it for LOCK_MINUTES, not even with the right password. From all addresses together it
answers at most ACCOUNT_FAILURES, then it is locked for LOCK_MINUTES everywhere except where
the right password was given within TRUSTED: a guesser with many addresses gets that many
guesses a quarter of an hour, and locks the owner out nowhere they have signed in from lately.

Each attempt first takes a place in both counts, in one transaction of conditional statements,
so guesses sent at once to one or several servers are all counted and never more than the
counts allow are checked; the password hash (a tenth of a second by design) is checked outside
any transaction. A right password clears both counts; a count whose last attempt is a day old
(FORGET) starts again. An administrator may lift the locks early (unlock). Signing out ends
every copy of the session cookie (end_sessions).

A name no account has is answered exactly like an account's wrong password (attempt_unknown):
counted in the same ways, locked after as many, its counts forgotten after the same day, and a
password hash checked, so neither the answers nor their time tell a guesser which names exist.

A password someone else gives an account (an administrator to staff, the window to an applicant)
is temporary: it signs in for TEMPORARY_DAYS, and only to the page where the person chooses their
own (the web layer sends them there), since whoever gave it knows it.
"""
import hashlib
import ipaddress
import secrets
from datetime import datetime, timedelta, timezone
from functools import cache
from typing import NamedTuple

from sqlalchemy import and_, case, delete, or_, select, true, update
from sqlalchemy.dialects import postgresql, sqlite
from werkzeug.security import check_password_hash, generate_password_hash

from engine.errors import Conflict, Invalid, Message, TooManyAttempts
from engine.store import session_scope
from engine.store.db import uses_postgres
from engine.store.models import AddressSignIn, Applicant, UnknownSignIn, utcnow

MAX_FAILURES = 5  # from one address
ACCOUNT_FAILURES = 20  # from every address together
LOCK_MINUTES = 15
MIN_PASSWORD = 8  # characters, for staff and applicants alike
FORGET = timedelta(days=1)  # a count whose last attempt is this old starts again
CODE_GUESSES = 10  # wrong one-time codes in a row from one address (a rating code: guess())
TRUSTED = timedelta(days=30)  # an address signed in from lately is the owner's (_trusted)
TEMPORARY_DAYS = 3
TEMPORARY_LENGTH = 10
# Read aloud and copied by hand: no 0/O, 1/I/L.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
# A drawn password is random (about 50 bits) and lives TEMPORARY_DAYS: a 32nd of a chosen one's
# scrypt work guards it as well against a stolen hash, and gives a roster of hundreds their
# passwords in seconds, not minutes. Its check is topped up with the decoy's (_judge), so the
# time of a sign-in does not tell which accounts were given one.
DRAWN_METHOD = "scrypt:1024:8:1"


def password_problem(password) -> Message | None:
    """What is wrong with a new password, or None (staff and applicants alike)."""
    if not isinstance(password, str) or len(password) < MIN_PASSWORD:
        return Message("The password needs at least %(length)s characters", length=MIN_PASSWORD)
    return None


def check_new_password(password) -> None:
    if (wrong := password_problem(password)) is not None:
        raise Invalid(wrong)


def give_password(account, password: str, *, temporary: bool = False) -> None:
    """The account's password from now on (checked first): its own, ending a temporary one, or
    `temporary`, given by someone else. The sessions signed in with the old one end. The
    caller's transaction saves the account."""
    check_new_password(password)
    _store(account, generate_password_hash(password), temporary)


def give_drawn_password(account) -> str:
    """A temporary password drawn at random for the account (as give_password gives one);
    returned to be handed over, never kept."""
    password = "".join(secrets.choice(ALPHABET) for _ in range(TEMPORARY_LENGTH))
    _store(account, generate_password_hash(password, method=DRAWN_METHOD), True)
    return password


def _store(account, password_hash: str, temporary: bool) -> None:
    account.password_hash = password_hash
    account.temporary_until = utcnow() + timedelta(days=TEMPORARY_DAYS) if temporary else None
    account.session_serial = (account.session_serial or 0) + 1  # a new account has none before its insert


def temporary_expired(account) -> bool:
    """Whether the account's temporary password is past its time (the pages say so too)."""
    return account.temporary_until is not None and account.temporary_until < utcnow()


def check_not_expired(account) -> None:
    """Refuse a temporary password past its time, the right one too (it tells a guesser nothing),
    saying who gives a new one."""
    if temporary_expired(account):
        if isinstance(account, Applicant):
            raise Conflict("The temporary password the window gave has expired; ask the window for a new one")
        raise Conflict("The temporary password has expired; ask an administrator for a new one")


def check_current_password(account, current: str, new: str, address: str | None) -> None:
    """Someone changing their own password proves it is theirs (a wrong one counts as a wrong
    sign-in from `address`) and chooses another one (the window's temporary one above all: the
    clerk has seen it)."""
    if not account.password_hash or not attempt(account, current or "", address):
        raise Invalid("The current password is not right")
    if new == current:
        raise Invalid("The new password must differ from the current one")


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
    whole = (update(model).where(model.id == account.id, _open(model, now, ACCOUNT_FAILURES))
             .values(failed_sign_ins=_counted(model, now), last_attempt_at=now).returning(model.failed_sign_ins))
    counts = _take_places(_digest(model.__tablename__, account.id), address, now, (model, account.id, whole))
    return _judge(account.password_hash, password, now, counts)


def attempt_unknown(scope: str, name: str, password: str, address: str | None = None) -> bool:
    """A sign-in under a name no account of `scope` ("staff", "applicant") has, or one that
    cannot sign in: False, after counting it as attempt() counts an account's, and checking a
    hash as long to check as an account's. Raises TooManyAttempts as attempt() would."""
    now, subject = datetime.now(timezone.utc), _digest(scope, name)
    whole = _place_in(UnknownSignIn, subject, now, ACCOUNT_FAILURES)
    counts = _take_places(subject, address, now, (UnknownSignIn, subject, whole))
    return _judge(_decoy_hash(), password, now, counts)


def guess(scope: str, address: str | None, right) -> bool:
    """A guess at a one-time code of `scope` (a rating code, engine/rating_codes.py) from
    `address`, counted as wrong passwords are there: CODE_GUESSES wrong ones in a row and the
    address waits LOCK_MINUTES (TooManyAttempts, before `right` is asked). `right()` looks the
    code up; a right one gives its place back, so that applicants sharing an address (a hall's
    network) close it only by slips outnumbering their ratings by CODE_GUESSES."""
    now, key = datetime.now(timezone.utc), _digest(scope, _network(address))
    with session_scope() as session:
        place = session.execute(_place_in(AddressSignIn, key, now, CODE_GUESSES, subject=_digest(scope))).scalar()
    _placed(place, Message("Too many wrong codes from here: try again in up to %(minutes)s minutes",
                           minutes=LOCK_MINUTES))
    found = right()
    if found or place >= CODE_GUESSES:
        back = ({"failed_sign_ins": AddressSignIn.failed_sign_ins - 1} if found else
                {"failed_sign_ins": 0, "locked_until": now + timedelta(minutes=LOCK_MINUTES)})
        with session_scope() as session:
            session.execute(update(AddressSignIn).where(AddressSignIn.id == key).values(**back))
    return found


def _digest(*parts) -> str:
    return hashlib.sha256(":".join(str(p) for p in parts).encode()).hexdigest()


def _network(address: str | None) -> str | None:
    """What a guesser is counted by: an IPv4 address, or an IPv6 client's whole /64, which is
    all its own (one count per IPv6 address would give it billions)."""
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return address or None
    if ip.version == 4:
        return str(ip)
    if ip.ipv4_mapped:  # ::ffff:a.b.c.d is the IPv4 client a.b.c.d
        return str(ip.ipv4_mapped)
    return str(ipaddress.ip_network(f"{ip}/64", strict=False))


def _take_places(subject: str, address: str | None, now, whole) -> list:
    """Take a place in the count of `subject` at the address, then, unless the account was
    signed in to from there lately (_trusted), in its count from every address: `whole` is
    (model, key, the statement that takes it). Returns [(model, (key, place, limit))]; raises
    TooManyAttempts when a count is closed, inside the transaction: what it took is given back."""
    near = _digest(subject, _network(address))
    with session_scope() as session:
        place = session.execute(_place_in(AddressSignIn, near, now, MAX_FAILURES, subject=subject)).scalar()
        _placed(place)
        counts = [(AddressSignIn, (near, place, MAX_FAILURES))]
        if not _trusted(session, near, now):
            model, key, statement = whole
            place = session.execute(statement).scalar()
            _placed(place)
            counts.append((model, (key, place, ACCOUNT_FAILURES)))
    return counts


def _place_in(model, key: str, now, limit: int, **columns):
    """The statement that takes a place in the count of the row `key`, made on the first
    attempt, returning the place's number (none when the row is full or locked)."""
    insert = (postgresql if uses_postgres() else sqlite).insert
    return (insert(model).values(id=key, failed_sign_ins=1, last_attempt_at=now, **columns)
            .on_conflict_do_update(index_elements=[model.id], where=_open(model, now, limit),
                                   set_={"failed_sign_ins": _counted(model, now), "last_attempt_at": now})
            .returning(model.failed_sign_ins))


def _trusted(session, key: str, now) -> bool:
    """Whether the right password was given at this address within TRUSTED: the owner's own
    place, where a guesser's count from elsewhere does not lock them out (the address's own
    count still does). A guesser, not knowing the password, makes no address trusted."""
    signed_in = session.scalar(select(AddressSignIn.signed_in_at).where(AddressSignIn.id == key))
    return signed_in is not None and signed_in > now - TRUSTED


def _placed(place, refusal: Message | None = None) -> None:
    if place is None:
        raise TooManyAttempts(refusal or Message("Too many wrong passwords: signing in is closed for up to "
                                                 "%(minutes)s minutes", minutes=LOCK_MINUTES))


def _judge(password_hash: str, password: str, now, counts) -> bool:
    """Check the password of an attempt that took a place in each of `counts`: a right one
    clears them and trusts the address; a wrong one locks those it filled."""
    right = check_password_hash(password_hash, password)
    if password_hash.startswith(DRAWN_METHOD + "$"):
        check_password_hash(_decoy_hash(), password)  # as long as a chosen password's check
    until = None if right else now + timedelta(minutes=LOCK_MINUTES)
    closing = [(model, key) for model, (key, number, limit) in counts if right or number >= limit]
    if closing:
        with session_scope() as session:
            for model, key in closing:
                trusted = {"signed_in_at": now} if right and model is AddressSignIn else {}
                session.execute(update(model).where(model.id == key)
                                .values(failed_sign_ins=0, locked_until=until, **trusted))
    return right


@cache
def _decoy_hash() -> str:
    return generate_password_hash(secrets.token_urlsafe(32))


def forget_old_counts() -> int:
    """Drop the counts of names no account has, and of addresses, whose last attempt is FORGET
    old (they would start again by then). Run by the scheduler, not in a sign-in, which then
    costs the same whatever the name; rows another transaction holds are left for the next run."""
    now, dropped = datetime.now(timezone.utc), 0
    kept = {UnknownSignIn: true(), AddressSignIn: or_(AddressSignIn.signed_in_at.is_(None),
                                                      AddressSignIn.signed_in_at < now - TRUSTED)}
    with session_scope() as session:
        for model, untrusted in kept.items():
            stale = select(model.id).where(model.last_attempt_at < now - FORGET, untrusted)
            dropped += session.execute(delete(model).where(
                model.id.in_(stale.with_for_update(skip_locked=True)))).rowcount
    return dropped


class Lock(NamedTuple):
    until: datetime
    everywhere: bool  # else only at some addresses (a guesser's, or the owner's own typing)


def lock_ends(session, accounts) -> dict[int, Lock]:
    """account id -> until when signing in is closed, for those of `accounts` (of one model)
    closed now, everywhere or at some address: locked for a while, or every place in a count
    taken within the last FORGET (attempts still being checked, or cut short by a crash)."""
    now, locks = datetime.now(timezone.utc), {}

    def closed(account_id, row, limit, everywhere):
        if row.locked_until is not None and row.locked_until > now:
            until = row.locked_until
        elif row.failed_sign_ins >= limit and (row.last_attempt_at is None or row.last_attempt_at > now - FORGET):
            until = (row.last_attempt_at or now) + FORGET
        else:
            return
        known = locks.get(account_id)
        # A lock everywhere is the one the person meets; of two alike, the later end.
        if known is None or (everywhere, until) > (known.everywhere, known.until):
            locks[account_id] = Lock(until, everywhere)
    by_subject = {}
    for account in accounts:
        by_subject[_digest(account.__tablename__, account.id)] = account.id
        closed(account.id, account, ACCOUNT_FAILURES, True)
    if by_subject:
        for row in session.scalars(select(AddressSignIn).where(AddressSignIn.subject.in_(by_subject))):
            closed(by_subject[row.subject], row, MAX_FAILURES, False)
    return locks


def unlock(session, account) -> None:
    """Open the account's sign-in again, everywhere, with fresh counts (the caller's
    transaction saves the account). The address rows go first, as attempt() takes them first:
    the other order could deadlock with a sign-in under way."""
    session.execute(delete(AddressSignIn).where(
        AddressSignIn.subject == _digest(account.__tablename__, account.id)))
    account.failed_sign_ins, account.locked_until = 0, None


def end_sessions(model, account_id: int) -> None:
    """Raise the account's session serial: every session cookie that names the old one (this
    browser's, a copy of it) signs no one in any more."""
    with session_scope() as session:
        session.execute(update(model).where(model.id == account_id)
                        .values(session_serial=model.session_serial + 1))
