"""评价码: rating a closed case without signing in, from the applicant's own phone.

The notice that closes a case (批复材料签收单, 不予受理通知书, 终止办理告知书) carries a one-time code,
as text and as a QR code of the rating page's address; at the window the clerk turns a screen
showing it to the applicant (现场评价), who opens it with their own phone. The code is its case's
alone, lasts DAYS days and rates once, through the case's one rating (ratings.record_rating: a bad
one rectified as any other), given on channel `qr` (二维码). A code no case has counts against the
address it came from (engine/signin.guess); the window gives a new code for a case whose code
expired unused.

What a code proves is that its holder has the paper or saw the screen: the pages refuse to rate
in a browser where staff are signed in, so the clerk's own screen cannot choose for the applicant,
but a clerk who copied the code onto a device of their own could.
"""
import secrets
from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from engine import ratings, signin
from engine.errors import Conflict, Invalid, Message, NotFound
from engine.services.events import record_case
from engine.services.users import require
from engine.store import session_scope
from engine.store.db import fetch, locked, read_session
from engine.store.models import Case, RatingCode, Rectification, User

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # read off paper: no 0 or O, no 1 or I
LENGTH = 10  # 50 bits
DAYS = 7  # how long a code rates
GUESSES = "rating_code"  # the count of wrong codes by address (engine/signin.guess)
EXPIRED = Message("This rating code has expired: the window can give a new one")


def shown(code: str) -> str:
    """As the notice prints it: two groups of five."""
    return f"{code[:5]}-{code[5:]}"


def issue(session, case: Case, actor: User | None) -> dict:
    """A new code for the case, replacing any earlier one (whose print then rates no more), in the
    caller's transaction; returns what its notice prints."""
    now = datetime.now(timezone.utc)
    row = session.scalar(select(RatingCode).where(RatingCode.case_id == case.id)) or RatingCode(case_id=case.id)
    row.code = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    row.issued_by, row.issued_at, row.expires_at, row.used_at = (actor.id if actor else None, now,
                                                                  now + timedelta(days=DAYS), None)
    session.add(row)
    session.flush()
    record_case(session, "rating_code_issued", case, actor=actor, expires_at=row.expires_at.isoformat())
    return {"rating_code": row.code, "rating_until": row.expires_at.isoformat()}


def without_code(notice_data: dict) -> dict:
    """A notice's facts without the rating code it printed, for whoever is not its applicant or the
    window (the department a rating is about must not hold its code)."""
    return {k: v for k, v in notice_data.items() if k not in ("rating_code", "rating_until")}


def live(row: RatingCode | None) -> bool:
    return row is not None and row.used_at is None and row.expires_at > datetime.now(timezone.utc)


def at_window(case_id: int, actor: User) -> tuple[Case, RatingCode | None]:
    """现场评价: the case and its code, if it still rates, for the screen the clerk turns to the
    applicant."""
    require(actor, "clerk")
    with read_session() as session:
        case = fetch(session, Case, case_id, "case")
        row = session.scalar(select(RatingCode).where(RatingCode.case_id == case_id))
        return case, row if live(row) and case.rating is None else None


def reissue(case_id: int, actor: User) -> None:
    """A new code for a closed case not yet rated whose code expired unused (or that closed before
    codes were printed): the applicant is at the window."""
    require(actor, "clerk")
    with session_scope() as session:
        case = locked(session, Case, case_id)
        if case is None:
            raise NotFound("No case %(case)s", case=case_id)
        if case.status not in ratings.CLOSED:
            raise Conflict("A case can be rated only once it is closed")
        if case.rating is not None:
            raise Conflict("This case has been rated already; a case is rated only once")
        if live(session.scalar(select(RatingCode).where(RatingCode.case_id == case_id))):
            raise Conflict("The case's rating code is still valid: show it to the applicant")
        issue(session, case, actor)


def typed(code: str) -> str:
    """The code as stored, from what was typed (any case, with or without its hyphen and spaces)."""
    code = "".join((code or "").split()).replace("-", "").upper()
    if len(code) != LENGTH or set(code) - set(ALPHABET):
        raise Invalid("A rating code is ten letters and digits, as printed on the notice")
    return code


def _known(code: str, address: str | None) -> None:
    """Refuse a code no case has, counting it against the address."""
    def right() -> bool:
        with read_session() as session:
            return session.scalar(select(RatingCode.id).where(RatingCode.code == code)) is not None
    if not signin.guess(GUESSES, address, right):
        raise NotFound("No case has the rating code %(code)s: check it against the notice", code=shown(code))


def _usable(row: RatingCode | None, case: Case | None) -> None:
    if row is None:  # replaced by the window's new one since it was looked up
        raise Conflict(EXPIRED)
    if case.rating is not None or row.used_at is not None:
        raise Conflict("This case has been rated already; a case is rated only once")
    if not live(row):
        raise Conflict(EXPIRED)


def find(code: str, address: str | None) -> Case:
    """The case a code rates, for its page; refused as rate() would refuse it."""
    code = typed(code)
    _known(code, address)
    with read_session() as session:
        row = session.scalar(select(RatingCode).where(RatingCode.code == code))
        case = session.get(Case, row.case_id) if row is not None else None
        _usable(row, case)
        return case


def rate(code: str, level: int, text: str, concerns: str | None, address: str | None) -> Rectification | None:
    """The case's rating by its code, which then rates no more; returns the rectification a bad
    rating opens, else None."""
    code = typed(code)
    _known(code, address)
    with session_scope() as session:
        found = session.execute(select(RatingCode.id, RatingCode.case_id).where(RatingCode.code == code)).first()
        case = locked(session, Case, found.case_id) if found is not None else None  # the case first, as any rating
        row = session.get(RatingCode, found.id) if case is not None else None
        _usable(row, case)
        rectification = ratings.record_rating(session, case, level, text, concerns, "qr")
        row.used_at = datetime.now(timezone.utc)
        return rectification
