"""区域评估: a zone's approved assessments, which projects inside the zone share.

Facts come from the zone registry (processes/zones/*.yaml, loaded into the database); the
verdict (EXEMPT, SIMPLIFIED, REQUIRED) comes from the `regional_coverage` decision table, so a
designer changes the policy in rules/, not here.
"""
import re
from datetime import date
from pathlib import Path

import yaml
from sqlalchemy import select

from engine import clock
from engine.errors import Conflict, Invalid, Message, NotFound, whole, written
from engine.rules import decide
from engine.services.events import record
from engine.services.users import require
from engine.store import session_scope
from engine.store.db import flush_unique, read_session
from engine.store.models import RegionalAssessment, User
from engine.versioned import SAFE_LOADER

# Years a zone's result stays valid, per assessment kind; a zone file may say otherwise per
# result. The sources say 5 years, and 2 for geological hazard (三门峡).
DEFAULT_VALIDITY_YEARS = {"geological_hazard": 2}
VALIDITY_YEARS = 5
MAX_YEARS = 10
MAX_TEXT = 100  # characters of a zone's code and name, and of a document's number
MAX_REASON = 500
CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")


def load_zones(folder: Path, actor: User | None = None) -> int:
    """Register every zone file's results; a result already known (zone, kind, doc_no) is updated,
    but one revoked stays revoked (a file read again does not undo the administrator's act)."""
    count = 0
    with session_scope() as session:
        for path in sorted(Path(folder).glob("*.yaml")):
            zone = yaml.load(path.read_text(encoding="utf-8"), Loader=SAFE_LOADER) or {}
            if not zone.get("zone") or not isinstance(zone.get("assessments"), list):
                raise Invalid("%(file)s: a zone file needs `zone` and a list of `assessments`", file=path.name)
            for entry in zone["assessments"]:
                facts = _checked(zone["zone"], zone.get("name", zone["zone"]), entry, path.name)
                row = session.scalar(select(RegionalAssessment).where(*_same(facts))) or RegionalAssessment()
                revoked = row.revoked or bool(entry.get("revoked", False))
                session.add(row)
                for name, value in facts.items():
                    setattr(row, name, value)
                row.revoked = revoked
                count += 1
        record(session, "zones_loaded", actor=actor, count=count)
    return count


def any_registered() -> bool:
    with read_session() as session:
        return session.scalar(select(RegionalAssessment.id).limit(1)) is not None


def register(actor: User, zone: str, zone_name: str, entry: dict) -> int:
    """An administrator registers a zone's approved result (区域评估成果) from its document: the
    zone's code and name, the kind, the document's number, the day approved and, where it says,
    its years of validity, the industries it leaves out and the largest project (ha) it covers."""
    require(actor, "admin")
    facts = _checked((zone or "").strip(), (zone_name or "").strip() or (zone or "").strip(), entry, "")
    if facts["approved_on"] > clock.today():
        raise Invalid("A result approved on %(day)s has not been approved yet", day=facts["approved_on"].isoformat())
    with session_scope() as session:
        registered = Conflict("The zone %(zone)s already has the result %(doc_no)s for this kind", zone=facts["zone"],
                              doc_no=facts["doc_no"])
        if session.scalar(select(RegionalAssessment.id).where(*_same(facts))) is not None:
            raise registered
        row = RegionalAssessment(**facts, revoked=False)
        session.add(row)
        flush_unique(session, registered)  # registered at the same moment
        record(session, "regional_assessment_registered", actor=actor, id=row.id, zone=row.zone,
               assessment=row.assessment, doc_no=row.doc_no, approved_on=row.approved_on.isoformat(),
               valid_until=row.valid_until.isoformat())
        return row.id


