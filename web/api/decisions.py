"""试算 over the API: a decision evaluated on given inputs, as deployed or in XML sent with them."""
from flask import g, jsonify

from engine.errors import Invalid
from engine.services import trials

from . import bp, json_body, known_fields, text_field


@bp.post("/decisions/<key>/evaluate")
def evaluate_decision(key):
    body = known_fields(json_body(), "inputs", "xml")
    inputs = body.get("inputs", {})
    if not isinstance(inputs, dict):
        raise Invalid("'inputs' must be an object of input names and values")
    return jsonify(trials.evaluate(key, inputs, g.user, xml=text_field(body, "xml", None)))
