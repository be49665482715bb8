"""档案归档: the ended cases, their archive packages (built, downloaded, checked) and the batches
handed over to the archives (engine/archive.py). Administrators only: a package holds the
applicants' ID numbers."""
from flask import render_template, request, send_file
from flask_babel import gettext as _

from engine import archive
from engine.errors import Invalid, ShenpiError

from ..archived import Printed
from ..inbox.access import actor, roles_required
from ..messages import translated
from ..names import departments
from . import bp, done, refused

FILTERS = ("month", "department", "state")


def _shown() -> dict:
    shown = {name: request.values.get(name, "").strip() for name in FILTERS}
    shown["state"] = shown["state"] or "to_build"
    return shown


def _filters(shown: dict) -> dict:
    return {k: v for k, v in shown.items() if v and not (k == "state" and v == "to_build")}


@bp.get("/archive")
@roles_required("admin")
def archive_list():
    return _page()


def _page():
    shown = _shown()
    try:
        page = archive.ended_cases(actor(), month=shown["month"] or None, department=shown["department"] or None,
                                   state=shown["state"], page=request.args.get("page", 1, type=int))
    except Invalid as exc:  # a month mistyped: the form again, with what was typed
        return refused(exc, _render, shown=shown, page={"cases": [], "total": 0, "page": 1, "pages": 1})
    return _render(shown, page)


def _render(shown, page):
    return render_template("admin/archive.html", page=page, shown=shown, filters=_filters(shown),
                           departments=departments(), states=archive.STATES, batch=archive.BATCH)


@bp.post("/archive/build")
@roles_required("admin")
def archive_build():
    """The chosen cases' packages, or with `whole_month` the month's that have none (at most BATCH)."""
    shown = _shown()
    try:
        if request.form.get("whole_month"):
            if not shown["month"]:
                raise Invalid(_("请先选择月份，再生成该月的归档包"))
            ids = archive.to_build(actor(), shown["month"], shown["department"] or None, limit=archive.BATCH)
        else:
            ids = _chosen()
        if not ids:
            raise Invalid(_("没有需要生成归档包的办件"))
        outcome = archive.build_all(ids, actor(), Printed())
    except ShenpiError as exc:
        return refused(exc, _page)
    message = _("已生成 %(n)s 个归档包", n=len(outcome["built"]))
    if outcome["failed"]:
        message = _("%(message)s；%(n)s 个未能生成：%(reasons)s", message=message, n=len(outcome["failed"]),
                    reasons=_("；").join(translated(f["error"]) for f in outcome["failed"]))
    return done(message, "admin.archive_list", "warning" if outcome["failed"] else "success", **_filters(shown))


@bp.post("/archive/handover")
@roles_required("admin")
def archive_handover():
    shown = _shown()
    try:
        batch = archive.hand_over(_chosen(), request.form.get("receiver", ""), actor())
    except ShenpiError as exc:
        return refused(exc, _page)
    return done(_("已标记 %(n)s 个归档包移交至 %(receiver)s", n=batch["packages"], receiver=batch["receiver"]),
                "admin.archive_list", **_filters(shown))


def _chosen() -> list[int]:
    ids = [int(i) for i in request.form.getlist("case") if i.isdigit()]
    if not ids:
        raise Invalid(_("请勾选办件"))
    return ids


@bp.get("/archive/packages/<int:package_id>.zip")
@roles_required("admin")
def archive_download(package_id):
    path, name = archive.package_file(package_id, actor())
    # Sent to a signed-in administrator, so never kept by a cache (Cache-Control: no-store, web/__init__.py).
    return send_file(path, mimetype="application/zip", as_attachment=True, download_name=name, max_age=0,
                     conditional=False, etag=False)


@bp.get("/archive/packages/<int:package_id>/check")
@roles_required("admin")
def archive_check(package_id):
    return render_template("admin/archive_check.html", checked=archive.check(package_id, actor()))
