"""Departments, roles and people by name on the pages: codes and logins are for the API.

A task's group is a department code or a role code (api.md); the names are read once per request.
"""
from flask import g
from flask_babel import lazy_gettext as _l

from engine.services.users import department_names, people_names
from engine.store.db import read_session

ROLE_NAMES = {"clerk": _l("窗口受理"), "reviewer": _l("审批人员"), "lead": _l("牵头部门"),
              "supervisor": _l("电子监察"), "designer": _l("流程设计"), "admin": _l("系统管理")}


def _names() -> tuple[dict, dict]:
    if "shown_names" not in g:
        with read_session() as session:
            g.shown_names = (department_names(session), people_names(session))
    return g.shown_names


def group_name(code: str | None) -> str:
    """A lane's department or role, by name ('—' for none)."""
    if not code:
        return "—"
    return _names()[0].get(code) or str(ROLE_NAMES.get(code, code))


def person_name(login: str | None) -> str:
    return _names()[1].get(login, login) if login else ""
