"""REST: the 中介超市's active agencies, for any signed-in caller (the portal's list is public too);
for supervisors, the overdue commissions and every agency's record."""
from flask import g, jsonify, request

from engine import agencies, agency_records
from engine.errors import Invalid

from . import bp


@bp.get("/agencies")
def list_agencies():
    kind = request.args.get("kind") or None
    if kind is not None and kind not in agencies.KINDS:
        raise Invalid("kind must be one of %(kinds)s", kinds=", ".join(agencies.KINDS))
    return jsonify([{"id": a["id"], "name": a["name"], "services": a["services"], "qualification": a["qualification"],
                     "contact": a["contact"], "price_note": a["price_note"], "average_rating": a["average"],
                     "ratings": a["count"]} for a in agencies.market(kind)])


@bp.get("/supervision/agencies")
def supervision_agencies():
    overdue = [{**agencies.describe(c), "case_id": c.case_id, "case_number": c.case.number,
                "late_workdays": agency_records.late_by(c)} for c in agency_records.overdue(g.user)]
    return jsonify({"overdue": overdue, "agencies": agency_records.records(g.user)})
