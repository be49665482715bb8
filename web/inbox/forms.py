"""A JSON Schema (a task's form, a service item's application form) as HTML fields, and the
posted form back as typed data.

Validation stays on the server (tasks.complete runs jsonschema); here values only get their
types, so that "3" reaches the schema as 3 and an unticked box as false. Nested objects become
dotted field names ("property.area_m2") and nested data again when read back.
"""
import re

TEXTAREA_LENGTH = 200  # longer free text gets a text area
REQUIRED_MESSAGE = re.compile(r"^'(?P<name>[^']+)' is a required property$")


def fields(schema: dict | None, prefix: str = "", label_prefix: str = "") -> list[dict]:
    """One dict per leaf property: name, label, widget, required, options, help, default."""
    if not schema:
        return []
    required = set(schema.get("required", ()))
    result = []
    for name, prop in (schema.get("properties") or {}).items():
        path, label = f"{prefix}{name}", prop.get("title") or name
        if prop.get("type") == "object" and prop.get("properties"):
            result += fields(prop, f"{path}.", f"{label_prefix}{label} · ")
            continue
        result.append({"name": path, "label": label_prefix + label, "widget": _widget(prop),
                       "required": name in required, "options": _options(prop),
                       "help": prop.get("description"), "default": prop.get("default")})
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
    data: dict = {}
    for field in fields(schema):
        name = field["name"]
        if field["widget"] == "checkbox":
            _put(data, name, form.get(name) in ("on", "true", "1"))
            continue
        raw = form.get(name, "").strip()
        if raw != "":
            _put(data, name, _typed(raw, field))
    return data


def _put(data: dict, dotted: str, value) -> None:
    *parents, last = dotted.split(".")
    for part in parents:
        data = data.setdefault(part, {})
    data[last] = value


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


def errors_by_field(details: list, known: list[dict]) -> dict[str | None, list[str]]:
    """Validation details ({field, message}) by field name; None holds those no field shows."""
    names = {f["name"] for f in known}
    grouped: dict = {}
    for detail in details:
        if not isinstance(detail, dict):
            continue
        path = (detail.get("field") or "").replace("/", ".")
        message = detail.get("message", "")
        missing = REQUIRED_MESSAGE.match(message)
        if missing:  # jsonschema reports a missing property on its parent object
            field = f"{path}.{missing.group('name')}".lstrip(".")
            if field in names:
                path, message = field, "required"
        grouped.setdefault(path if path in names else None, []).append(message)
    return grouped
