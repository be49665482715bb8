"""一件事 (国发〔2024〕3号, 高效办成一件事): several service items of several departments applied for
at once, with one form and one set of materials, at one window, with one answer. A thing is
declared in processes/things/*.yaml and versioned like an item (engine/catalogue.py):

    code: YJS-0001
    name: 二手房转移登记及水电气网联合过户
    department: realestate        # the department whose window hosts it: notices of the whole
    items: [1103-NRES-003, 1201-WATR-001, ...]
    shared_fields: [property.location]      # asked by several items' forms: filled in once
    shared_materials: [applicant_id, ...]   # on several items' checklists: handed in once

The one form lays the items' forms together, field by field (a nested object's fields by their
dotted names, as the pages name them): a field two items ask is one field only if the thing
declares it shared, and then both must ask it alike; any other is a clash, refused. Likewise a
material code on two items' checklists is one document only if declared shared; otherwise the
one upload it would take could not tell which item's document it is. Applying files a case of
each item (engine/thing_applications.py).
"""
import copy
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from engine import catalogue, versioned
from engine.errors import Invalid, NotFound
from engine.services.users import require
from engine.store import session_scope
from engine.store.models import ServiceItem, Thing, User

REQUIRED = ("code", "name", "department", "items")
MAX_ITEMS = 20
MAX_DESCRIPTION = 2000
# What would make a form's fields not one list of plain fields to lay beside another's.
COMPOSED = ("$ref", "allOf", "anyOf", "oneOf", "if", "dependentSchemas", "patternProperties")


@dataclass(frozen=True)
class Layout:
    """A thing as its items are now: them, the one form, and each material once ({**the first
    item's entry, mandatory if any item's is, items: the codes of those listing it, shared})."""
    items: list[ServiceItem]
    form: dict | None
    materials: list[dict]


def validate(thing: dict, source: str = "thing") -> dict:
    """Check a thing's own elements; laid against its items by layout (save does both)."""
    if not isinstance(thing, dict):
        raise Invalid("%(source)s: a thing is a mapping of its elements", source=source)
    missing = [f for f in REQUIRED if thing.get(f) in (None, "", [])]
    if missing:
        raise Invalid("%(source)s: missing %(fields)s", source=source, fields=", ".join(missing))
    if not catalogue.CODE.fullmatch(str(thing["code"])):
        raise Invalid("%(source)s: code %(code)s: letters, digits, '-', '_' or '.' only, at most 64",
                      source=source, code=repr(str(thing["code"])[:80]))
    if not isinstance(thing["name"], str) or len(thing["name"]) > catalogue.MAX_NAME:
        raise Invalid("%(source)s: name must be text of at most %(max)s characters", source=source,
                      max=catalogue.MAX_NAME)
    description = thing.get("description", "")
    if not isinstance(description, str) or len(description) > MAX_DESCRIPTION:
        raise Invalid("%(source)s: description must be text of at most %(max)s characters", source=source,
                      max=MAX_DESCRIPTION)
    items = thing["items"]
    if not (isinstance(items, list) and all(isinstance(code, str) for code in items) and 2 <= len(items) <= MAX_ITEMS):
        raise Invalid("%(source)s: items is a list of %(low)s to %(high)s service item codes", source=source,
                      low=2, high=MAX_ITEMS)
    twice = sorted({code for code in items if items.count(code) > 1})
    if twice:
        raise Invalid("%(source)s: items names %(items)s more than once", source=source, items=", ".join(twice))
    for key in ("shared_fields", "shared_materials"):
        listed = thing.get(key, [])
        if not (isinstance(listed, list) and all(isinstance(name, str) and name for name in listed)):
            raise Invalid("%(source)s: %(key)s is a list of names", source=source, key=key)
    return thing


def layout(thing: dict, items: list[ServiceItem], source: str = "thing") -> Layout:
    """The thing's one form and materials from its items as they are; refused, naming what, where
    two items clash or what the thing declares shared is not."""
    for item in items:
        if item.data.get("agency_services"):  # its reports are one project's (多评合一), not a thing's
            raise Invalid("%(source)s: item %(item)s takes agency reports, which no thing takes", source=source,
                          item=item.code)
    kinds = [_served(item) for item in items]
    if not set.intersection(*kinds):
        raise Invalid("%(source)s: no applicant may apply for every one of its items (their 服务对象 leave "
                      "none in common)", source=source)
    return Layout(items, _form(thing, items, source), _materials(thing, items, source))


def _served(item: ServiceItem) -> set[str]:
    return {kind for kind in ("person", "company") if catalogue.serves(item, kind)}


def _form(thing: dict, items: list[ServiceItem], source: str) -> dict | None:
    shared = set(thing.get("shared_fields", []))
    asked: dict[str, list[tuple[str, dict]]] = {}  # a field's dotted name: (item, its schema) for each item asking it
    for item in items:
        schema = item.data.get("form")
        if schema:
            composed = _composed(schema)
            if composed:
                raise Invalid("%(source)s: item %(item)s's form uses %(keyword)s: a thing lays plain fields "
                              "together", source=source, item=item.code, keyword=composed)
            for name, prop in leaves(schema).items():
                asked.setdefault(name, []).append((item.code, prop))
    for name in sorted(asked):
        nested = sorted(other for other in asked if other.startswith(name + "."))
        if nested:
            raise Invalid("%(source)s: form field %(field)s is a field of %(items)s but a group of fields of "
                          "%(others)s", source=source, field=name, items=_codes(asked[name]),
                          others=_codes(asked[nested[0]]))
        by = asked[name]
        if len(by) > 1 and name not in shared:
            raise Invalid("%(source)s: form field %(field)s is asked by %(items)s: list it under shared_fields if "
                          "it is the same fact, or give it another name in one item", source=source, field=name,
                          items=_codes(by))
        if len(by) > 1 and any(prop != by[0][1] for _, prop in by):
            raise Invalid("%(source)s: shared field %(field)s is not asked alike by %(items)s: give it the same "
                          "schema in each", source=source, field=name, items=_codes(by))
    for name in sorted(shared):
        if len(asked.get(name, [])) < 2:
            raise Invalid("%(source)s: shared field %(field)s is not on two of its items' forms", source=source,
                          field=name)
    return merged([item.data.get("form") for item in items])


