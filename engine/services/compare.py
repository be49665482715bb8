"""What changed between two versions of a process, element by element, read from the BPMN XML.

Elements are matched by id. An element changed when its type, name, other attributes, incoming
or outgoing flows, its spiffworkflow properties (compared one by one, so a page can say which
changed) or its other content (scripts, conditions, timer expressions) differ.
"""
from lxml import etree

from engine.bpmn.parser import parse_xml
from engine.store import session_scope
from engine.store.models import User

from .deploy import find_definition
from .users import require

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
# Elements whose children are elements of the process in their own right, compared separately.
LANE_SETS = {"laneSet", "childLaneSet"}
CONTAINERS = {"process", "subProcess", "transaction", "adHocSubProcess"} | LANE_SETS
FIELDS = ("type", "name", "attributes", "incoming", "outgoing", "properties", "content")

def compare_versions(key: str, old: int, new: int, actor: User) -> dict:
    """{"old", "new", "added", "removed", "changed"}; each element as {"id", "type", "name"},
    a changed one also with "fields" (what differs) and "before"/"after" for those fields."""
    require(actor, "designer")
    with session_scope() as session:
        sources = {}
        for version in (old, new):
            sources[version] = find_definition(session, key, version).source
    before = elements(sources[old].encode("utf-8"))
    after = elements(sources[new].encode("utf-8"))
    changed = []
    for element_id in sorted(before.keys() & after.keys()):
        old_element, new_element = before[element_id], after[element_id]
        fields = [f for f in FIELDS if old_element[f] != new_element[f]]
        if fields:
            entry = {**_summary(element_id, new_element), "fields": fields,
                     "before": {f: old_element[f] for f in fields}, "after": {f: new_element[f] for f in fields}}
            for field in ("properties", "attributes"):  # only those that differ, None where one side has none
                if field in fields:
                    old_values, new_values = old_element[field], new_element[field]
                    names = [n for n in sorted(old_values.keys() | new_values.keys())
                             if old_values.get(n) != new_values.get(n)]
                    entry["before"][field] = {n: old_values.get(n) for n in names}
                    entry["after"][field] = {n: new_values.get(n) for n in names}
            changed.append(entry)
    return {"key": key, "old": old, "new": new,
            "added": [_summary(i, after[i]) for i in sorted(after.keys() - before.keys())],
            "removed": [_summary(i, before[i]) for i in sorted(before.keys() - after.keys())],
            "changed": changed}


def elements(xml: bytes) -> dict[str, dict]:
    """Every process element with an id: processes, lanes, flow nodes, flows, data objects."""
    root = parse_xml(xml)
    found = {}
    for container in root.iter(*(f"{{{BPMN}}}{tag}" for tag in CONTAINERS)):
        if _local(container) == "process" and container.get("id"):
            found[container.get("id")] = _describe(container)
        for child in container:
            if isinstance(child.tag, str) and child.get("id") and _local(child) not in LANE_SETS:
                found[child.get("id")] = _describe(child)
    # The flows say it even when a file leaves out <incoming>/<outgoing>.
    for flow in root.iter(f"{{{BPMN}}}sequenceFlow"):
        if flow.get("sourceRef") in found:
            found[flow.get("sourceRef")]["outgoing"].add(flow.get("id"))
        if flow.get("targetRef") in found:
            found[flow.get("targetRef")]["incoming"].add(flow.get("id"))
    for described in found.values():
        described["incoming"] = sorted(described["incoming"])
        described["outgoing"] = sorted(described["outgoing"])
    return found

def _describe(element) -> dict:
    attributes = {_local_name(k): v for k, v in element.attrib.items() if k not in ("id", "name")}
    content = [_canonical(child) for child in element
               if isinstance(child.tag, str) and _local(child) not in ("incoming", "outgoing")
               and not (_local(element) in CONTAINERS and child.get("id"))]
    properties = {p.get("name"): p.get("value")
                  for p in element.iterfind("{*}extensionElements/{*}properties/{*}property")}
    return {"type": _local(element), "name": element.get("name") or "", "attributes": attributes,
            "incoming": set(), "outgoing": set(), "properties": properties,
            "content": "\n".join(sorted(c for c in content if c))}

def _canonical(element) -> str:
    """A child's meaning as text; generated ids (of event definitions, say) do not count."""
    if _local(element) in ("childLaneSet", "properties"):
        return ""  # nested lanes are compared as elements of their own, properties one by one
    attrs = " ".join(f"{_local_name(k)}={v}" for k, v in sorted(element.attrib.items()) if k != "id")
    inner = " ".join(filter(None, (_canonical(c) for c in element if isinstance(c.tag, str))))
    text = (element.text or "").strip()
    return f"<{_local(element)} {attrs}>{text}{inner}".replace(" >", ">")

def _local(element) -> str:
    return etree.QName(element).localname

def _local_name(attribute: str) -> str:
    return etree.QName(attribute).localname if attribute.startswith("{") else attribute

def _summary(element_id: str, described: dict) -> dict:
    return {"id": element_id, "type": described["type"], "name": described["name"]}
