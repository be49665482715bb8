"""REST routes for cases of service items (one-window intake) and the approval operations."""
import base64
import binascii
from datetime import date

from flask import g, jsonify

from engine import corrections, decisions, intake, operations, renewals, termination
from engine.errors import Invalid
from engine.services import progress, tasks

from . import bp, json_body, known_fields, text_field


def files_in(items, default_kind: str | None = None) -> list[intake.Upload]:
    """Files in JSON: [{"kind", "filename", "content_base64"}]."""
    if not isinstance(items, list):
        raise Invalid("files must be a list of {kind, filename, content_base64}")
    result = []
    for n, item in enumerate(items):
        if not isinstance(item, dict) or not item.get("filename") or not (item.get("kind") or default_kind) \
                or not all(isinstance(item.get(k, ""), str) for k in ("kind", "filename", "content_base64")):
            raise Invalid(f"file {n}: kind, filename and content_base64 (text) are required")
        try:
            content = base64.b64decode(item.get("content_base64") or "", validate=True)
        except (binascii.Error, ValueError):
            raise Invalid(f"file {n}: content_base64 is not valid base64") from None
        result.append(intake.Upload(item.get("kind") or default_kind, str(item["filename"]), content))
    return result


def dates_in(mapping) -> dict[str, date]:
    try:
        return {k: date.fromisoformat(v) for k, v in (mapping or {}).items()}
    except (TypeError, ValueError, AttributeError):
        raise Invalid("deferred must map material codes to dates (YYYY-MM-DD)") from None


def pledged_in(value) -> list[str] | None:
    """告知承诺 at acceptance: the codes of the materials pledged, if any."""
    if value is not None and not (isinstance(value, list) and all(isinstance(p, str) for p in value)):
        raise Invalid("pledged must be a list of material codes")
    return value


@bp.post("/cases")
def submit_case():
    body = json_body()
    if not isinstance(body.get("item"), str) or not isinstance(body.get("applicant"), dict):
        raise Invalid("'item' (service item code) and 'applicant' (object) are required")
    case = intake.submit(body["item"], body["applicant"], files_in(body.get("materials", [])), g.user,
                         channel=body.get("channel", "window"), form=body.get("form"))
    return jsonify(progress.visible_case(case.id, g.user)), 201


@bp.post("/cases/<int:case_id>/renew")
def renew_case(case_id):
    """延续: the window files the renewal of the licence the case granted, for its holder."""
    body = known_fields(json_body(), "materials", "form", "note")
    if not isinstance(body.get("form") or {}, dict) or not isinstance(body.get("note") or "", str):
        raise Invalid("form is an object and note is text")
    case = renewals.apply(case_id, files_in(body.get("materials", [])), g.user, form=body.get("form"),
                          note=body.get("note"))
    return jsonify(progress.visible_case(case.id, g.user)), 201


@bp.get("/cases/<int:case_id>")
def get_case(case_id):
    return jsonify(progress.visible_case(case_id, g.user))


@bp.post("/cases/<int:case_id>/accept")
def accept_case(case_id):
    body = json_body()
    pledged = pledged_in(body.get("pledged"))
    outcome = None
    if "decision" in body:  # an immediate item (即办), decided at acceptance
        if not isinstance(body["decision"], str) or not isinstance(body.get("statement", ""), str):
            raise Invalid("decision and statement are text")
        outcome = intake.Outcome(body["decision"], body.get("statement", ""),
                                 tuple(files_in(body.get("results", []), default_kind="result")))
    intake.accept(case_id, g.user, deferred=dates_in(body.get("deferred")), pledged=pledged, outcome=outcome)
    return jsonify(progress.visible_case(case_id, g.user))


@bp.post("/cases/<int:case_id>/supply")
def supply_case(case_id):
    """Materials the applicant brought: a correction's answer, deferred (容缺) materials."""
    uploads = files_in(json_body().get("materials"))
    if not uploads:
        raise Invalid("'materials' must name at least one file")
    corrections.supply(case_id, uploads, g.user)
    return jsonify(progress.visible_case(case_id, g.user))


@bp.post("/cases/<int:case_id>/withdraw")
def withdraw_case(case_id):
    """The applicant's written request to withdraw, recorded by the window (a clerk's token)."""
    reason = json_body().get("reason")
    if not isinstance(reason, str):
        raise Invalid("'reason' (text) is required")
    termination.withdraw(case_id, reason, g.user)
    return jsonify(progress.visible_case(case_id, g.user))


@bp.post("/cases/<int:case_id>/lapse")
def lapse_case(case_id):
    """逾期未补正: the review round's correction notice went unanswered past its date."""
    termination.lapse(case_id, g.user)
    return jsonify(progress.visible_case(case_id, g.user))


@bp.post("/cases/<int:case_id>/deliver")
def deliver_case(case_id):
    body = json_body()
    decisions.deliver(case_id, body.get("method"), g.user, tracking=text_field(body, "tracking", None))
    return jsonify(progress.visible_case(case_id, g.user))


@bp.post("/tasks/<int:task_id>/complete")
def complete(task_id):
    body = known_fields(json_body(), "data", "documents")
    documents = files_in(body.get("documents", []), default_kind="result")
    return jsonify(tasks.complete(task_id, g.user, body.get("data"), documents))


@bp.post("/tasks/<int:task_id>/transfer")
def transfer(task_id):
    body = json_body()
    return jsonify(operations.transfer(task_id, g.user, to_group=text_field(body, "to_group", None),
                                       to_user=text_field(body, "to_user", None),
                                       reason=text_field(body, "reason")))


@bp.post("/tasks/<int:task_id>/return")
def send_back(task_id):
    body = json_body()
    return jsonify(operations.send_back(task_id, g.user, to=body.get("to"), reason=text_field(body, "reason")))


@bp.post("/tasks/<int:task_id>/withdraw")
def withdraw(task_id):
    return jsonify(operations.withdraw(task_id, g.user))


@bp.post("/tasks/<int:task_id>/urge")
def urge(task_id):
    return jsonify({"notified": operations.urge(task_id, g.user, text_field(json_body(), "message"))})


@bp.post("/tasks/<int:task_id>/copy")
def copy_to(task_id):
    body = json_body()
    to = body.get("to") or []
    if not (isinstance(to, list) and all(isinstance(person, str) for person in to)):
        raise Invalid("'to' must be a list of logins or names")
    return jsonify({"copied_to": operations.copy_to(task_id, g.user, to, text_field(body, "note") or "")})


@bp.post("/tasks/<int:task_id>/comments")
def comment(task_id):
    return jsonify(operations.comment(task_id, g.user, text_field(json_body(), "text"))), 201
