"""Who may work on a task: its lane is a group (a department or a role); a task outside any
lane is open to every reviewer; a step its head decides (lead_only), to those of the group with
the lead role. As a test of one task, and as a condition on the tasks table."""
from sqlalchemy import Boolean, and_, bindparam, literal, or_, select

from engine.store.db import read_session
from engine.services.users import works_steps
from engine.store.models import ROLES, Department, Task, User

_tasks = Task.__table__


def may_work_on(actor: User, task: Task) -> bool:
    """Lane = group. A task outside any lane is open to every reviewer."""
    return may_work_in(actor, task.group, task.lead_only)


def may_work_in(actor: User, group: str | None, lead_only: bool = False) -> bool:
    """may_work_on for a task in this group (a transfer asks it before the task moves there)."""
    if actor.has_role("admin"):
        return True
    if lead_only and not actor.has_role("lead"):
        return False
    if group is None:
        return actor.has_role("reviewer") or actor.has_role("lead")
    return group in actor.groups


def may_be_sent(person: User, group: str, lead_only: bool = False) -> bool:
    """Whether a step in this group may be sent to the person (转办): they work steps by a role of
    their own and the lane is theirs. Unlike may_work_in, administering is no reason: an
    administrator may step in anywhere, but is sent nothing."""
    return works_steps(person) and group in person.groups and (not lead_only or "lead" in person.roles)


def known_groups() -> dict[str, str]:
    """Every group a lane can name today, code -> name: each role (by its code) and department."""
    with read_session() as session:
        departments = dict(session.execute(select(Department.code, Department.name)).all())
    return {**{role: role for role in ROLES}, **departments}


def _in_lane(every_lane, groups, open_lane, lead):
    """may_work_on as a condition on the tasks table."""
    return or_(every_lane, and_(or_(_tasks.c.group.in_(groups), and_(_tasks.c.group.is_(None), open_lane)),
                                or_(_tasks.c.lead_only.is_(False), lead)))


def lane_params(actor: User) -> dict:
    return {"every_lane": actor.has_role("admin"), "groups": sorted(actor.groups),
            "open_lane": actor.has_role("reviewer") or actor.has_role("lead"), "lead": actor.has_role("lead")}


def workable(actor: User):
    """may_work_on as a condition on the tasks table, for this actor."""
    lane = lane_params(actor)
    return _in_lane(literal(lane["every_lane"]), lane["groups"], literal(lane["open_lane"]), literal(lane["lead"]))


# The same, its actor given as parameters (lane_params): built once, for the claim's statement.
IN_LANE = _in_lane(bindparam("every_lane", type_=Boolean), bindparam("groups", expanding=True),
                   bindparam("open_lane", type_=Boolean), bindparam("lead", type_=Boolean))
