"""The modeler's buttons: validate, save as draft, deploy. Each takes the diagram's XML and answers
JSON for designer.js; problems carry the element id so the page can mark them in the diagram.
What deploys but would get a case stuck comes back as warnings, said in the status line too.
A decision table's validation and deployment also try it on its saved test cases (试算用例): the
answer lists each with its outcome, and a failing one stops the deployment unless `intended`."""
from flask import jsonify, request
from flask_babel import gettext as _

from engine.errors import Invalid, ShenpiError
from engine.services import decision_tests, design

from ..inbox.access import actor, roles_required
from ..messages import deployed, translated, warned
from . import KEY, KINDS, bp


@bp.post("/validate")
@roles_required("designer")
def validate():
    def check(kind, key, xml):
        try:
            outcome, results = decision_tests.deploy_tried(_files(kind, key, xml), actor(), dry_run=True)
        except Invalid as exc:  # the deployment's words ("problems in the deployment"): nothing was deployed
            raise Invalid(_("校验发现 %(n)s 个问题，请修改后再部署", n=len(exc.details) or 1), exc.details) from exc
        return _warned(_tried(_("校验通过"), results), outcome.warnings, tests=tested(results),
                       definitions=[d.as_dict() for d in outcome.definitions]), 200
    return _answer(check)


@bp.post("/draft")
@roles_required("designer")
def save_draft():
    def save(kind, key, xml):
        return {"message": _("草稿已保存"), "draft": design.save_draft(kind, key, xml, actor())}, 200
    return _answer(save)


@bp.post("/deploy")
@roles_required("designer")
def deploy_diagram():
    def store(kind, key, xml):
        outcome, results = decision_tests.deploy_tried(_files(kind, key, xml), actor(),
                                                       intended=bool(request.form.get("intended")))
        if request.form.get("draft"):  # the page held the draft: deployed, it is done with
            design.discard_draft(kind, key, actor())
        mine = [r.as_dict() for r in outcome.definitions if r.kind == kind]
        said = _tried(deployed(outcome, _("与已部署版本相同，未产生新版本")), results)
        return _warned(said, outcome.warnings, deployment_id=outcome.id, definitions=mine, tests=tested(results)), \
            201 if outcome.new else 200
    return _answer(store)


@bp.post("/drawable")
@roles_required("designer")
def drawable():
    """XML pasted into the XML panel without a diagram (written by hand, or by a tool that draws
    none), laid out as opening it would be: bpmn-js shows nothing without one."""
    kind = request.form.get("kind", "")
    if kind not in KINDS:
        raise Invalid(_("需要类型、标识和图的 XML"))
    xml, placed = design.drawable(kind, request.form.get("xml", ""))
    return jsonify({"xml": xml, "placed": placed})


def _warned(message: str, warnings: list[dict], **body) -> dict:
    """The answer to a deployment that went through, with its warnings (the page lists and marks
    them as it does what was refused)."""
    message, said = warned(message, warnings)
    return dict(body, message=message, warnings=said)


def _tried(message: str, results: list[dict]) -> str:
    """The button's message, and how the saved test cases fared."""
    if not results:
        return message
    failed = sum(not r["passed"] for r in results)
    if not failed:
        return _("%(message)s；%(n)s 个试算用例全部通过", message=message, n=len(results))
    return _("%(message)s；%(failed)s 个试算用例未通过（共 %(n)s 个）", message=message, failed=failed, n=len(results))


def tested(results: list[dict]) -> list[dict]:
    """Test cases' outcomes as the page shows them, in the reader's language."""
    return [dict(r, error=translated(r["error"]) if r["error"] is not None else None) for r in results]


def _answer(action):
    """Run the button's action on the posted diagram; problems come back as JSON with the status."""
    return answered(lambda: action(*_posted()))


def answered(action):
    """action() -> (body, status), as JSON with ok; a refusal as JSON with its problems (and the
    test cases' outcomes, when they refused a deployment) and its status."""
    try:
        body, status = action()
    except ShenpiError as exc:
        message = translated(exc.message)
        problems = [dict(d, message=translated(d["message"])) for d in exc.details if isinstance(d, dict)] or [
            {"file": None, "element_id": None, "message": message}]
        body = {"ok": False, "message": message, "problems": problems}
        if isinstance(exc, decision_tests.CasesFailed):
            body["tests"] = tested(exc.results)
        return jsonify(body), exc.status
    return jsonify(dict(body, ok=True)), status


def _posted():
    kind, key, xml = (request.form.get(f, "") for f in ("kind", "key", "xml"))
    if kind not in KINDS or not KEY.match(key) or not xml.strip():
        raise Invalid(_("需要类型、标识和图的 XML"))
    return kind, key, xml


def _files(kind, key, xml):
    """The diagram, what its last version went out with, and the form files chosen on the page
    (they replace deployed forms of the same name)."""
    files = dict(design.files_for(kind, key, design.filename_for(kind, key), xml))
    for upload in request.files.getlist("form"):
        if upload.filename:
            files[upload.filename] = upload.read()
    return list(files.items())
