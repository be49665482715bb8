"""A task's JSON Schema as HTML fields, and the posted form back as typed data.

Validation stays on the server in tasks.complete (jsonschema); here values only get their
types, so that "3" reaches the schema as 3 and an unticked box as false.
"""

import re

TEXTAREA_LENGTH = 200  # longer free text gets a text area
REQUIRED_MESSAGE = re.compile(r"^'(?P<name>[^']+)' is a required property$")


def fields(schema: dict | None) -> list[dict]:
    """One dict per property: name, label, widget, required, options, help, default."""
    if not schema:
        return []
    required = set(schema.get("required", ()))
    result = []
    for name, prop in (schema.get("properties") or {}).items():
        result.append({"name": name, "label": prop.get("title") or name, "widget": _widget(prop),
                       "required": name in required, "options": _options(prop),
                       "help": prop.get("description"), "default": prop.get("default"),
                       "type": prop.get("type")})
    return result


def _options(prop: dict) -> list[tuple]:
    if "enum" in prop:
        names = prop.get("enumNames") or [str(v) for v in prop["enum"]]
        return list(zip(prop["enum"], names))
    choices = prop.get("oneOf") or prop.get("anyOf") or []
    if choices and all("const" in c for c in choices):
        return [(c["const"], c.get("title") or str(c["const"])) for c in choices]
    return []


def _widget(prop: dict) -> str:
    if _options(prop):
        return "select"
    kind = prop.get("type")
    if kind == "boolean":
        return "checkbox"
    if kind in ("integer", "number"):
        return kind
    if prop.get("format") == "textarea" or (prop.get("maxLength") or 0) > TEXTAREA_LENGTH:
        return "textarea"
    return "text"


def read(schema: dict | None, form) -> dict:
    """The posted fields with the schema's types; an empty optional field is left out."""
    data = {}
    for field in fields(schema):
        name = field["name"]
        if field["widget"] == "checkbox":
            data[name] = form.get(name) in ("on", "true", "1")
            continue
        raw = form.get(name, "").strip()
        if raw == "":
            continue
        data[name] = _typed(raw, field)
    return data


def _typed(raw: str, field: dict):
    if field["widget"] == "select":
        # The option values may be numbers: post back the schema's own value.
        for value, _label in field["options"]:
            if str(value) == raw:
                return value
        return raw
    try:
        if field["widget"] == "integer":
            return int(raw)
        if field["widget"] == "number":
            number = float(raw)
            return int(number) if number.is_integer() else number
    except ValueError:
        return raw  # left as text: the schema check reports it against the field
    return raw


def errors_by_field(details: list) -> dict[str, list[str]]:
    """tasks.complete's details ({field, message}) grouped by field; None holds form-wide ones."""
    grouped: dict = {}
    for detail in details:
        if not isinstance(detail, dict):
            continue
        field, message = detail.get("field"), detail.get("message", "")
        missing = REQUIRED_MESSAGE.match(message) if field is None else None
        if missing:  # jsonschema reports a missing property on the object, not on the field
            field, message = missing.group("name"), "required"
        grouped.setdefault(field, []).append(message)
    return grouped
