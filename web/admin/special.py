"""特殊环节: the special procedures the office added to the law's, for steps to start."""
from flask import render_template, request
from flask_babel import gettext as _

from engine.errors import ShenpiError
from engine.services import special_kinds

from ..inbox.access import actor, roles_required
from . import bp, done, refused


@bp.get("/special-kinds")
@roles_required("admin")
def special():
    return _page()


def _page():
    return render_template("admin/special_kinds.html", kinds=special_kinds.listed(actor()))


@bp.post("/special-kinds")
@roles_required("admin")
def add_special():
    code, name = request.form.get("code", ""), request.form.get("name", "")
    try:
        special_kinds.add(code, name, actor())
    except ShenpiError as exc:
        return refused(exc, _page)
    return done(_("已添加特殊环节：%(name)s", name=name.strip()), "admin.special")


@bp.post("/special-kinds/<code>/<any(withdraw, restore):action>")
@roles_required("admin")
def special_active(code, action):
    try:
        special_kinds.set_active(code, action == "restore", actor())
    except ShenpiError as exc:
        return refused(exc, _page)
    message = _("已恢复特殊环节 %(code)s", code=code) if action == "restore" else \
        _("已停用特殊环节 %(code)s：不再能发起，已发起的照常办结", code=code)
    return done(message, "admin.special")
