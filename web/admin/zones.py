"""区域评估: the zones' approved assessment results, which spare projects inside them their own."""
from flask import render_template, request
from flask_babel import gettext as _

from engine import regional, report_kinds
from engine.errors import Invalid, ShenpiError

from ..inbox.access import actor, roles_required
from . import bp, done, refused


def _page():
    return render_template("admin/zones.html", results=regional.listed(actor()), max_reason=regional.MAX_REASON,
                           max_years=regional.MAX_YEARS, max_text=regional.MAX_TEXT,
                           kinds=[k for k in report_kinds.KINDS if k in report_kinds.RULED])


def _entry() -> dict:
    """The form as a zone file's entry: optional fields left out where empty."""
    form = request.form
    entry = {"kind": form.get("kind", ""), "doc_no": form.get("doc_no", ""), "approved_on": form.get("approved_on", "")}
    for name, read in (("valid_years", int), ("max_land_ha", float)):
        text = form.get(name, "").strip()
        if text:
            try:
                entry[name] = read(text)
            except ValueError:
                raise Invalid(_("%(text)s 不是有效的数字", text=text)) from None
    industries = form.get("excluded_industries", "").replace("，", ",").replace("、", ",")
    entry["excluded_industries"] = [i.strip() for i in industries.split(",") if i.strip()]
    return entry


@bp.get("/zones")
@roles_required("admin")
def zones():
    return _page()


@bp.post("/zones")
@roles_required("admin")
def zone_register():
    try:
        regional.register(actor(), request.form.get("zone", ""), request.form.get("zone_name", ""), _entry())
    except ShenpiError as exc:
        return refused(exc, _page)
    return done(_("已登记区域评估成果：%(doc_no)s", doc_no=request.form.get("doc_no", "").strip()), "admin.zones")


@bp.post("/zones/<int:result_id>/revoke")
@roles_required("admin")
def zone_revoke(result_id):
    try:
        regional.revoke(actor(), result_id, request.form.get("reason", ""))
    except ShenpiError as exc:
        return refused(exc, _page)
    return done(_("已撤销该区域评估成果：此后不再据以免除或简化评估，已受理的案件不受影响"), "admin.zones")