def merged(schemas: list[dict | None]) -> dict | None:
    """The one form the items' forms make, laid together (layout checks they do not clash)."""
    schemas = [schema for schema in schemas if schema]
    if not schemas:
        return None
    one = {"type": "object", "properties": {}}
    for schema in schemas:
        _merge(one, schema)
    return one


def _composed(schema: dict) -> str | None:
    """The keyword that makes the form's objects more than their fields, if one does."""
    found = next((key for key in COMPOSED if key in schema), None)
    for prop in (schema.get("properties") or {}).values():
        if found is None and prop.get("type") == "object" and prop.get("properties"):
            found = _composed(prop)
    return found


def leaves(schema: dict, prefix: str = "") -> dict[str, dict]:
    """A form's fields by their dotted names (a nested object's own fields), as the pages name them."""
    found = {}
    for name, prop in (schema.get("properties") or {}).items():
        if prop.get("type") == "object" and prop.get("properties"):
            found.update(leaves(prop, f"{prefix}{name}."))
        else:
            found[prefix + name] = prop
    return found


def _merge(into: dict, schema: dict) -> None:
    """Lay a form's fields into the one form: an object both have takes the fields of each, and
    is required if either requires it."""
    for name in schema.get("required") or ():
        if name not in into.setdefault("required", []):
            into["required"].append(name)
    for name, prop in (schema.get("properties") or {}).items():
        if name not in into["properties"]:
            into["properties"][name] = copy.deepcopy(prop)
        elif prop.get("type") == "object" and prop.get("properties"):
            _merge(into["properties"][name], prop)


def _materials(thing: dict, items: list[ServiceItem], source: str) -> list[dict]:
    shared = set(thing.get("shared_materials", []))
    listed: dict[str, list[tuple[str, dict]]] = {}
    for item in items:
        for material in item.data["materials"]:
            listed.setdefault(material["code"], []).append((item.code, material))
    for code, by in listed.items():
        if len(by) > 1 and code not in shared:
            raise Invalid("%(source)s: material %(code)s is on the checklists of %(items)s: list it under "
                          "shared_materials if it is the same document, or give it another code in one item",
                          source=source, code=code, items=_codes(by))
    for code in sorted(shared):
        if len(listed.get(code, [])) < 2:
            raise Invalid("%(source)s: shared material %(code)s is not on two of its items' checklists",
                          source=source, code=code)
    return [{**by[0][1], "mandatory": any(m.get("mandatory", True) for _, m in by),
             "mandatory_by_agent": any(m.get("mandatory_by_agent") for _, m in by),
             "items": [code for code, _ in by], "shared": len(by) > 1} for by in listed.values()]


def _codes(pairs: list[tuple[str, dict]]) -> str:
    return ", ".join(code for code, _ in pairs)


def project(schema: dict | None, data: dict) -> dict:
    """An item's part of the one form's data: the fields its own form asks, nothing else (each
    item's form is closed)."""
    if not schema:
        return {}
    part = {}
    for name, prop in (schema.get("properties") or {}).items():
        if name not in data:
            continue
        value = data[name]
        nested = prop.get("type") == "object" and prop.get("properties") and isinstance(value, dict)
        part[name] = project(prop, value) if nested else copy.deepcopy(value)
    return part


def load_folder(folder: Path, actor: User | None = None) -> list[tuple[str, int, bool]]:
    """Load every YAML file of the folder (processes/things), after the items they name."""
    return versioned.load_folder(folder, load_text, actor)


def load_text(text: str, source: str, actor: User | None = None) -> tuple[str, int, bool]:
    return save(validate(versioned.read_yaml(text, source), source), actor, source)


def save(thing: dict, actor: User | None, source: str = "thing") -> tuple[str, int, bool]:
    """Store the thing as a new version if it changed; returns (code, version, new)."""
    if actor is not None:
        require(actor, "admin")
    validate(thing, source)
    layout(thing, [_item(code, source) for code in thing["items"]], source)
    with session_scope() as session:
        versioned.check_department(session, thing)
        return versioned.save_version(session, Thing, thing, actor, "thing_saved")


def _item(code: str, source: str) -> ServiceItem:
    try:
        return catalogue.get(code)
    except NotFound:
        raise Invalid("%(source)s: no service item %(item)s in the catalogue; load the items first",
                      source=source, item=code) from None


def _latest(session, code: str) -> Thing | None:
    return versioned.latest(session, Thing, code)


def get(code: str) -> Thing:
    with session_scope() as session:
        thing = _latest(session, code)
        if thing is None:
            raise NotFound("No thing %(code)s", code=repr(code))
        return thing


def layout_of(thing: Thing) -> Layout:
    """The thing's form and materials from its items' latest versions: an item revised since the
    thing was loaded into a clash is refused here, as the thing would have been."""
    return layout(thing.data, [_item(code, thing.code) for code in thing.data["items"]], thing.code)


def all_things() -> list[Thing]:
    with session_scope() as session:
        latest = {}
        for thing in session.scalars(select(Thing).order_by(Thing.code, Thing.version.desc())):
            latest.setdefault(thing.code, thing)
        return list(latest.values())
