"""GET /healthz, for a load balancer: 200 {"status": "ok"} while this server can serve, else 503
naming the checks that failed (database, schema, files), nothing more. No sign-in, no session,
never cached. An administrator sees more (timers) on 系统管理 and at GET /api/health."""
from flask import Blueprint, jsonify

from engine import health

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    failed = health.probe()
    response = jsonify({"status": "unavailable", "failed": failed} if failed else {"status": "ok"})
    response.status_code = 503 if failed else 200
    return response
