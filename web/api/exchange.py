"""REST: 办件信息汇聚, the cases' records the provincial platform pulls (engine/exchange.py)."""
import re

from flask import g, jsonify, request

from engine import exchange

from . import bp


@bp.get("/exchange/records")
def exchange_records():
    return jsonify(exchange.pull(g.user, _number("after", 0), _number("limit", exchange.DEFAULT_LIMIT)))


def _number(name: str, default: int):
    """A whole number as given; anything else is passed on as text, for the service to refuse
    after it has checked who asks."""
    text = request.args.get(name)
    if text is None:
        return default
    return int(text) if re.fullmatch(r"[0-9]{1,10}", text) else text
