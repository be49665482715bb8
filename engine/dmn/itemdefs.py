"""Item definitions (DMN types) and checking a value against a type reference.

Checked: the FEEL base types number, string and boolean; structures (item
components); collections; allowed values. Other FEEL types (dates, durations,
functions...) are accepted unchecked. Null passes every type, as in DMN.
"""
from dataclasses import dataclass, replace
from decimal import Decimal

from .feel import UnaryTests

_BASE_TYPES = {"number": Decimal, "string": str, "boolean": bool}
FEEL_TYPES = set(_BASE_TYPES) | {"any", "context", "list", "function", "range", "date", "time", "date and time",
                                 "days and time duration", "years and months duration", "dayTimeDuration",
                                 "yearMonthDuration", "dateTime"}


@dataclass(frozen=True)
class ItemDefinition:
    name: str
    type_ref: str | None
    allowed: UnaryTests | None
    components: tuple["ItemDefinition", ...]
    is_collection: bool


def local_type_name(type_ref: str) -> str:
    """'feel:number' and 'tns:tLoan' name the types number and tLoan."""
    return type_ref.split(":", 1)[1] if ":" in type_ref and not type_ref.startswith("http") else type_ref


def violation(value, type_ref: str | None, definitions: dict[str, ItemDefinition]) -> str | None:
    """Why value does not fit the type named type_ref, or None when it fits."""
    if value is None or type_ref is None:
        return None
    definition = definitions.get(type_ref)
    if definition is not None:
        return _violation(value, definition, definitions)
    base = _BASE_TYPES.get(type_ref)
    # bool is an int subclass in Python, not a number in FEEL; isinstance alone would not tell them apart.
    if base is not None and not (isinstance(value, base) and (base is bool) == isinstance(value, bool)):
        return f"{value!r} is not a {type_ref}"
    return None


def _violation(value, definition: ItemDefinition, definitions) -> str | None:
    if value is None:
        return None
    if definition.is_collection:
        if not isinstance(value, list):
            return f"{definition.name} expects a list, got {value!r}"
        single = replace(definition, is_collection=False)
        return next((problem for item in value if (problem := _violation(item, single, definitions))), None)
    if definition.components:
        if not isinstance(value, dict):
            return f"{definition.name} expects a structure, got {value!r}"
        return next((problem for component in definition.components
                     if (problem := _violation(value.get(component.name), component, definitions))), None)
    problem = violation(value, definition.type_ref, definitions)
    if problem is None and definition.allowed is not None and not definition.allowed.matches(value, {}):
        problem = f"{value!r} is not an allowed value of {definition.name} ({definition.allowed.text})"
    return problem
