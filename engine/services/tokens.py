"""API tokens: a system that calls the API (the province's platform, a report job) signs in as a
user with a token. Administrators issue, list and revoke them; only a digest of each is kept, so
a token is shown once, when it is issued.
"""
import hashlib
import secrets
from datetime import datetime, timedelta, timezone

from sqlalchemy import select, update

from engine.errors import Conflict, Invalid, NotFound, Unauthenticated
from engine.store import session_scope
from engine.store.db import read_session
from engine.store.models import ApiToken, User

from .events import record
from .users import find_user, require

# A token's last use is written at most this often: a write on every call would make each API
# request a write transaction.
TOUCH_EVERY = timedelta(minutes=10)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(login: str, *, label: str | None = None, actor: User | None = None) -> str:
    """A new token for the user, printed or shown once. The command line has no actor."""
    label = (label or "").strip() or None
    if label and len(label) > 200:
        raise Invalid("A token's label has at most 200 characters")
    token = secrets.token_urlsafe(32)
    with session_scope() as session:
        if actor is not None:
            require(actor, "admin")
        user = find_user(session, login)
        if not user.active:
            raise Conflict("No token was issued: %(login)s is deactivated (reactivate them first)", login=login)
        row = ApiToken(user_id=user.id, token_hash=_digest(token), label=label)
        session.add(row)
        session.flush()
        record(session, "token_issued", actor=actor, login=login, token_id=row.id, label=label)
    return token


def may_issue(login: str, actor: User | None = None) -> bool:
    """Whether issue_token would issue the user one: not while they are deactivated, so the page
    offers no form that can only be refused."""
    with read_session() as session:
        if actor is not None:
            require(actor, "admin")
        return find_user(session, login).active


def list_tokens(login: str, actor: User | None = None) -> list[dict]:
    with read_session() as session:
        if actor is not None:
            require(actor, "admin")
        user = find_user(session, login)
        rows = session.scalars(select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id))
        return [{"id": t.id, "label": t.label, "created_at": t.created_at, "last_used_at": t.last_used_at}
                for t in rows]


def revoke_token(login: str, token_id: int, actor: User | None = None) -> str | None:
    """Revoke one of the user's tokens: the next call made with it is refused. Its label."""
    with session_scope() as session:
        if actor is not None:
            require(actor, "admin")
        row = session.get(ApiToken, token_id)
        if row is None or row.user.login != login:  # a number copied from another user's list
            raise NotFound("%(login)s has no API token %(token)s", login=login, token=token_id)
        session.delete(row)
        record(session, "token_revoked", actor=actor, token_id=token_id, login=login, label=row.label)
        return row.label


def user_for_token(token: str) -> User:
    with read_session() as session:
        row = session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(token)))
        if row is None or not row.user.active:
            raise Unauthenticated("Invalid or revoked API token")
        user, last_used = row.user, row.last_used_at
    now = datetime.now(timezone.utc)
    if last_used is None or now - last_used >= TOUCH_EVERY:
        with session_scope() as session:
            session.execute(update(ApiToken).where(ApiToken.id == row.id).values(last_used_at=now))
    return user
