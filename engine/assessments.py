"""多评合一: the assessments a project needs, by the rules, and those its zone's regional assessments
spare it.

The procedure (processes/merged_assessments.bpmn, as `assessments(project)`) decides a case's
reviews with this when the window accepts it; engine/report_kinds.needs reads the same on the
application's form before, for the reports a case needs (asked by its checklist, offered by 中介超市),
none for a kind the zone's regional assessment (区域评估) exempts or simplifies. The policy stays in the decision tables
(rules/assessments_required.dmn, rules/regional_coverage.dmn); this reads the one form into them.
"""
from engine import regional
from engine.rules import decide

SIMPLIFIED_FORM, SIMPLIFIED_DAYS = "简化评估（告知承诺+核查）", 5


def assessments(project: dict) -> list[list[dict]]:
    """[reviews, exempted]: each assessment the rules require, as the rules name it ({code, name,
    department, days, ...}), reviewed in full, simplified (a zone's result applies in part:
    `regional_doc`) or exempted ({code, name, doc_no}) by the zone's valid result."""
    needed = decide("assessments_required", {
        "energyTce": project.get("energy_tce", 0), "electricityKwh": project.get("electricity_kwh", 0),
        "envCategory": project.get("env_category", "registration"), "landHa": project.get("land_ha", 0),
        "earthworkM3": project.get("earthwork_m3", 0), "geoHazardArea": project.get("geo_hazard_area", False),
        "waterSource": project.get("water_source", "municipal"), "hazardous": project.get("hazardous", False),
        "majorProject": project.get("major_project", False), "relicsArea": project.get("relics_area", False)})
    reviews, exempted, seen = [], [], set()
    for need in needed:
        if need["code"] in seen:
            continue
        seen.add(need["code"])
        cover = regional.coverage(project.get("zone"), need["code"], project)
        if cover["coverage"] == "EXEMPT":
            exempted.append({"code": need["code"], "name": need["name"], "doc_no": cover["doc_no"]})
        elif cover["coverage"] == "SIMPLIFIED":
            reviews.append(dict(need, form=SIMPLIFIED_FORM, days=min(need["days"], SIMPLIFIED_DAYS),
                                regional_doc=cover["doc_no"]))
        else:
            reviews.append(need)
    return [reviews, exempted]
