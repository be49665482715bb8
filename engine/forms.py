"""Form data checked against a JSON Schema (task forms, service items' application forms)."""
from jsonschema import Draft202012Validator, SchemaError
from referencing import Registry
from referencing.exceptions import Unresolvable

from engine.errors import Invalid, Message

# A form refers only inside itself ("#/$defs/..."): jsonschema would otherwise fetch any other
# $ref, a file on the server or a URL, when data is checked. An empty registry fetches nothing.
_NOTHING_TO_FETCH = Registry()


def problem(schema) -> str | None:
    """Why `schema` cannot be a form: it is not a JSON Schema, or it has a $ref outside itself."""
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as exc:
        return str(exc)
    stack = [schema]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            ref = node.get("$ref")
            if ref is not None and not (isinstance(ref, str) and ref.startswith("#")):
                return f"$ref {ref!r} points outside the form; only references inside it (#/...) are allowed"
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return None


def check(schema: dict, data: dict, message: Message) -> None:
    """Refuse data the schema does not accept, with one detail per field in error: the field's
    path, the validator's English message, and the schema rule broken with its value (type and
    "integer", minimum and 0), from which a page words the problem in its own language.

    A field the form does not have is refused too, unless the form allows more
    (additionalProperties): data is merged into the case, where it could otherwise set what
    another step decides.

    The caller writes its message as Message("...") so that the catalogue finds the sentence.
    """
    if "properties" in schema and not {"additionalProperties", "patternProperties"} & schema.keys():
        schema = {**schema, "additionalProperties": False}
    validator = Draft202012Validator(schema, registry=_NOTHING_TO_FETCH)
    try:
        errors = sorted(validator.iter_errors(data), key=lambda e: list(e.path))
    except Unresolvable as exc:  # a form stored before deploy refused such references
        raise Invalid(message, [{"field": None, "message": f"unresolvable reference: {exc}",
                                 "rule": "$ref", "expected": None}]) from None
    details = []
    for e in errors:
        if e.validator == "additionalProperties" and not e.path and isinstance(data, dict):
            details += [{"field": key, "message": f"{key!r} is not a field of this form",
                         "rule": "additionalProperties", "expected": False}
                        for key in sorted(data) if key not in schema.get("properties", {})]
        else:
            details.append({"field": "/".join(map(str, e.path)) or None, "message": e.message,
                            "rule": e.validator, "expected": e.validator_value})
    if details:
        raise Invalid(message, details)
