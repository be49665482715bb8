"""中介超市: the administrator registers agencies, edits them, suspends and reinstates them."""
from flask import render_template, request
from flask_babel import gettext as _

from engine import agencies
from engine.errors import Invalid, ShenpiError

from ..inbox.access import actor, roles_required
from . import bp, done, refused

FIELDS = ("name", "credit_code", "qualification", "contact", "price_note")


def _posted() -> dict:
    """The form as the service takes it: a kind is offered where its promised days are filled in."""
    services = {}
    for kind in agencies.KINDS:
        days = request.form.get(f"days_{kind}", "").strip()
        if days:
            if not (days.isascii() and days.isdigit()):
                raise Invalid(_("承诺时限须为工作日天数（整数）"))
            services[kind] = int(days)
    return {**{f: request.form.get(f, "") for f in FIELDS}, "services": services}


def _page(editing=None):
    return render_template("admin/agencies.html", agencies=agencies.listed(actor()), kinds=agencies.KINDS,
                           editing=editing, max_note=agencies.MAX_NOTE, max_reason=agencies.MAX_REASON)


@bp.get("/agencies")
@roles_required("admin")
def agency_list():
    return _page()


@bp.get("/agencies/<int:agency_id>")
@roles_required("admin")
def agency_edit(agency_id):
    return _page(agencies.get(agency_id, actor()))


@bp.post("/agencies")
@roles_required("admin")
def agency_register():
    try:
        agency = agencies.register(actor(), **_posted())
    except ShenpiError as exc:
        return refused(exc, _page)
    return done(_("已登记中介机构：%(name)s", name=agency.name), "admin.agency_list")


@bp.post("/agencies/<int:agency_id>")
@roles_required("admin")
def agency_save(agency_id):
    try:
        agency = agencies.edit(agency_id, actor(), **_posted())
    except ShenpiError as exc:
        return refused(exc, lambda: _page(agencies.get(agency_id, actor())))
    return done(_("已保存中介机构：%(name)s", name=agency.name), "admin.agency_list")


@bp.post("/agencies/<int:agency_id>/<any(suspend, reinstate):action>")
@roles_required("admin")
def agency_suspension(agency_id, action):
    try:
        agency = agencies.set_suspended(agency_id, action == "suspend", request.form.get("reason", ""), actor())
    except ShenpiError as exc:
        return refused(exc, _page)
    message = _("已暂停中介机构 %(name)s：不再供申请人选择，已委托的照常办理", name=agency.name) \
        if action == "suspend" else _("已恢复中介机构 %(name)s", name=agency.name)
    return done(message, "admin.agency_list")
