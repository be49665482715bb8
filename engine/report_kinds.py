"""The kinds of report an agency prepares (中介服务), and which of them a project needs.

The kinds are the assessment codes of rules/assessments_required.dmn, plus the drawing review
(施工图审查), done by a qualified 审图机构. An item names the kinds it may need (`agency_services`);
a project needs those the rules require of it and its zone's valid regional assessment (区域评估)
neither exempts nor simplifies (needs, reading engine/assessments.py). The marketplace (engine/agencies.py) offers agencies for
them, and a checklist entry made of them (engine/agency_reports.py) asks for their reports.
"""
from engine import regional
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


def needs(item_data: dict, form: dict | None, instance_data: dict | None = None) -> tuple[list[str], list[dict]]:
    """(the kinds the project needs a report of, what its zone's regional assessment spared it among
    the item's 中介服务: regional.shared's rows, each `exempt` or `simplified`, with its document).
    Once the procedure has decided its reviews, as it decided (`instance_data`); before, as the same
    rules decide on the application's form. A simplified kind (简化评估（告知承诺+核查）) takes the
    applicant's pledge and the department's check, not a report: the acceptance notice tells them so
    from the same rows. A kind the rules do not decide on is always needed."""
    kinds = [k for k in item_data.get("agency_services") or () if k in KINDS]
    if not RULED.intersection(kinds):
        return kinds, []
    project = (form or {}).get("project")
    if isinstance(instance_data, dict) and isinstance(instance_data.get("reviews"), list):
        decided = instance_data
    elif isinstance(project, dict):
        reviews, exempted = assessments(project)
        decided = {"reviews": reviews, "exempted": exempted}
    else:  # no project for the rules to read: the item's list as it stands
        return kinds, []
    spared = [row for row in regional.shared(decided) if row["code"] in kinds]
    reviewed = {r.get("code") for r in decided["reviews"] if isinstance(r, dict)}
    skipped = {row["code"] for row in spared}
    return [k for k in kinds if k not in skipped and (k in reviewed or k not in RULED)], spared
