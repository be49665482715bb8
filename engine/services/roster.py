"""人员名册导入: a service centre's staff from one spreadsheet (engine/roster_file.py), checked
whole, then stored whole.

preview() says, row by row, who is new, who changes and how, and who is already as the file says,
and every problem by row and column; it stores nothing. apply() makes the same preview again in
one transaction and stores all of it, or nothing: refused while a problem remains, and refused
when the preview is no longer the one the administrator confirmed, as someone changed a person or
a department the file names meanwhile (its digest covers the file and what it found of everyone
and every department the file names). People the file does not name are left as they are.

A new person gets a temporary password drawn for them (signin.give_drawn_password), returned
once for the administrator to hand over; an existing one keeps theirs. Each change is recorded
as the people page records it (department_created, user_created, user_changed, which gives back
the steps someone may no longer work), and the import as a whole as roster_imported.
"""
import hashlib
import json
import re
from dataclasses import asdict, dataclass, field
from datetime import datetime
from functools import cache
from pathlib import Path

from babel.support import Translations
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from engine import roster_file, signin
from engine.errors import Conflict, Invalid, Message, listed
from engine.store import session_scope
from engine.store.db import read_session
from engine.store.models import Department, User

from .admin import reassign
from .events import record
from .users import LOGIN, MAX_NAME, ROLE_NAMES, check_department_code, check_department_name, require

# Between roles: 、 , ; (half or full width). A space too, unless the words make one name
# ("department head").
ROLE_LISTS = re.compile(r"[、,，;；]+")
TRANSLATIONS = Path(__file__).resolve().parents[1] / "translations"


@dataclass
class Entry:
    """A person the file names, and what importing it does."""
    row: int
    login: str
    name: str
    department: str
    roles: list[str]
    status: str = "new"  # new | changed | unchanged
    changes: dict = field(default_factory=dict)  # "name", "department", "roles": [before, after]
    active: bool = True  # an existing person deactivated stays so


@dataclass
class Problem:
    row: int
    column: str  # as the file's first row names it
    message: Message


@dataclass
class Preview:
    filename: str
    entries: list[Entry]
    problems: list[Problem]
    departments: dict[str, str]  # the new ones: code -> name
    ignored: list[str]  # the file's other columns, left aside
    digest: str = ""

    def count(self, status: str) -> int:
        return sum(entry.status == status for entry in self.entries)


@dataclass
class Given:
    """A new person's temporary password, to hand over: shown once, never stored."""
    login: str
    name: str
    department: str  # its name
    password: str
    until: datetime  # when it stops signing in


def preview(data: bytes, filename: str, actor: User | None) -> Preview:
    """What importing the file would do, and what stops it. The command line has no actor."""
    if actor is not None:
        require(actor, "admin")
    sheet = roster_file.read(data, filename)
    with read_session() as session:
        return _check(session, data, filename, sheet, actor)[0]


@dataclass
class Applied:
    preview: Preview
    given: list[Given]  # the new people's temporary passwords
    released: int  # steps given back to their groups by those who may no longer work them


def apply(data: bytes, filename: str, actor: User | None, digest: str) -> Applied:
    """Import the file as its preview says, all of it or nothing; `digest` is the preview's that
    the administrator confirmed (the command line's own)."""
    if actor is not None:
        require(actor, "admin")
    sheet = roster_file.read(data, filename)
    with session_scope() as session:
        done, users, departments = _check(session, data, filename, sheet, actor, lock=True)
        if digest != done.digest:
            raise Conflict("People or departments in the roster have changed since its preview: nothing was "
                           "imported; check the file again")
        if done.problems:
            said = [Message("Row %(row)s, %(column)s: %(problem)s", row=p.row, column=p.column, problem=p.message)
                    for p in done.problems]
            raise Invalid("The roster has %(n)s problem(s): nothing was imported", n=len(said), details=said)
        try:  # a login or department code given meanwhile (PostgreSQL) fails the first flush, wherever it comes
            for code, name in done.departments.items():
                departments[code] = Department(code=code, name=name)  # one made meanwhile: refused at the flush
                session.add(departments[code])
                record(session, "department_created", actor=actor, code=code, name=name)
            given, released = [], 0
            for entry in done.entries:
                dept = departments[entry.department]
                if entry.status == "new":
                    user = User(login=entry.login, name=entry.name, department=dept, roles=entry.roles)
                    password = signin.give_drawn_password(user)
                    given.append(Given(entry.login, entry.name, dept.name, password, user.temporary_until))
                    session.add(user)
                    record(session, "user_created", actor=actor, login=entry.login, roles=entry.roles,
                           department=entry.department, temporary_password=True, roster=filename)
                elif entry.status == "changed":
                    released += reassign(session, actor, users[entry.login.lower()], entry.name, entry.roles, dept)
            record(session, "roster_imported", actor=actor, file=filename, created=len(given),
                   changed=done.count("changed"), unchanged=done.count("unchanged"),
                   departments=len(done.departments), released_tasks=released)
            session.flush()
        except IntegrityError as exc:
            raise Conflict("People or departments in the roster have changed since its preview: nothing was "
                           "imported; check the file again") from exc
    return Applied(done, given, released)


