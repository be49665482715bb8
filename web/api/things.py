"""REST: 一件事一次办. An application of a thing's items (one form, one set of materials), taken
in, accepted or refused together, and read back with each item's case and the whole's status."""
from flask import g, jsonify

from engine import thing_applications
from engine.errors import Invalid

from . import bp, json_body, known_fields, text_field
from .procedures import dates_in, files_in, pledged_in


@bp.post("/things/<code>/applications")
def apply_for_thing(code):
    body = known_fields(json_body(), "applicant", "form", "channel", "materials", "note")
    if not isinstance(body.get("applicant"), dict):
        raise Invalid("'applicant' (object) is required")
    form = body.get("form")
    if form is not None and not isinstance(form, dict):
        raise Invalid("'form' must be an object")
    application = thing_applications.submit(code, body["applicant"], files_in(body.get("materials", [])), g.user,
                                            channel=text_field(body, "channel", "window"), form=form,
                                            note=text_field(body, "note", None))
    return jsonify(thing_applications.describe(application.id, g.user)), 201


@bp.get("/applications/<int:application_id>")
def get_application(application_id):
    return jsonify(thing_applications.describe(application_id, g.user))


@bp.post("/applications/<int:application_id>/accept")
def accept_application(application_id):
    body = known_fields(json_body(), "deferred", "pledged")
    pledged = pledged_in(body.get("pledged"))
    thing_applications.accept(application_id, g.user, deferred=dates_in(body.get("deferred")), pledged=pledged)
    return jsonify(thing_applications.describe(application_id, g.user))


@bp.post("/applications/<int:application_id>/refuse")
def refuse_application(application_id):
    reason = text_field(known_fields(json_body(), "reason"), "reason")
    thing_applications.refuse(application_id, reason, g.user)
    return jsonify(thing_applications.describe(application_id, g.user))
