"""REST: the 中介超市's active agencies, for any signed-in caller (the portal's list is public too)."""
from flask import jsonify, request

from engine import agencies
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