def _check(session, data: bytes, filename: str, sheet: roster_file.Sheet, actor: User | None,
           lock: bool = False) -> tuple[Preview, dict, dict]:
    """The preview, with the people the file names (by login, lower case) and every department
    (by code); `lock` holds those people against other writers until the transaction ends."""
    query = select(User).where(func.lower(User.login).in_(sorted({row.login.lower() for row in sheet.rows})))
    users = {user.login.lower(): user for user in session.scalars(query.with_for_update(of=User) if lock else query)}
    departments = {dept.code: dept for dept in session.scalars(select(Department))}
    preview = Preview(filename, [], [], {}, sheet.ignored)
    seen, named = {}, {dept.name: dept.code for dept in departments.values()}
    for row in sheet.rows:
        said = []

        def problem(key, message):
            said.append(Problem(row.number, sheet.headers.get(key, roster_file.COLUMNS[key][0]), message))

        user = users.get(row.login.lower())
        if not row.login:
            problem("login", Message("This cell is required"))
        elif not LOGIN.fullmatch(row.login):
            problem("login", Message("Login %(login)s: letters, digits, '_', '.', '@' or '-' only, at most 64",
                                     login=repr(row.login[:80])))
        elif row.login.lower() in seen:
            problem("login", Message("%(login)s is on row %(row)s too", login=row.login, row=seen[row.login.lower()]))
        elif user is not None and user.login != row.login:
            problem("login", Message("%(login)s differs from the existing login %(existing)s only in case",
                                     login=row.login, existing=user.login))
        seen.setdefault(row.login.lower(), row.number)
        if not row.name:
            problem("name", Message("This cell is required"))
        elif len(row.name) > MAX_NAME:
            problem("name", Message("A person's name is required, at most %(max)s characters", max=MAX_NAME))
        for key, message in _department(row, departments, preview.departments, named):
            problem(key, message)
        roles, unknown = _roles(row.roles)
        if not row.roles:
            problem("roles", Message("This cell is required"))
        elif unknown:
            known = [Message("%(name)s (%(code)s)", name=name, code=code) for code, name in ROLE_NAMES.items()]
            problem("roles", Message("Unknown role(s) %(roles)s; known roles: %(known)s", roles=", ".join(unknown),
                                     known=listed(known)))
        elif actor is not None and user is not None and user.id == actor.id and "admin" not in roles:
            problem("roles", Message("You cannot take the admin role from yourself"))
        preview.problems += said
        if not said:
            preview.entries.append(_entry(row, user, roles))
    state = {"entries": [asdict(entry) for entry in preview.entries], "departments": preview.departments,
             "problems": [[p.row, p.column, p.message] for p in preview.problems]}
    preview.digest = hashlib.sha256(data + json.dumps(state, ensure_ascii=False, sort_keys=True).encode()).hexdigest()
    return preview, users, departments


def _department(row, departments: dict, new: dict, named: dict):
    """The problems of the row's department: (column key, message) each. A code not yet known is
    a new department, under the name the row gives it (`new`, code -> name); a known one keeps its
    name. `named`: every department's name, new ones too -> its code."""
    code, name = row.department, row.department_name
    if not code:
        yield "department", Message("This cell is required")
        return
    if code in departments:
        return
    alike = next((known for known in departments if known.lower() == code.lower()), None)
    if alike is not None:
        yield "department", Message("No department %(code)s; did you mean %(known)s?", code=code, known=alike)
        return
    said = []
    for key, check, value in (("department", check_department_code, code), ("department_name", check_department_name, name)):
        try:
            check(value)
        except Invalid as exc:
            said.append((key, Message("Department %(code)s is new: give its name", code=code) if not value
                         else exc.message))
    if not said and new.get(code, name) != name:
        said.append(("department_name", Message("Department %(code)s is named %(name)s on an earlier row", code=code,
                                                name=new[code])))
    elif not said and named.get(name, code) != code:
        said.append(("department_name", Message("A department is already named %(name)s", name=repr(name))))
    if not said:
        new[code], named[name] = name, code
    yield from said


def _entry(row, user: User | None, roles: list[str]) -> Entry:
    entry = Entry(row.number, row.login, row.name, row.department, roles)
    if user is not None:
        before = {"name": user.name, "department": user.department.code if user.department else None,
                  "roles": sorted(user.roles or [])}
        entry.changes = {key: [was, getattr(entry, key)] for key, was in before.items() if was != getattr(entry, key)}
        entry.status, entry.active = "changed" if entry.changes else "unchanged", user.active
    return entry


def _roles(text: str) -> tuple[list[str], list[str]]:
    """The role codes a cell names (sorted, once each), and the names it gives that are none."""
    spellings, roles, unknown = _spellings(), set(), []
    for part in ROLE_LISTS.split(text):
        words = part.split()
        for word in [" ".join(words)] if " ".join(words).casefold() in spellings else words:
            if word.casefold() in spellings:
                roles.add(spellings[word.casefold()])
            else:
                unknown.append(word)
    return sorted(roles), unknown


@cache
def _chinese() -> Translations:
    return Translations.load(str(TRANSLATIONS), ["zh"], domain="engine")


def role_names() -> dict[str, str]:
    """Each role's code -> its Chinese name, as the pages give it (from the engine's catalogue)."""
    return {code: _chinese().gettext(name.template) for code, name in ROLE_NAMES.items()}


@cache
def _spellings() -> dict[str, str]:
    """Every way a roster may name a role, case aside -> its code: the code, and its name on the
    pages in Chinese and in English."""
    return {spelling.casefold(): code for code, name in ROLE_NAMES.items()
            for spelling in (code, name.template, role_names()[code])}


def template() -> bytes:
    """The workbook to fill in (roster_file.template), with the roles and the departments there are."""
    with read_session() as session:
        departments = session.execute(select(Department.code, Department.name).order_by(Department.code)).all()
    return roster_file.template([(code, name) for code, name in role_names().items()], departments)
