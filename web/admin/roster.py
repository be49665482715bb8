"""人员名册导入: upload a roster, read its preview, confirm it; the new people's first passwords,
shown once on a page to print (engine/services/roster.py)."""
import base64
import binascii
from urllib.parse import quote

from flask import Response, flash, render_template, request
from flask_babel import gettext as _

from engine import roster_file
from engine.errors import Conflict, Invalid, ShenpiError
from engine.services import roster
from engine.signin import TEMPORARY_DAYS
from engine.store.models import ROLES

from .. import once
from ..inbox.access import actor, roles_required
from ..messages import translated
from ..names import group_name, role_name
from . import bp, refused

TEMPLATE_NAME = "人员名册模板.xlsx"


@bp.get("/roster")
@roles_required("admin")
def roster_page():
    return _page()


def _page(preview=None, data=b""):
    """The upload form, and the preview of the file sent: its bytes ride on the confirmation
    form, as nothing is kept on the server between the two (which may be two servers)."""
    return render_template("admin/roster.html", preview=preview, data=base64.b64encode(data).decode(),
                           department=lambda code: preview.departments.get(code) or group_name(code),
                           roles=[(code, role_name(code)) for code in ROLES], role_name=role_name,
                           max_rows=roster_file.MAX_ROWS,
                           days=TEMPORARY_DAYS)


@bp.get("/roster/template.xlsx")
@roles_required("admin")
def roster_template():
    return Response(roster.template(), mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f"attachment; filename=roster.xlsx; "
                                                    f"filename*=UTF-8''{quote(TEMPLATE_NAME)}"})


@bp.post("/roster")
@roles_required("admin")
def roster_preview():
    upload = request.files.get("file")
    try:
        if not upload or not upload.filename:
            raise Invalid(_("请选择名册文件（.xlsx 或 .csv）"))
        data = upload.read()
        preview = roster.preview(data, upload.filename, actor())
    except ShenpiError as exc:
        return refused(exc, _page)
    return _page(preview, data), 422 if preview.problems else 200


@bp.post("/roster/apply")
@roles_required("admin")
def roster_apply():
    if once.made_by() is not None:  # a reload of the answer: its passwords were shown once, not again
        return render_template("admin/roster_done.html", applied=None), 409
    filename = request.form.get("filename", "")
    try:
        data = base64.b64decode(request.form.get("data", ""), validate=True)
    except binascii.Error:
        return refused(Invalid(_("名册内容不完整，请重新上传")), _page)
    try:
        applied = roster.apply(data, filename, actor(), request.form.get("digest", ""))
    except (Conflict, Invalid) as exc:
        # Changed meanwhile, or a problem: the preview as it is now, under why nothing was imported.
        try:
            preview = roster.preview(data, filename, actor())
        except ShenpiError:  # no roster at all: the form was not the page's
            return refused(exc, _page)
        flash(translated(exc.message), "error")  # each problem is in the preview: not said twice
        return _page(preview, data), exc.status
    once.remember(created=len(applied.given))
    # The passwords are in this answer only: a redirect would carry them in the session cookie,
    # which is signed, not encrypted; no cache keeps a signed-in page (web/__init__.py).
    return render_template("admin/roster_done.html", applied=applied)
