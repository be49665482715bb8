"""The administrator's operations: suspending, the organisation, what is deployed, closure days.

A suspended definition starts no new instances; running ones carry on. A suspended instance
takes no step and no claim, and its BPMN timers wait (state "suspended") until it is resumed;
a timer that fell due meanwhile fires at the next tick after resuming. Its case clocks keep
running: suspension is an administrative hold, not one of the law's special procedures.
"""
from datetime import date, datetime, timezone
from pathlib import PurePath

from sqlalchemy import and_, func, or_, select, update

from engine import signin
from engine.errors import Conflict, Invalid, NotFound, state_name
from engine.store import session_scope
from engine.store.models import (Case, Closure, Definition, Deployment, Department, Instance,
                                 Task, Timer, User)

from .deploy import find_definition
from .cases import lock_instance
from .events import event_row, record, record_all
from .lanes import may_work_on
from .users import (check_department, check_department_name, check_roles, ensure_department, find_user, require,
                    revoke_tokens)


def definitions_overview(actor: User) -> list[dict]:
    """Every version of every definition with how many of its instances are in each state."""
    require(actor, "admin")
    with session_scope() as session:
        counts = {}
        for definition_id, state, n in session.execute(
                select(Instance.definition_id, Instance.state, func.count())
                .group_by(Instance.definition_id, Instance.state)):
            counts.setdefault(definition_id, {})[state] = n
        rows = session.scalars(select(Definition).order_by(Definition.kind, Definition.key,
                                                          Definition.version.desc()))
        return [{"id": d.id, "kind": d.kind, "key": d.key, "version": d.version, "name": d.name,
                 "filename": d.filename, "deployed_at": d.deployed_at, "suspended": d.suspended,
                 "instances": counts.get(d.id, {})} for d in rows]


def deployments(actor: User, limit: int = 50) -> list[dict]:
    require(actor, "admin")
    with session_scope() as session:
        logins = dict(session.execute(select(User.id, User.login)).all())
        made = {}
        for deployment_id, key, version in session.execute(
                select(Definition.deployment_id, Definition.key, Definition.version)):
            made.setdefault(deployment_id, []).append(f"{key} v{version}")
        return [{"id": d.id, "at": d.deployed_at, "by": logins.get(d.deployed_by),
                 "files": [PurePath(f).name for f in d.files],
                 "definitions": made.get(d.id, [])}
                for d in session.scalars(select(Deployment).order_by(Deployment.id.desc()).limit(limit))]


def set_definition_suspended(key: str, version: int, suspended: bool, actor: User) -> None:
    require(actor, "admin")
    with session_scope() as session:
        definition = find_definition(session, key, version)
        if definition.suspended == suspended:
            return
        definition.suspended = suspended
        record(session, "definition_suspended" if suspended else "definition_resumed", actor=actor,
               key=key, version=version)


def instances(actor: User, *, key: str | None = None, state: str | None = None,
              limit: int = 200) -> list[dict]:
    require(actor, "admin")
    # With its procedure's name, and where to look at it: its case, else its newest task.
    newest_task = select(func.max(Task.id)).where(Task.instance_id == Instance.id).scalar_subquery()
    with session_scope() as session:
        query = (select(Instance, Definition.name, Case.id, newest_task)
                 .join(Definition, Definition.id == Instance.definition_id)
                 .outerjoin(Case, Case.instance_id == Instance.id).order_by(Instance.id.desc()).limit(limit))
        if key:
            query = query.where(Instance.key == key)
        if state:
            query = query.where(Instance.state == state)
        return [{"id": i.id, "key": i.key, "version": i.version, "name": name, "business_key": i.business_key,
                 "state": i.state, "updated_at": i.updated_at, "error": i.error, "case_id": case_id,
                 "task_id": task_id}
                for i, name, case_id, task_id in session.execute(query)]