def revoke(actor: User, result_id: int, reason: str) -> None:
    """A result withdrawn (撤销, or found not to hold): no project is spared by it from now on. A case
    filed before keeps what its procedure decided then: the reports it was asked for were fixed at
    filing (engine/report_kinds.py)."""
    require(actor, "admin")
    said = Message("Say why the result is revoked, in at most %(max)s characters", max=MAX_REASON)
    reason = written(reason, said, said)
    with session_scope() as session:
        row = session.get(RegionalAssessment, result_id)
        if row is None:
            raise NotFound("No regional assessment result %(id)s", id=result_id)
        if row.revoked:
            raise Conflict("The result %(doc_no)s is revoked already", doc_no=row.doc_no)
        row.revoked = True
        record(session, "regional_assessment_revoked", actor=actor, id=row.id, zone=row.zone,
               assessment=row.assessment, doc_no=row.doc_no, reason=reason)


def listed(actor: User) -> list[dict]:
    """Every registered result, by zone and kind, the latest first, with whether it holds today."""
    require(actor, "admin")
    today = clock.today()
    with read_session() as session:
        rows = session.scalars(select(RegionalAssessment).order_by(
            RegionalAssessment.zone, RegionalAssessment.assessment, RegionalAssessment.approved_on.desc())).all()
        return [{"id": r.id, "zone": r.zone, "zone_name": r.zone_name, "assessment": r.assessment,
                 "doc_no": r.doc_no, "approved_on": r.approved_on, "valid_until": r.valid_until,
                 "excluded_industries": r.excluded_industries or [], "max_land_ha": r.max_land_ha,
                 "state": "revoked" if r.revoked else "expired" if r.valid_until < today else "valid"} for r in rows]


def _same(facts: dict) -> tuple:
    return (RegionalAssessment.zone == facts["zone"], RegionalAssessment.assessment == facts["assessment"],
            RegionalAssessment.doc_no == facts["doc_no"])


def _checked(zone: str, zone_name: str, entry: dict, source: str) -> dict:
    """A result's facts as stored, from a zone file's entry or the administrator's form; refused
    with what is wrong (the file's name first, where it came from one)."""
    where = f"{source}: " if source else ""
    try:
        kind, doc_no = entry["kind"], str(entry["doc_no"]).strip()
        approved = entry["approved_on"]
        approved = approved if isinstance(approved, date) else date.fromisoformat(str(approved))
    except (KeyError, ValueError) as exc:
        raise Invalid("%(where)seach assessment needs kind, doc_no and approved_on (YYYY-MM-DD): %(error)s",
                      where=where, error=str(exc))
    years = entry.get("valid_years", DEFAULT_VALIDITY_YEARS.get(kind, VALIDITY_YEARS))
    land = entry.get("max_land_ha")
    excluded = entry.get("excluded_industries", [])
    if not CODE.fullmatch(zone or "") or not 0 < len(zone_name) <= MAX_TEXT or not 0 < len(doc_no) <= MAX_TEXT:
        raise Invalid("%(where)sa result needs the zone's code (letters, digits, - or _), its name and the "
                      "document's number, each at most %(max)s characters", where=where, max=MAX_TEXT)
    from engine import report_kinds  # which reads the zones' results through this module
    if kind not in report_kinds.RULED:
        raise Invalid("%(where)s%(kind)s is not an assessment the rules decide on; known: %(kinds)s", where=where,
                      kind=repr(kind), kinds=", ".join(sorted(report_kinds.RULED)))
    if not whole(years, 1, MAX_YEARS):
        raise Invalid("%(where)svalid_years is a whole number from 1 to %(max)s", where=where, max=MAX_YEARS)
    if land is not None and (isinstance(land, bool) or not isinstance(land, (int, float)) or not 0 < land < 1e6):
        raise Invalid("%(where)smax_land_ha is a positive number of hectares", where=where)
    if not isinstance(excluded, list) or not all(isinstance(i, str) and i for i in excluded):
        raise Invalid("%(where)sexcluded_industries is a list of industry codes", where=where)
    return {"zone": zone, "zone_name": zone_name, "assessment": kind, "doc_no": doc_no, "approved_on": approved,
            "valid_until": clock.add_years(approved, years), "excluded_industries": excluded,
            "max_land_ha": float(land) if land is not None else None}


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
