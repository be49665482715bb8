"""延长审批 (Art. 42): a case's statutory limit lengthened once, by 10 working days on the approval
of the department's head, or 15 for a joint handling's 45 on that of the government's; the
applicant is told why and until when. A statutory limit in calendar days (another statute's) is
lengthened by as many calendar days; one in hours not at all."""
from sqlalchemy.orm import Session

import engine.clock
from engine.clock import units
from engine.clock.levels import refresh_clock
from engine.clock.limits import case_clock, promise_to_applicant, recompute
from engine.clock.rights import running_clock
from engine.errors import Conflict, Invalid
from engine.notices import case_of, notify_applicant
from engine.services import calendars
from engine.services.events import record
from engine.services.users import require
from engine.store import session_scope
from engine.store.models import Clock, User

JOINT_EXTENSION = 15  # Art. 42: a joint handling's 45 days, extended by the government's head
MAX_APPROVAL = 200  # characters saying who approved a joint handling's extension, and on what paper


def extension_limit(session: Session, clock: Clock) -> int:
    """Art. 42: 10 working days; 15 for a joint handling (联办件), whose limit the law sets by how
    the case is handled, not by its length (an item's own law may give 45 days to one department)."""
    case = case_of(session, clock.instance_id)
    return JOINT_EXTENSION if case is not None and case.item.case_type == "joint" else 10


def extend(clock_id: int, days: int, reason: str, approver: User, approval: str = "") -> Clock:
    """延长审批 (Art. 42): once, +10 working days, approved by the head of the department (the
    lead who records it); +15 for joint handling, approved by the head of the government at that
    level (本级人民政府负责人), outside the departments: `approval` says who approved and on what
    paper, and the applicant's notice says so."""
    require(approver, "lead")
    approval = (approval or "").strip()
    with session_scope() as session:
        clock = running_clock(session, clock_id, approver)
        allowed = extension_limit(session, clock)
        if clock.statutory_days is None:  # a step's promised limit: Art. 42 lengthens a statutory one
            raise Conflict("Only a limit set by law can be extended (Art. 42); this one has none")
        if clock.task_id is not None:  # Art. 43's twenty days for a lower level have no extension
            raise Conflict("Art. 42 extends the case's limit, not a step's")
        if clock.extension_days:
            raise Conflict("The limit has already been extended once")
        unit = units.of(clock, "statutory")  # the extension's days are the limit's own
        if unit == units.HOURS:
            raise Conflict("A limit in hours has no extension: Art. 42 extends a limit in days")
        if not 0 < days <= allowed or not reason:
            if unit == units.CALENDAR_DAYS:
                raise Invalid("An extension is 1 to %(days)s days, with a reason", days=allowed)
            raise Invalid("An extension is 1 to %(days)s working days, with a reason", days=allowed)
        if allowed == JOINT_EXTENSION and not 0 < len(approval) <= MAX_APPROVAL:
            raise Invalid("A joint handling's extension is approved by the head of the government at this level "
                          "(Art. 42): say who approved it and the document or record, in at most %(max)s characters",
                          max=MAX_APPROVAL)
        clock.extension_days = days
        recompute(session, clock)
        joint = {"approval": approval} if allowed == JOINT_EXTENSION else {}
        record(session, "clock_extended", actor=approver, instance_id=clock.instance_id, clock_id=clock.id,
               days=days, unit=unit, reason=reason,
               statutory_due=clock.statutory_due and clock.statutory_due.isoformat(), **joint)
        if clock == case_clock(session, clock.instance_id):  # the applicant is told why and until when (Art. 42)
            promise_to_applicant(session, clock)
            notify_applicant(session, clock.instance_id, "extension", approver, days=days, unit=unit, reason=reason,
                             **joint,
                             statutory_due=clock.statutory_due.isoformat(),
                             statutory_provisional=calendars.current().provisional(clock.statutory_due))
        refresh_clock(session, clock, engine.clock.now())
        return clock
