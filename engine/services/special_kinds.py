"""The special procedures an office adds to the law's (Art. 45 names hearings, tests, expert
reviews...; domain: "and locally configured ones such as 现场踏勘"). The administrator adds one,
withdraws it (no new ones start; those that ran keep its name) or restores it."""
import re

from sqlalchemy import select

from engine import clock
from engine.errors import Conflict, Invalid, NotFound
from engine.store import session_scope
from engine.store.db import read_session
from engine.store.models import SpecialProcedureKind, User

from .events import record
from .users import require

CODE = re.compile(r"[a-z][a-z0-9_]{1,31}")
MAX_NAME = 40


def listed(actor: User) -> list[dict]:
    """The law's special procedures, then the office's, each with whether a step may start it."""
    require(actor, "admin")
    with read_session() as session:
        added = session.scalars(select(SpecialProcedureKind).order_by(SpecialProcedureKind.created_at)).all()
    return ([{"code": code, "name": name, "law": True, "active": True}
             for code, name in clock.SPECIAL_KINDS.items() if code not in clock.BY_STEP]
            + [{"code": k.code, "name": k.name, "law": False, "active": k.active} for k in added])


def add(code: str, name: str, actor: User) -> None:
    require(actor, "admin")
    code, name = (code or "").strip(), (name or "").strip()
    if not CODE.fullmatch(code):
        raise Invalid("A special procedure's code is 2 to 32 lower-case letters, digits or underscores, "
                      "beginning with a letter")
    if not 0 < len(name) <= MAX_NAME:
        raise Invalid("A special procedure's name has 1 to %(max)s characters", max=MAX_NAME)
    with session_scope() as session:
        known = clock.special_kinds(session)
        if code in known or name in known.values():
            raise Conflict("There is a special procedure %(code)s or named %(name)s already", code=code, name=name)
        session.add(SpecialProcedureKind(code=code, name=name))
        record(session, "special_kind_added", actor=actor, code=code, name=name)


def set_active(code: str, active: bool, actor: User) -> None:
    """Withdraw or restore one the office added; the law's are always there."""
    require(actor, "admin")
    with session_scope() as session:
        kind = session.get(SpecialProcedureKind, code)
        if kind is None:
            raise NotFound("No special procedure %(code)s was added by the office", code=code)
        if kind.active != active:
            kind.active = active
            record(session, "special_kind_restored" if active else "special_kind_withdrawn", actor=actor,
                   code=code, name=kind.name)
