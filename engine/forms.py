"""Form data checked against a JSON Schema (task forms, service items' application forms)."""
from jsonschema import Draft202012Validator

from engine.errors import Invalid, Message


def check(schema: dict, data: dict, message: Message) -> None:
    """Refuse data the schema does not accept, with one detail per field in error: the field's
    path, the validator's English message, and the schema rule broken with its value (type and
    "integer", minimum and 0), from which a page words the problem in its own language.

    The caller writes its message as Message("...") so that the catalogue finds the sentence.
    """
    errors = sorted(Draft202012Validator(schema).iter_errors(data), key=lambda e: list(e.path))
    if errors:
        raise Invalid(message, [{"field": "/".join(map(str, e.path)) or None, "message": e.message,
                                 "rule": e.validator, "expected": e.validator_value} for e in errors])
