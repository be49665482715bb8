"""Form data checked against a JSON Schema (task forms, service items' application forms)."""
import json
from collections import Counter
from functools import lru_cache

from jsonschema import Draft202012Validator, SchemaError
from referencing import Registry
from referencing.exceptions import Unresolvable

from engine.errors import Invalid, Message

# A form refers only inside itself ("#/$defs/..."): jsonschema would otherwise fetch any other
# $ref, a file on the server or a URL, when data is checked. An empty registry fetches nothing.
_NOTHING_TO_FETCH = Registry()
# What a form may say about fields it does not name; saying nothing means none are taken.
_OPEN = {"additionalProperties", "patternProperties", "unevaluatedProperties"}


def problem(schema) -> str | None:
    """Why `schema` cannot be a form, in at most 470 characters (a schema error quotes the
    schema): it is not a JSON Schema, or a $ref points outside it or at nothing in it."""
    try:
        # Checking a schema against the metaschema costs milliseconds; a deployment and a
        # catalogue load check the same forms again each time.
        key = json.dumps(schema, sort_keys=True)
    except (TypeError, ValueError):  # not JSON at all (a YAML date): checked, and refused, as it is
        key = None
    # Only a schema its JSON gives back whole is known by it (YAML's {1: ...} would read as {"1": ...}).
    known = key is not None and json.loads(key) == schema
    wrong = _known_problem(key) if known else _problem(schema)
    return wrong[:470] if wrong else None


@lru_cache(maxsize=1024)
def _known_problem(key: str) -> str | None:
    return _problem(json.loads(key))


def _problem(schema) -> str | None:
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as exc:
        return str(exc)
    for ref in _refs(schema):
        if not (isinstance(ref, str) and ref.startswith("#")):
            return f"$ref {ref!r} points outside the form; only references inside it (#/...) are allowed"
        if _target(schema, ref) is None:
            return f"$ref {ref!r} points at nothing in the form"
    return None


def _refs(node):
    if isinstance(node, dict):
        if "$ref" in node:
            yield node["$ref"]
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def _target(schema: dict, ref: str):
    """The part of the form a local reference ("#/$defs/x") names, or None."""
    node = schema
    for part in filter(None, ref[1:].split("/")):
        part = part.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return None
    return node


def _named(schema: dict, node=None, seen=None) -> set[str]:
    """Every field name the form gives at its top level, through allOf/anyOf/oneOf and $ref."""
    node, seen = schema if node is None else node, seen if seen is not None else set()
    if not isinstance(node, dict) or id(node) in seen:
        return set()
    seen.add(id(node))
    names = set(node.get("properties") or {})
    for key in ("allOf", "anyOf", "oneOf"):
        for part in node.get(key) or ():
            names |= _named(schema, part, seen)
    if isinstance(node.get("$ref"), str) and node["$ref"].startswith("#"):
        names |= _named(schema, _target(schema, node["$ref"]), seen)
    return names


def check(schema: dict, data: dict, message: Message) -> None:
    """Refuse data the schema does not accept, with one detail per field in error: the field's
    path (a required field that is missing by its own path, not its object's), the validator's
    English message, and the schema rule broken with its value (type and "integer", minimum and
    0), from which a page words the problem in its own language.

    A field the form does not have is refused too, unless the form says what it takes besides
    its fields: data is merged into the case, where it could otherwise set what another step
    decides. unevaluatedProperties sees the fields of composed forms (allOf, $ref) as well.

    The caller writes its message as Message("...") so that the catalogue finds the sentence.
    """
    closed = not _OPEN & schema.keys()
    if closed:
        schema = {**schema, "unevaluatedProperties": False}
    validator = Draft202012Validator(schema, registry=_NOTHING_TO_FETCH)
    try:
        errors = sorted(validator.iter_errors(data), key=lambda e: list(e.path))
    except Unresolvable as exc:  # a form stored before deploy refused such references
        raise Invalid(message, [{"field": None, "message": f"unresolvable reference {getattr(exc, 'ref', '')!r}",
                                 "rule": "$ref", "expected": None}]) from None
    if not errors:
        return
    named = _named(schema)
    stray = sorted(k for k in data if k not in named) if isinstance(data, dict) else []
    details = []
    for e, field in zip(errors, _fields(errors)):
        if closed and e.validator == "unevaluatedProperties" and not e.path and stray:
            details += [{"field": key, "message": f"{key!r} is not a field of this form",
                         "rule": "additionalProperties", "expected": False} for key in stray]
        else:
            details.append({"field": field, "message": e.message, "rule": e.validator, "expected": e.validator_value})
    raise Invalid(message, details)


def _fields(errors) -> list[str | None]:
    """Each error's field, as a path ("seller/id_number"); None for what is wrong with the whole
    data. jsonschema reports a missing required field on the object that lacks it, one error per
    field in the order its `required` lists them: the n-th such error of one `required` is its
    n-th absent field."""
    told = Counter()
    fields = []
    for e in errors:
        path = list(map(str, e.path))
        if e.validator == "required" and isinstance(e.instance, dict) and isinstance(e.validator_value, list):
            keyword = (tuple(e.absolute_path), tuple(e.absolute_schema_path))
            absent = [name for name in e.validator_value if name not in e.instance]
            if told[keyword] < len(absent):
                path.append(str(absent[told[keyword]]))
            told[keyword] += 1
        fields.append("/".join(path) or None)
    return fields
