"""Protecting sign-in, for staff (User) and applicants (Applicant) alike.

Password guessing is slowed down: after MAX_FAILURES wrong passwords in a row, an account cannot
sign in for LOCK_MINUTES, not even with the right password. The count is raised in the database
(one UPDATE), so guesses sent to several servers at once are all counted; a right password
clears it. Signing out ends every copy of the session cookie (end_sessions).
"""
from datetime import datetime, timedelta, timezone

from sqlalchemy import update
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash

from engine.errors import TooManyAttempts
from engine.store import session_scope

MAX_FAILURES = 5
LOCK_MINUTES = 15


def check(session: Session, account, password: str) -> bool:
    """Whether `password` is the account's (a User or an Applicant, with a password); counts a
    wrong one. Raises TooManyAttempts while the account is locked."""
    now = datetime.now(timezone.utc)
    if account.locked_until is not None and account.locked_until > now:
        raise TooManyAttempts(f"Too many wrong passwords: signing in is closed until "
                              f"{account.locked_until:%H:%M} UTC")
    model = type(account)
    if check_password_hash(account.password_hash, password):
        if account.failed_sign_ins or account.locked_until:
            account.failed_sign_ins, account.locked_until = 0, None
        return True
    failures = session.execute(update(model).where(model.id == account.id)
                               .values(failed_sign_ins=model.failed_sign_ins + 1)
                               .returning(model.failed_sign_ins)).scalar_one()
    if failures >= MAX_FAILURES:
        session.execute(update(model).where(model.id == account.id)
                        .values(failed_sign_ins=0, locked_until=now + timedelta(minutes=LOCK_MINUTES)))
    return False


def end_sessions(model, account_id: int) -> None:
    """Raise the account's session serial: every session cookie that names the old one (this
    browser's, a copy of it) signs no one in any more."""
    with session_scope() as session:
        session.execute(update(model).where(model.id == account_id)
                        .values(session_serial=model.session_serial + 1))
