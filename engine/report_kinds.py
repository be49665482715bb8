"""The kinds of report an agency prepares (中介服务), and which of them a project needs.

The kinds are the assessment codes of rules/assessments_required.dmn, plus the drawing review
(施工图审查), done by a qualified 审图机构. An item names the kinds it may need (`agency_services`);
a project needs those the rules require of it and its zone's valid regional assessment (区域评估)
does not exempt (engine/assessments.py). The marketplace (engine/agencies.py) offers agencies for
them, and a checklist entry made of them (engine/agency_reports.py) asks for their reports.
"""
from engine.assessments import assessments
from engine.errors import Message

# Named on the pages (web/labels.py AGENCY_SERVICES), and in a message by the name here, translated
# with it: a page says 地震安全性评价, not seismic_safety.
KIND_NAMES = {"environmental_impact": Message("environmental impact assessment"),
              "safety": Message("safety assessment"), "energy": Message("energy-saving assessment"),
              "soil_water": Message("soil and water conservation plan"),
              "seismic_safety": Message("seismic safety assessment"),
              "geological_hazard": Message("geological hazard assessment"),
              "water_resources": Message("water resources assessment"), "climate": Message("climate feasibility study"),
              "cultural_relics": Message("cultural relics impact assessment (archaeological survey)"),
              "drawing_review": Message("construction drawing review")}
KINDS = tuple(KIND_NAMES)
# The kinds the merged-assessment rules decide on; the drawing review is not theirs.
RULED = frozenset(KINDS) - {"drawing_review"}
REPORT = "report:"  # a report's material kind: report:<kind of report>


def report_name(kind: str) -> Message:
    """A kind's report as the checklist names it (节能评估报告), translated with what says it."""
    return Message("%(kind)s report", kind=KIND_NAMES[kind])


def kind_of(code: str) -> str | None:
    """The kind of report a material code stands for (report:energy is energy's), or None."""
    kind = code[len(REPORT):] if isinstance(code, str) and code.startswith(REPORT) else None
    return kind if kind in KIND_NAMES else None


def needs(item_data: dict, form: dict | None, instance_data: dict | None = None) -> tuple[list[str], dict[str, str]]:
    """(the kinds the project needs, {kind: the regional assessment's document} for those its zone
    exempts), among the item's 中介服务. Once the procedure has decided its reviews, as it decided
    (`instance_data`); before (the case awaits acceptance, when the reports are got), as the same
    rules decide on the application's form. A kind the rules do not decide on is always needed."""
    kinds = [k for k in item_data.get("agency_services") or () if k in KINDS]
    if not RULED.intersection(kinds):
        return kinds, {}
    project = (form or {}).get("project")
    if isinstance(instance_data, dict) and isinstance(instance_data.get("reviews"), list):
        reviews, exempted = instance_data["reviews"], instance_data.get("exempted")
    elif isinstance(project, dict):
        reviews, exempted = assessments(project)
    else:  # no project for the rules to read: the item's list as it stands
        return kinds, {}
    reviewed = {r.get("code") for r in reviews if isinstance(r, dict)}
    spared = {e.get("code"): str(e.get("doc_no") or "") for e in exempted or () if isinstance(e, dict)}
    return ([k for k in kinds if k in reviewed or k not in RULED],
            {k: spared[k] for k in kinds if k in spared and k not in reviewed})