def suspend_instance(instance_id: int, reason: str, actor: User) -> str:
    """Hold the case's procedure (and its timers) still; returns what people call it: its
    business key (the case number), else its id."""
    require(actor, "admin")
    if not reason or not reason.strip():
        raise Invalid("Say why the case is suspended")
    with session_scope() as session:
        instance = lock_instance(session, instance_id)
        if instance.state != "running":
            raise Conflict("Instance %(instance)s is %(state)s, not running", instance=instance_id,
                           state=state_name(instance.state))
        instance.state = "suspended"  # bumps the revision: a step that read it before is refused
        instance.updated_at = datetime.now(timezone.utc)
        # Its timers wait with it: the procedure's, and the case's date for deferred (容缺)
        # materials, which would otherwise end the case while nobody may act on it.
        waiting = or_(and_(Timer.instance_id == instance_id, Timer.kind == "bpmn"),
                      and_(Timer.case_id.in_(_case_of(instance_id)), Timer.kind == "deferred"))
        session.execute(update(Timer).where(waiting, Timer.state == "pending").values(state="suspended"))
        record(session, "instance_suspended", actor=actor, instance_id=instance_id, reason=reason.strip())
        return instance.business_key or str(instance_id)


def _case_of(instance_id: int):
    """The case behind the procedure, as a subquery (a designer's trial run has none)."""
    return select(Case.id).where(Case.instance_id == instance_id)


def resume_instance(instance_id: int, actor: User) -> str:
    """The procedure goes on; returns its business key, else its id (as suspend_instance)."""
    require(actor, "admin")
    with session_scope() as session:
        instance = lock_instance(session, instance_id)
        if instance.state != "suspended":
            raise Conflict("Instance %(instance)s is %(state)s, not suspended", instance=instance_id,
                           state=state_name(instance.state))
        instance.state, instance.updated_at = "running", datetime.now(timezone.utc)
        session.execute(update(Timer).where(or_(Timer.instance_id == instance_id,
                                                Timer.case_id.in_(_case_of(instance_id))),
                                            Timer.state == "suspended").values(state="pending"))
        record(session, "instance_resumed", actor=actor, instance_id=instance_id)
        return instance.business_key or str(instance_id)


def users_and_departments(actor: User) -> tuple[list[User], list[Department], dict]:
    """Every user, every department, and when sign-in opens again for the users locked out
    (signin.lock_ends)."""
    require(actor, "admin")
    with session_scope() as session:
        people = list(session.scalars(select(User).order_by(User.login)))
        return (people, list(session.scalars(select(Department).order_by(Department.code))),
                signin.lock_ends(session, people))


def add_department(code: str, name: str, actor: User) -> None:
    require(actor, "admin")
    code, name = (code or "").strip(), (name or "").strip()
    if not code or not name:
        raise Invalid("A department needs a code and a name")
    check_department(code, name)
    with session_scope() as session:
        if session.scalar(select(Department).where(Department.code == code)):
            raise Invalid("Department %(code)s already exists", code=repr(code))
        _name_free(session, name)
        ensure_department(session, code, name)
        record(session, "department_created", actor=actor, code=code, name=name)


def rename_department(code: str, name: str, actor: User) -> None:
    """A department's name (its code stays: lanes and tasks name it by code)."""
    require(actor, "admin")
    name = (name or "").strip()
    if not name:
        raise Invalid("A department needs a code and a name")
    check_department_name(name)  # an old code that breaks today's rule keeps working
    with session_scope() as session:
        dept = session.scalar(select(Department).where(Department.code == code))
        if dept is None:
            raise NotFound("No department %(code)s", code=repr(code))
        if dept.name != name:
            _name_free(session, name)
            record(session, "department_renamed", actor=actor, code=code, old=dept.name, name=name)
            dept.name = name


def _name_free(session, name: str) -> None:
    # Two departments of one name could not be told apart on the pages, where people pick them.
    if session.scalar(select(Department.code).where(Department.name == name)):
        raise Invalid("A department is already named %(name)s", name=repr(name))


def change_user(login: str, roles: list[str], department: str | None, actor: User) -> int:
    """Set a user's roles and department (an existing department's code, or none); how many of
    the steps they held went back to their groups."""
    require(actor, "admin")
    check_roles(roles)
    with session_scope() as session:
        user = find_user(session, login)
        dept = None
        if department:
            dept = session.scalar(select(Department).where(Department.code == department))
            if dept is None:
                raise Invalid("No department %(code)s", code=repr(department))
        return reassign(session, actor, user, user.name, roles, dept)


