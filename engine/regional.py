"""区域评估: a zone's approved assessments, which projects inside the zone share.

Facts come from the zone registry (processes/zones/*.yaml, loaded into the database); the
verdict (EXEMPT, SIMPLIFIED, REQUIRED) comes from the `regional_coverage` decision table, so a
designer changes the policy in rules/, not here.
"""
from datetime import date
from pathlib import Path

import yaml
from sqlalchemy import select

from engine import clock
from engine.errors import Invalid
from engine.rules import decide
from engine.services.events import record
from engine.store import session_scope
from engine.store.db import read_session
from engine.store.models import RegionalAssessment, User

# Years a zone's result stays valid, per assessment kind; a zone file may say otherwise per
# result. The sources say 5 years, and 2 for geological hazard and mineral coverage (三门峡).
DEFAULT_VALIDITY_YEARS = {"geological_hazard": 2, "mineral_coverage": 2}
VALIDITY_YEARS = 5


def load_zones(folder: Path, actor: User | None = None) -> int:
    """Register every zone file's results; a result already known (zone, kind, doc_no) is updated."""
    count = 0
    with session_scope() as session:
        for path in sorted(Path(folder).glob("*.yaml")):
            zone = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            if not zone.get("zone") or not isinstance(zone.get("assessments"), list):
                raise Invalid("%(file)s: a zone file needs `zone` and a list of `assessments`", file=path.name)
            for entry in zone["assessments"]:
                count += _register(session, zone, entry, path.name)
        record(session, "zones_loaded", actor=actor, count=count)
    return count


def _register(session, zone: dict, entry: dict, source: str) -> int:
    try:
        kind, doc_no = entry["kind"], str(entry["doc_no"])
        approved = entry["approved_on"]
        approved = approved if isinstance(approved, date) else date.fromisoformat(str(approved))
    except (KeyError, ValueError) as exc:
        raise Invalid("%(file)s: each assessment needs kind, doc_no and approved_on (YYYY-MM-DD): %(error)s",
                      file=source, error=str(exc))
    years = int(entry.get("valid_years", DEFAULT_VALIDITY_YEARS.get(kind, VALIDITY_YEARS)))
    row = session.scalar(select(RegionalAssessment).where(
        RegionalAssessment.zone == zone["zone"], RegionalAssessment.assessment == kind,
        RegionalAssessment.doc_no == doc_no))
    if row is None:
        row = RegionalAssessment(zone=zone["zone"], assessment=kind, doc_no=doc_no)
        session.add(row)
    row.zone_name = zone.get("name", zone["zone"])
    row.approved_on = approved
    row.valid_until = clock.add_years(approved, years)
    row.excluded_industries = list(entry.get("excluded_industries", []))
    row.max_land_ha = entry.get("max_land_ha")
    row.revoked = bool(entry.get("revoked", False))
    return 1


def coverage(zone: str | None, assessment: str, project: dict) -> dict:
    """Whether the zone's result for this kind exempts, simplifies or leaves the assessment required."""
    result = None
    if zone:
        with read_session() as session:
            result = session.scalar(select(RegionalAssessment).where(
                RegionalAssessment.zone == zone, RegionalAssessment.assessment == assessment,
                RegionalAssessment.revoked.is_(False)).order_by(RegionalAssessment.approved_on.desc()).limit(1))
    facts = {"inZone": bool(zone), "resultExists": result is not None,
             "valid": result is not None and clock.today() <= result.valid_until,
             "applicable": result is not None and _applicable(result, project)}
    verdict = decide("regional_coverage", facts)
    return {"assessment": assessment, "coverage": verdict,
            "doc_no": result.doc_no if result is not None and verdict != "REQUIRED" else None,
            "valid_until": result.valid_until.isoformat() if result is not None else None}


def _applicable(result: RegionalAssessment, project: dict) -> bool:
    if project.get("industry") in (result.excluded_industries or []):
        return False
    land = project.get("land_ha")
    return result.max_land_ha is None or land is None or float(land) <= result.max_land_ha


def shared(data: dict) -> list[dict]:
    """What the zone's regional assessments spared the project, as its procedure decided when it
    started (processes/merged_assessments.bpmn): each assessment `exempted`, and each review
    simplified (`reviews` with the result's `regional_doc`), with the document it rests on; the
    applicant is told, so as not to commission those reports."""
    def rows(name):
        found = data.get(name)
        return [row for row in found if isinstance(row, dict)] if isinstance(found, list) else []
    return ([{"code": e.get("code"), "name": e.get("name"), "doc_no": e.get("doc_no"), "coverage": "exempt"}
             for e in rows("exempted")]
            + [{"code": r.get("code"), "name": r.get("name"), "doc_no": r["regional_doc"], "coverage": "simplified",
                "form": r.get("form")} for r in rows("reviews") if r.get("regional_doc")])
