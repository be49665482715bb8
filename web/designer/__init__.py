"""流程设计: processes (bpmn-js) and rules (dmn-js), their versions, drafts and comparisons.

The pages hand the XML to the modeler; the modeler's buttons post it back to editor.py.
"""
import re
import secrets

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from engine.errors import Conflict, Invalid
from engine.services import compare, deploy, design
from engine.store.models import ROLES

from ..inbox.access import actor, flash_error, register_error_page, roles_required
from ..names import departments, role_name

bp = Blueprint("designer", __name__, url_prefix="/designer")
register_error_page(bp)
KINDS = ("bpmn", "dmn")
# A process or decision id is an XML NCName; keys also appear in URLs.
KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]{0,199}$")
# The roles the lane picker offers; administrators, designers and supervisors do no casework,
# though a lane naming them still deploys.
LANE_ROLES = ("clerk", "reviewer", "lead")


@bp.get("/")
@roles_required("designer")
def index():
    return _index()


def _index(asked: dict | None = None, status: int = 200):
    """The list; `asked` keeps what was typed into a refused 新建 form (its kind, key and name)."""
    catalogue = {kind: [(versions[-1], versions) for versions in deploy.all_versions(kind).values()]
                 for kind in KINDS}
    return render_template("designer/index.html", catalogue=catalogue, drafts=design.drafts_of(actor()),
                           asked=asked or {}), status


@bp.get("/<kind>/new")
@roles_required("designer")
def new(kind):
    _kind(kind)
    prefix, default_name = ("Process", _("新流程")) if kind == "bpmn" else ("Decision", _("新规则"))
    key = request.args.get("key", "").strip() or f"{prefix}_{secrets.token_hex(3)}"
    name = request.args.get("name", "").strip() or default_name
    problem = None
    if not KEY.match(key):
        problem = Invalid(_("标识只能包含字母、数字、下划线、点和短横线，且以字母或下划线开头"))
    elif deploy.all_versions(kind, key):  # a blank diagram deployed under it would replace it
        problem = Conflict(_("标识 %(key)s 已有已部署的版本：请在列表中打开它修改，或换一个标识", key=key))
    if problem is not None:
        flash_error(problem)
        return _index({"kind": kind, "key": key, "name": request.args.get("name", "")}, problem.status)
    xml = render_template(f"designer/blank.{kind}", key=key, name=name)
    return _editor(kind, key, xml, None, is_new=True, name=name)


@bp.get("/<kind>/<key>")
@roles_required("designer")
def edit(kind, key):
    _kind(kind)
    draft = design.get_draft(kind, key, actor())
    if request.args.get("draft") and draft:
        return _editor(kind, key, draft["source"], None, draft=draft, name=draft["name"])
    version = request.args.get("version", type=int)
    definition = design.source_of(kind, key, version, actor())
    return _editor(kind, key, definition.source, definition, draft=draft)


@bp.post("/<kind>/<key>/draft/discard")
@roles_required("designer")
def discard_draft(kind, key):
    _kind(kind)
    design.discard_draft(kind, key, actor())
    flash(_("已丢弃草稿 %(key)s", key=key), "success")
    return redirect(url_for("designer.index"), 303)


@bp.get("/bpmn/<key>/compare")
@roles_required("designer")
def compare_versions(key):
    versions = [d.version for d in deploy.versions(key)]
    if len(versions) < 2:
        return render_template("designer/compare.html", key=key, versions=versions, result=None)
    old = request.args.get("old", type=int) or versions[-2]
    new = request.args.get("new", type=int) or versions[-1]
    result = compare.compare_versions(key, old, new, actor())
    sources = {v: design.drawable("bpmn", design.source_of("bpmn", key, v, actor()).source)[0]
               for v in (old, new)}
    return render_template("designer/compare.html", key=key, versions=versions, result=result,
                           sources=sources)


def _editor(kind, key, xml, definition, *, draft=None, is_new=False, name=None):
    versions = [d.version for d in deploy.versions(key, kind)] if not is_new else []
    xml, placed = design.drawable(kind, xml)
    return render_template("designer/editor.html", kind=kind, key=key, xml=xml, placed=placed,
                           definition=definition, draft=draft, versions=versions, is_new=is_new, name=name,
                           lane_groups=_lane_groups(),
                           other_groups=_roles(role for role in ROLES if role not in LANE_ROLES))


def _lane_groups() -> list[dict]:
    """What the lane picker offers, by name: each department, then each role that works on cases."""
    return departments() + _roles(LANE_ROLES)


def _roles(codes) -> list[dict]:
    return [{"code": role, "name": role_name(role)} for role in codes]


def _kind(kind):
    if kind not in KINDS:
        abort(404)


from . import editor, trial  # noqa: E402,F401  (register the modeler's actions and its trials on bp)