def reassign(session, actor: User | None, user: User, name: str, roles: list[str], dept: Department | None) -> int:
    """Give a user their name, roles and department (the people page, a roster import), recorded
    as user_changed; how many of the steps they held went back to their groups. The command line
    has no actor."""
    if actor is not None and user.id == actor.id and "admin" not in roles:
        raise Invalid("You cannot take the admin role from yourself")
    renamed = {"name": name, "old_name": user.name} if name != user.name else {}
    lanes_changed = sorted(set(roles)) != sorted(user.roles or ()) or (dept.id if dept else None) != user.department_id
    user.name, user.roles, user.department = name, sorted(set(roles)), dept
    released = 0
    if lanes_changed:  # a roster renaming hundreds asks for no one's steps
        # A step they held in a lane that is no longer theirs could be neither finished nor given
        # back by them, nor claimed by anyone else: it goes back to its group, as at deactivation.
        held = session.scalars(select(Task).where(Task.assignee_id == user.id, Task.state == "ready")).all()
        released = _release(session, actor, user, [t.id for t in held if not may_work_on(user, t)], "user_changed")
    record(session, "user_changed", actor=actor, login=user.login, roles=user.roles,
           department=dept.code if dept else None, released_tasks=released, **renamed)
    return released


def set_active(login: str, active: bool, actor: User) -> None:
    """Deactivate (sign-in, tokens and claims stop working) or reactivate a user."""
    require(actor, "admin")
    with session_scope() as session:
        user = find_user(session, login)
        if user.id == actor.id and not active:
            raise Invalid("You cannot deactivate yourself")
        if user.active == active:
            return
        user.active = active
        # The tasks they held go back to their group, so nothing waits on someone who has left;
        # their API tokens are revoked and their sessions ended, so coming back does not bring
        # old tokens or signed-in browsers back to life.
        # Each released task is a change of its case: recorded there, as an unclaim would be.
        released, revoked = 0, 0
        if not active:
            user.session_serial += 1
            held = session.scalars(select(Task.id).where(Task.assignee_id == user.id, Task.state == "ready")).all()
            released = _release(session, actor, user, list(held), "user_deactivated")
            revoked = revoke_tokens(session, user)
        record(session, "user_activated" if active else "user_deactivated", actor=actor, login=login,
               released_tasks=released, revoked_tokens=revoked)


def _release(session, actor: User, user: User, task_ids: list[int], reason: str) -> int:
    """Give the user's ready steps back to their groups, each recorded on its case as an unclaim;
    how many."""
    if not task_ids:
        return 0
    released = session.execute(update(Task).where(Task.id.in_(task_ids), Task.assignee_id == user.id,
                                                  Task.state == "ready")
                               .values(assignee_id=None, claimed_at=None)
                               .returning(Task.id, Task.instance_id)).all()
    record_all(session, [event_row("task_unclaimed", actor=actor, instance_id=instance_id, task_id=task_id,
                                   released_from=user.login, reason=reason) for task_id, instance_id in released])
    return len(released)


def unlock_user(login: str, actor: User | None) -> bool:
    """Open a user's sign-in closed by wrong passwords, before the lock ends by itself (a clerk
    whose password someone guessed at cannot wait a quarter of an hour at the window). Whether
    it was closed."""
    if actor is not None:  # the command line has no actor: whoever runs it holds the server
        require(actor, "admin")
    with session_scope() as session:
        user = find_user(session, login)
        if not signin.lock_ends(session, [user]):
            return False
        signin.unlock(session, user)
        record(session, "user_unlocked", actor=actor, login=login)
        return True


def closures(year: int, actor: User) -> list[dict]:
    require(actor, "admin")
    with session_scope() as session:
        rows = session.scalars(select(Closure).where(Closure.day >= date(year, 1, 1),
                                                     Closure.day <= date(year, 12, 31)).order_by(Closure.day))
        return [{"day": c.day, "reason": c.reason, "stops_clocks": c.stops_clocks} for c in rows]
