"""People, departments and roles."""
import re

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from engine import signin
from engine.errors import Forbidden, Invalid, Message, NotFound
from engine.store import session_scope
from engine.store.db import fetch, read_session
from engine.store.models import ROLES, WORKER_ROLES, ApiToken, Department, Task, User

from .events import record


# A login is typed at sign-in and named in the API; a department code ends lane names
# ('住建局 (housing)') and the API's group filter: both plain ASCII, within their columns.
LOGIN = re.compile(r"[A-Za-z0-9_.@-]{1,64}")
DEPARTMENT_CODE = re.compile(r"[A-Za-z][A-Za-z0-9_.-]{0,63}")
MAX_NAME = 200


def check_department(code: str, name: str) -> None:
    """A new department's code and name, as the pages, the API and lanes can use them."""
    check_department_code(code)
    check_department_name(name)


def check_department_code(code: str) -> None:
    if not DEPARTMENT_CODE.fullmatch(code):
        raise Invalid("Department code %(code)s: a letter, then letters, digits, '_', '.' or '-' (at most 64)",
                      code=repr(code))


def check_department_name(name: str) -> None:
    if not name or len(name) > MAX_NAME:
        raise Invalid("A department's name is required, at most %(max)s characters", max=MAX_NAME)


# The roles by name inside a message, translated with it (the pages name them in web/names.py).
ROLE_NAMES = {"clerk": Message("window clerk"), "reviewer": Message("reviewer"), "lead": Message("department head"),
              "supervisor": Message("supervisor"), "designer": Message("process designer"),
              "admin": Message("administrator"), "agent": Message("agent"),
              "platform": Message("provincial platform")}


def require(actor: User, *roles: str) -> None:
    """Refuse unless the actor holds one of the roles (admin holds them all)."""
    if actor is None or not actor.active or not any(actor.has_role(r) for r in roles):
        listed = ", ".join(f"%({r})s" for r in roles)  # no sentence of its own: only the names translate
        named = Message(listed, **{r: ROLE_NAMES[r] for r in roles})
        raise Forbidden("This needs one of the roles: %(roles)s", roles=named)


def only_as_filer(user) -> bool:
    """Whether the person (a User or a row of people()) sees cases only as the agent (代办员) who
    filed them: as the applicant would, without the departments' steps or the files taken from
    the applicant's earlier cases."""
    return not set(user.roles or ()) & {"admin", "clerk", "reviewer", "lead", "supervisor"}


def works_steps(user) -> bool:
    """Whether the person (a User or a row of people()) works departments' steps by a role of
    their own: a step is sent to them. An administrator may step in anywhere, but is sent none."""
    return bool(set(user.roles or ()) & set(WORKER_ROLES))


def ensure_department(session: Session, code: str, name: str | None = None) -> Department:
    dept = session.scalar(select(Department).where(Department.code == code))
    if dept is None:
        dept = Department(code=code, name=name or code)
        session.add(dept)
        session.flush()
    elif name and dept.name != name:
        dept.name = name
    return dept


def department_names(session: Session) -> dict[str, str]:
    """Department code -> name: lanes, notices and reports name departments by code."""
    return dict(session.execute(select(Department.code, Department.name)).all())


def people(session: Session) -> list:
    """Everyone's login, name, department code, roles and whether active: tasks and events name
    people by login, pages by name."""
    return session.execute(select(User.login, User.name, Department.code.label("department"), User.roles,
                                  User.active)
                           .outerjoin(Department, Department.id == User.department_id)
                           .order_by(User.login)).all()


def check_roles(roles: list[str]) -> None:
    """Known roles, and at least one: a person without a role opens no page at all, not even the
    one they land on after signing in."""
    bad = [r for r in roles if r not in ROLES]
    if bad:
        raise Invalid("Unknown role(s) %(roles)s; known roles: %(known)s", roles=", ".join(bad),
                      known=", ".join(ROLES))
    if not roles:
        raise Invalid("A user needs at least one role: without one, no page opens to them")


def add_user(login: str, name: str, department: str | None, roles: list[str],
             password: str | None = None, actor: User | None = None, *, temporary: bool = False) -> User:
    """A new person. Their password is `temporary` when an administrator chose it for them (the
    people page, `run.py user add`): it opens only the page where they choose their own. The
    demo's and the tests' people keep the password their setup gives them, published to whoever
    signs in with it, as no administrator chose it for a person."""
    check_roles(roles)
    if not login or not login.strip():
        raise Invalid("A login is required")
    if not LOGIN.fullmatch(login):
        raise Invalid("Login %(login)s: letters, digits, '_', '.', '@' or '-' only, at most 64", login=repr(login[:80]))
    if not name or len(name) > MAX_NAME:
        raise Invalid("A person's name is required, at most %(max)s characters", max=MAX_NAME)
    if password:
        signin.check_new_password(password)
    with session_scope() as session:
        if actor is not None:
            require(actor, "admin")
        # 'FIRE' beside 'fire' would be two accounts no one tells apart at sign-in.
        if session.scalar(select(User).where(func.lower(User.login) == login.lower())):
            raise Invalid("User %(login)s already exists", login=repr(login))
        dept = None
        if department:
            # The command line names a department by code; one not yet known is made, and said. An
            # administrator on the page chooses among those there are: a typo makes none.
            dept = session.scalar(select(Department).where(Department.code == department))
            if dept is None and actor is not None:
                raise Invalid("No department %(code)s", code=repr(department))
            if dept is None:
                check_department(department, department)
                dept = Department(code=department, name=department)
                session.add(dept)
                record(session, "department_created", actor=actor, code=department, name=department)
        user = User(login=login, name=name, department=dept, roles=sorted(set(roles)))
        if password:
            signin.give_password(user, password, temporary=temporary)
        session.add(user)
        session.flush()
        record(session, "user_created", actor=actor, login=login, roles=user.roles,
               department=department, **({"temporary_password": True} if user.temporary_until else {}))
        return user


