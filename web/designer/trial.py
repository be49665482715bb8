"""试算 in the rule modeler: the decisions of the XML on screen with the inputs each asks for, a
trial of one on inputs typed into the page (the XML is not saved), and the test cases kept with
the decisions' keys. JSON for static/trial.js; refusals as the modeler's buttons answer them."""

from flask import request
from flask_babel import gettext as _

from engine.errors import Invalid
from engine.services import decision_tests, trials

from ..api import strict_json
from ..inbox.access import actor, roles_required
from . import KEY, bp
from .editor import answered


@bp.post("/dmn/decisions")
@roles_required("designer")
def decisions():
    """The decisions of the posted XML, each with its inputs, and their keys' saved test cases."""
    def listed():
        found = trials.decisions(_xml(), actor())
        return {"decisions": found, "cases": decision_tests.cases_of([d["id"] for d in found], actor())}, 200
    return answered(listed)


@bp.post("/dmn/evaluate")
@roles_required("designer")
def evaluate():
    return answered(lambda: (trials.evaluate(_key(), _inputs(), actor(), xml=_xml()), 200))


@bp.post("/dmn/cases")
@roles_required("designer")
def save_case():
    """A new test case of the decision, or (id) a change to one."""
    def save():
        case_id = request.form.get("id", type=int)
        case = decision_tests.save(_key(), request.form.get("name", ""), _inputs(), _json("expected", _("期望结果")), actor(),
                                   case_id=case_id)
        return {"message": _("试算用例“%(name)s”已保存", name=case["name"]), "case": case}, 200 if case_id else 201
    return answered(save)


@bp.post("/dmn/cases/<int:case_id>/delete")
@roles_required("designer")
def delete_case(case_id):
    def delete():
        decision_tests.delete(case_id, actor(), key=_key())
        return {"message": _("试算用例已删除")}, 200
    return answered(delete)


def _xml() -> str:
    xml = request.form.get("xml", "")
    if not xml.strip():
        raise Invalid(_("需要类型、标识和图的 XML"))
    return xml


def _key() -> str:
    key = request.form.get("key", "")
    if not KEY.match(key):
        raise Invalid(_("需要决策的标识"))
    return key


def _inputs() -> dict:
    inputs = _json("inputs", _("输入"))
    if not isinstance(inputs, dict):
        raise Invalid(_("输入应为 JSON 对象：输入项名称及其值"))
    return inputs


def _json(field: str, label: str):
    """A field holding JSON (the inputs, an expected result: null is one)."""
    try:
        return strict_json(request.form.get(field, ""))
    except (ValueError, RecursionError):
        raise Invalid(_("%(field)s 不是有效的 JSON", field=label)) from None

