"""Applicants' passwords: changing one's own, and the window's temporary password.

There is no text-message gateway, so an applicant who forgot their password, or whose record the
window made without one, goes to the window: the clerk sees their identity document and gives a
temporary password, which signs in for signin.TEMPORARY_DAYS and only to choose their own
(web/portal makes them). The window sees the password once; only its hash is kept.
"""
from sqlalchemy import or_, select

from engine import signin
from engine.errors import Conflict
from engine.services.events import record
from engine.services.users import require
from engine.store import session_scope
from engine.store.db import fetch, read_session
from engine.store.models import Applicant, User

FOUND_AT_MOST = 20


def change_password(applicant_id: int, current: str, new: str, address: str | None = None) -> Applicant:
    """The applicant replaces their password (the window's temporary one, or their own), giving
    the current one. Other sessions end; returns the applicant to sign in again."""
    with read_session() as session:
        applicant = fetch(session, Applicant, applicant_id, "applicant")
    signin.check_current_password(applicant, current, new, address)
    signin.check_not_expired(applicant)  # a session opened with it before its time ran out
    with session_scope() as session:
        applicant = session.get(Applicant, applicant_id)
        signin.give_password(applicant, new)
        record(session, "applicant_password_changed", applicant_id=applicant.id)
        return applicant


def reset_password(actor: User, applicant_id: int, seen_serial: int | None = None) -> str:
    """The window, having seen the applicant's identity document, gives a temporary password
    (it also opens an online account for a record the window made): their sessions end and a
    sign-in lock is lifted. Returns the password, to be handed over; it is not kept.

    `seen_serial` is the account's session serial on the page the clerk acted from: a reset, a
    password change or a sign-out since raises it, so the page sent again (a reload) resets
    nothing a second time."""
    with session_scope() as session:
        require(actor, "clerk")
        applicant = fetch(session, Applicant, applicant_id, "applicant")
        if seen_serial is not None and seen_serial != applicant.session_serial:
            raise Conflict("This account has changed since the page was opened (a password given or changed): "
                           "look the applicant up again")
        opened = applicant.password_hash is None
        password = signin.give_drawn_password(applicant)
        signin.unlock(session, applicant)
        record(session, "applicant_password_reset", actor=actor, applicant_id=applicant.id, opened=opened)
    return password


def find(actor: User, text: str) -> list[Applicant]:
    """The window looks an applicant up by ID number, phone or name (exact)."""
    require(actor, "clerk")
    text = (text or "").strip()
    if not text:
        return []
    with read_session() as session:
        return list(session.scalars(select(Applicant).where(or_(
            Applicant.id_number == text.upper(), Applicant.phone == text, Applicant.name == text))
            .order_by(Applicant.id).limit(FOUND_AT_MOST)))