def last_of_their_department(actor: User) -> dict[int, int]:
    """The active people who are their department's last active member, by id, with the number of
    the department's open tasks: deactivating one leaves those tasks, and the next ones, to nobody
    who may claim them. The people page says so before it is done."""
    require(actor, "admin")
    with read_session() as session:
        alone = (select(User.department_id).where(User.active.is_(True), User.department_id.is_not(None))
                 .group_by(User.department_id).having(func.count() == 1))
        last = session.execute(select(User.id, Department.code).join(Department, Department.id == User.department_id)
                               .where(User.active.is_(True), User.department_id.in_(alone))).all()
        if not last:
            return {}
        waiting = dict(session.execute(select(Task.group, func.count())
                                       .where(Task.state == "ready", Task.group.in_([code for _, code in last]))
                                       .group_by(Task.group)).all())
    return {user_id: waiting.get(code, 0) for user_id, code in last}


def get_user(login: str) -> User:
    with session_scope() as session:
        return find_user(session, login)


def find_user(session: Session, login: str) -> User:
    user = session.scalar(select(User).where(User.login == login))
    if user is None:
        raise NotFound("No user %(login)s", login=repr(login))
    return user


def get_user_by_id(user_id: int) -> User:
    with session_scope() as session:
        return fetch(session, User, user_id, "user")


def check_password(login: str, password: str, address: str | None = None) -> User | None:
    """The user, if the password is theirs; raises TooManyAttempts while the account is locked,
    everywhere or at `address` (the network address the attempt comes from)."""
    with read_session() as session:
        user = session.scalar(select(User).where(User.login == login, User.active.is_(True)))
    if user is None or not user.password_hash:  # answered as a wrong password is, in the same time
        signin.attempt_unknown("staff", login, password, address)
        return None
    if not signin.attempt(user, password, address):
        return None
    signin.check_not_expired(user)
    return user


def set_password(login: str, password: str, actor: User | None) -> int:
    """An administrator gives a person a password (a new colleague, a forgotten one): a
    temporary one, which they replace with their own at their next sign-in, as the administrator
    knows it; only an administrator's own, on the people page, is theirs as it is. The person's
    sessions end, a sign-in lock is lifted, and what the old password may have opened ends with
    it: their API tokens are revoked (none for a first password, which replaced nothing). How
    many were. The command line has no actor: whoever runs it sets someone else's."""
    with session_scope() as session:
        if actor is not None:
            require(actor, "admin")
        user = find_user(session, login)
        replaced = user.password_hash is not None
        temporary = actor is None or actor.id != user.id
        signin.give_password(user, password, temporary=temporary)
        signin.unlock(session, user)
        revoked = revoke_tokens(session, user) if replaced else 0
        record(session, "password_set", actor=actor, login=login, revoked_tokens=revoked, temporary=temporary)
        return revoked


def change_password(user_id: int, current: str, new: str, address: str | None = None) -> tuple[User, int]:
    """A person changes their own password, giving the current one; a wrong current password
    counts as a wrong sign-in from `address`. Other sessions end and their API tokens are
    revoked (someone who learnt the old password may have been given one, or a copy of one);
    returns the user, to sign in again, and how many tokens were revoked. A temporary password
    past its time changes nothing, though a session opened with it before may still ask."""
    user = get_user_by_id(user_id)
    signin.check_current_password(user, current, new, address)
    signin.check_not_expired(user)
    with session_scope() as session:
        user = session.get(User, user_id)
        signin.give_password(user, new)
        revoked = revoke_tokens(session, user)
        record(session, "password_changed", actor=user, login=user.login, revoked_tokens=revoked)
        return user, revoked


def revoke_tokens(session: Session, user: User) -> int:
    """Revoke every API token of the user (deactivated, or their password replaced); how many."""
    return session.execute(delete(ApiToken).where(ApiToken.user_id == user.id)).rowcount


def sign_out(user_id: int) -> None:
    """End every session of the user (this browser's and any copy of its cookie)."""
    signin.end_sessions(User, user_id)
