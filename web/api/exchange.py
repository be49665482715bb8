"""REST: 办件信息汇聚, the cases' records the provincial platform pulls (engine/exchange.py)."""
from flask import g, jsonify

from engine import exchange

from . import bp, query_number


@bp.get("/exchange/records")
def exchange_records():
    return jsonify(exchange.pull(g.user, query_number("after", 0), query_number("limit", exchange.DEFAULT_LIMIT)))
