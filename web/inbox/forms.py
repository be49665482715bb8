"""A JSON Schema (a task's form, a service item's application form) as HTML fields, and the
posted form back as typed data.

Validation stays on the server (tasks.complete runs jsonschema); here values only get their
types, so that "3" reaches the schema as 3 and an unticked box as false. Nested objects become
dotted field names ("property.area_m2") and nested data again when read back. A field whose
format is "money" is an amount, shown as money() writes it.
"""
import math
import re

from flask_babel import lazy_gettext as _l

from ..messages import translated

TEXTAREA_LENGTH = 200  # longer free text gets a text area


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
                       "help": prop.get("description"), "default": prop.get("default"),
                       "money": prop.get("format") == "money"})
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


def rows(schema: dict | None, data: dict | None) -> list[tuple[str, object]]:
    """Form data as the form labels it: (field title, value or its option's name), in the form's
    order; keys the form does not name (data of an earlier form) follow under their own names."""
    data, result, named = data or {}, [], set()
    for field in fields(schema):
        value = _at(data, field["name"])
        named.add(field["name"].split(".")[0])
        if value is not _ABSENT and field["money"]:
            result.append((field["label"], money(value)))
        elif value is not _ABSENT:
            result.append((field["label"], dict(field["options"]).get(value, value)
                           if field["options"] and not isinstance(value, (list, dict)) else value))
    return result + [(key, value) for key, value in data.items() if key not in named]


def values(schema: dict | None, data: dict | None) -> dict:
    """Saved data as the form's fields hold it, by their dotted names (a step reopened to mend)."""
    found = {field["name"]: _at(data or {}, field["name"]) for field in fields(schema)}
    return {name: value for name, value in found.items() if value is not _ABSENT}


_ABSENT = object()


def _at(data: dict, dotted: str):
    """The value at a field's dotted name in nested data, or _ABSENT."""
    for part in dotted.split("."):
        if not isinstance(data, dict) or part not in data:
            return _ABSENT
        data = data[part]
    return data


def _put(data: dict, dotted: str, value) -> None:
    *parents, last = dotted.split(".")
    for part in parents:
        data = data.setdefault(part, {})
    data[last] = value


THOUSANDS = re.compile(r"-?\d{1,3}([,，]\d{3})+(\.\d+)?")


def money(value) -> str:
    """An amount of money as notices and pages write it (the `money` filter): thousands apart and
    two decimals, 2,000,000.00; what is no number is shown as it is."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return "" if value is None else str(value)
    return f"{value:,.2f}"


def _typed(raw: str, field: dict):
    if field["widget"] == "select":
        # The option values may be numbers: post back the schema's own value.
        for value, _label in field["options"]:
            if str(value) == raw:
                return value
        return raw
    if field["widget"] in ("integer", "number") and THOUSANDS.fullmatch(raw):
        raw = re.sub("[,，]", "", raw)  # thousands as people write them: 1,200,000 (never 1,5)
    try:
        if field["widget"] == "integer":
            return int(raw)
        if field["widget"] == "number":
            number = float(raw)
            if not math.isfinite(number):  # "inf" and "nan" are no amounts
                return raw
            return int(number) if number.is_integer() else number
    except ValueError:
        return raw  # left as text: the schema check reports it against the field
    return raw


# What a field says of a value its schema refused, by the rule broken (engine.forms details); a
# rule not listed here is said in the validator's English.
RULES = {
    "required": _l("此项必填"),
    "minimum": _l("不能小于 %(expected)s"),
    "maximum": _l("不能大于 %(expected)s"),
    "exclusiveMinimum": _l("须大于 %(expected)s"),
    "exclusiveMaximum": _l("须小于 %(expected)s"),
    "multipleOf": _l("须为 %(expected)s 的整数倍"),
    "minLength": _l("至少 %(expected)s 个字"),
    "maxLength": _l("最多 %(expected)s 个字"),
    "pattern": _l("格式不正确"),
    "enum": _l("请从列出的选项中选择"),
    "const": _l("请从列出的选项中选择"),
    "additionalProperties": _l("表单中没有此项"),
}
# A box the form requires ticked (const true, or enum [true]): there is no list to choose from.
TICK = _l("请勾选此项")
TYPES = {"integer": _l("请填写整数"), "number": _l("请填写数字"), "string": _l("请填写文字"),
         "boolean": _l("请选择是或否")}


def errors_by_field(details: list, known: list[dict]) -> dict[str | None, list[str]]:
    """What is wrong, worded for the page, by field name; None holds what no field shows."""
    widgets = {f["name"]: f["widget"] for f in known}
    grouped: dict = {}
    for detail in details:
        if not isinstance(detail, dict):
            continue
        path = (detail.get("field") or "").replace("/", ".")
        shown = path in widgets
        grouped.setdefault(path if shown else None, []).append(_worded(detail, shown, widgets.get(path)))
    return grouped


def _worded(detail: dict, shown: bool, widget: str | None = None) -> str:
    """In the page's words; a missing property no field shows keeps the English that names it."""
    rule, expected = detail.get("rule"), detail.get("expected")
    if widget == "checkbox" and (rule, expected) in (("const", True), ("enum", [True])):
        return str(TICK)
    if rule == "type":  # "number", or a list of types such as ["number", "null"]
        wanted = [t for t in ([expected] if isinstance(expected, str) else expected or []) if t != "null"]
        if len(wanted) == 1 and wanted[0] in TYPES:
            return str(TYPES[wanted[0]])
    if rule in RULES and (shown or rule != "required"):
        return str(RULES[rule]) % {"expected": expected}
    return translated(detail.get("message", ""))  # a service's own sentence (engine/parties.py)
