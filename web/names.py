"""Departments, roles and people by name on the pages: codes and logins are for the API.

A task's group is a department code or a role code (api.md). Departments, and people where a
page names or offers them, are read once per request.
"""
from flask import g
from flask_login import current_user

from engine.services import notifications
from engine.services.users import ROLE_NAMES, department_names, only_as_filer, people, works_steps
from engine.store.db import read_session

from .messages import translated


def role_name(code: str) -> str:
    """A role by the name the engine's messages give it too, in the reader's language."""
    return translated(ROLE_NAMES[code]) if code in ROLE_NAMES else code


def _departments() -> dict:
    if "department_names" not in g:
        with read_session() as session:
            g.department_names = department_names(session)
    return g.department_names


def _people() -> list:
    if "people" not in g:
        with read_session() as session:
            g.people = people(session)
    return g.people


def group_name(code: str | None) -> str:
    """A lane's department or role, by name ('—' for none)."""
    if not code:
        return "—"
    return _departments().get(code) or role_name(code)


def unread_notifications() -> int:
    """How many notices the signed-in person has not read (the menu shows it)."""
    return notifications.unread_count(current_user.user)


def person_name(login: str | None) -> str:
    return next((p.name for p in _people() if p.login == login), login) if login else ""


# Lists people choose from are in the order they look Chinese names up: by pinyin, as a
# dictionary lists them (发改 before 住建), not by code point or by code.

def by_name(name: str, code: str) -> tuple:
    """The sort key of a name (and its code, between namesakes) in that order."""
    # Imported when first needed: loading its phrase dictionary was a seventh of a server's start.
    from pypinyin import lazy_pinyin
    return lazy_pinyin(name), code


def departments() -> list[dict]:
    """Every department, to run a lane."""
    return sorted(({"code": code, "name": name} for code, name in _departments().items()),
                  key=lambda d: by_name(d["name"], d["code"]))


def working_departments() -> list[dict]:
    """The departments a task can be transferred to: those with someone who works steps (not
    supervision, nor an agent point)."""
    working = {p.department for p in _people() if p.active and works_steps(p)}
    return [d for d in departments() if d["code"] in working]


def active_people() -> list[dict]:
    """Everyone who can be given work or a copy, to choose by name (转办, 抄送): not an agent or a
    designer, who read no department's case."""
    names = _departments()
    return sorted(({"login": p.login, "name": p.name, "department": names.get(p.department, "")}
                   for p in _people() if p.active and not only_as_filer(p)),
                  key=lambda p: by_name(p["name"], p["login"]))


def everyone() -> list[dict]:
    """Everyone, those deactivated too, to choose by name whose doings to read (操作日志)."""
    return sorted(({"login": p.login, "name": p.name, "active": p.active} for p in _people()),
                  key=lambda p: by_name(p["name"], p["login"]))
