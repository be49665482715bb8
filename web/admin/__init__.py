"""系统管理: the installation's health, what is deployed and running, suspension and migration, people,
the calendar, incidents, the ended cases' archive packages (档案归档), and who changed which of them (操作日志).

Every page needs the admin role. A refused operation re-renders its page with the error's status;
a done one redirects (303) with a message.
"""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from engine import health
from engine.errors import Invalid, ShenpiError
from engine.services import admin, decision_tests

from ..inbox.access import actor, flash_error, register_error_page, roles_required
from ..messages import deployed, warned

bp = Blueprint("admin", __name__, url_prefix="/admin")
register_error_page(bp)
STATES = {"running": _l("运行中"), "suspended": _l("已挂起"), "completed": _l("已办结"),
          "terminated": _l("已终止"), "error": _l("出错")}


@bp.app_template_filter("instance_state")
def instance_state(state):
    return STATES.get(state, state)


def done(message, endpoint, category="success", **values):
    flash(message, category)
    return redirect(url_for(endpoint, **values), 303)


def uploaded_or_pasted() -> tuple[str, str | None]:
    """The text of the form's uploaded `file`, else of its `text` box; and the file's name. A
    file not in UTF-8 (a GBK one from Windows) is refused rather than read garbled."""
    upload = request.files.get("file")
    if upload and upload.filename:
        try:
            return upload.read().decode("utf-8-sig"), upload.filename
        except UnicodeDecodeError:
            raise Invalid(_("%(name)s 不是 UTF-8 编码的文本：请另存为 UTF-8", name=upload.filename)) from None
    return request.form.get("text", ""), None


def refused(exc: ShenpiError, page, **context):
    """The page again, with what went wrong, under the error's status."""
    flash_error(exc)
    return page(**context), exc.status


@bp.get("/")
@roles_required("admin")
def index():
    return _overview()


def _overview(problems=None):
    definitions = admin.definitions_overview(actor())
    latest = {}
    for d in definitions:
        latest.setdefault((d["kind"], d["key"]), d["version"])  # newest first
    return render_template("admin/index.html", definitions=definitions, latest=latest,
                           deployments=admin.deployments(actor()), problems=problems or [],
                           health=health.report(actor()))


@bp.post("/deploy")
@roles_required("admin")
def redeploy():
    files = [(f.filename or "unnamed", f.read()) for f in request.files.getlist("files") if f.filename]
    try:
        if not files:
            raise Invalid(_("请选择要部署的文件（.bpmn、.dmn、.json）"))
        outcome, _results = decision_tests.deploy_tried(files, actor(), intended=bool(request.form.get("intended")))
    except ShenpiError as exc:
        return refused(exc, _overview, problems=[d for d in exc.details if isinstance(d, dict)])
    message = deployed(outcome, _("文件与已部署版本相同，未产生新版本"))
    return done(warned(message, outcome.warnings)[0], "admin.index", "warning" if outcome.warnings else "success")


@bp.post("/definitions/<key>/<int:version>/<any(suspend, resume):action>")
@roles_required("admin")
def definition_suspension(key, version, action):
    try:
        admin.set_definition_suspended(key, version, action == "suspend", actor())
    except ShenpiError as exc:
        return refused(exc, _overview)
    message = _("已暂停 %(key)s v%(v)s：不再发起新案件", key=key, v=version) if action == "suspend" \
        else _("已恢复 %(key)s v%(v)s", key=key, v=version)
    return done(message, "admin.index")


from . import activity, agencies, archive, calendar, instances, items, people, roster, special, zones  # noqa: E402,F401  (register their routes on bp)
