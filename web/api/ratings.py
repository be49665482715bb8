"""REST: 申诉复核, a department's appeals against bad ratings and the supervisors' decisions
(engine/rating_appeals.py); a bad rating is named by its rectification's id."""
from flask import g, jsonify, request

from engine import rating_appeals

from . import bp, json_body, known_fields, text_field
from ..names import group_name


def _row(appeal) -> dict:
    fix = appeal.rectification
    return {"id": appeal.id, "rectification_id": fix.id, "case_id": fix.case_id, "case_number": fix.case.number,
            "department": fix.department, "department_name": group_name(fix.department), "rating": fix.rating,
            "concerns": fix.concerns, "rectification_state": fix.state, "ground": appeal.ground,
            "reason": appeal.reason, "filed_by": appeal.filer.login, "filed_at": appeal.filed_at.isoformat(),
            "state": appeal.state, "decided_by": appeal.decider.login if appeal.decider else None,
            "decided_at": appeal.decided_at.isoformat() if appeal.decided_at else None, "note": appeal.note}


@bp.get("/ratings/appeals")
def rating_appeals_list():
    return jsonify([_row(a) for a in rating_appeals.appeals(g.user, request.args.get("state") or None)])


@bp.post("/ratings/<int:rectification_id>/appeal")
def appeal_rating(rectification_id):
    body = known_fields(json_body(), "ground", "reason")
    appeal = rating_appeals.appeal(rectification_id, g.user, text_field(body, "ground"), text_field(body, "reason"))
    return jsonify(_row(appeal)), 201


@bp.post("/ratings/appeals/<int:appeal_id>/decide")
def decide_appeal(appeal_id):
    body = known_fields(json_body(), "outcome", "note")
    return jsonify(_row(rating_appeals.decide(appeal_id, g.user, text_field(body, "outcome"),
                                              text_field(body, "note"))))
