"""The special procedures: the law's (Art. 45 names hearings, tests, expert reviews...) and those
an office adds (domain: "and locally configured ones such as 现场踏勘"). The administrator adds
one, withdraws it (no new ones start; those that ran keep its name) or restores it."""
import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.errors import Conflict, Invalid, NotFound
from engine.store import session_scope
from engine.store.db import read_session
from engine.store.models import SpecialProcedureKind, User

from .events import record
from .users import require

CODE = re.compile(r"[a-z][a-z0-9_]{1,31}")
MAX_NAME = 40
# Art. 45's special procedures, and the applicant's own waits. Others (现场踏勘, 公示) stop the
# clock only where a local rule says so: the office adds them (SpecialProcedureKind).
SPECIAL_KINDS = {"hearing": "听证", "bidding": "招标", "auction": "拍卖", "testing": "检验检测",
                 "quarantine": "检疫", "appraisal": "鉴定", "expert_review": "专家评审",
                 "correction": "申请人补正", "payment": "申请人缴纳税费"}
# Waiting for the applicant, with a notice of its own: started and ended by the step, not by hand.
BY_STEP = ("correction", "payment")


def names(session: Session, *, startable: bool = False) -> dict[str, str]:
    """The special procedures by code and name (all_kinds): to name one that ran, every kind; to
    start one (startable), those a step may start."""
    return {code: name for code, (name, may_start) in all_kinds(session).items() if may_start or not startable}


def all_kinds(session: Session) -> dict[str, tuple[str, bool]]:
    """Every special procedure by code: its name and whether a step may start one. The law's
    (SPECIAL_KINDS) may, but for those a step starts itself (BY_STEP); then those the office added
    (SpecialProcedureKind), unless it withdrew them."""
    added = select(SpecialProcedureKind.code, SpecialProcedureKind.name, SpecialProcedureKind.active)
    return {**{code: (name, code not in BY_STEP) for code, name in SPECIAL_KINDS.items()},
            **{code: (name, active) for code, name, active in session.execute(added.order_by(SpecialProcedureKind.created_at))}}


def kind_names() -> dict[str, tuple[str, bool]]:
    """all_kinds, for a page."""
    with read_session() as session:
        return all_kinds(session)


def listed(actor: User) -> list[dict]:
    """The law's special procedures, then the office's, each with whether a step may start it."""
    require(actor, "admin")
    return [{"code": code, "name": name, "law": code in SPECIAL_KINDS, "active": may_start}
            for code, (name, may_start) in kind_names().items() if code not in BY_STEP]


def add(code: str, name: str, actor: User) -> None:
    require(actor, "admin")
    code, name = (code or "").strip(), (name or "").strip()
    if not CODE.fullmatch(code):
        raise Invalid("A special procedure's code is 2 to 32 lower-case letters, digits or underscores, "
                      "beginning with a letter")
    if not 0 < len(name) <= MAX_NAME:
        raise Invalid("A special procedure's name has 1 to %(max)s characters", max=MAX_NAME)
    with session_scope() as session:
        known = names(session)
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
