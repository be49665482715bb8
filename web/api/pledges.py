"""REST: 告知承诺核查 (engine/pledge_checks.py), 撤销 of a grant obtained by a false pledge
(engine/revocation.py) and the credit records of false pledges (engine/credit.py)."""
from flask import g, jsonify, request

from engine import credit, pledge_checks, revocation
from engine.errors import Invalid
from engine.services import progress

from . import bp, json_body, known_fields, text_field
from .procedures import files_in
from ..names import group_name


def _check(check) -> dict:
    case = check.case
    return {"id": check.id, "case_id": case.id, "case_number": case.number, "item_code": case.item_code,
            "applicant": case.applicant.name, "case_status": case.status, "material": check.material.kind,
            "material_name": check.material.name, "department": check.department,
            "department_name": group_name(check.department), "due_on": check.due_on.isoformat(),
            "state": check.state, "overdue": pledge_checks.late(check), "finding": check.finding,
            "evidence_id": check.evidence_id, "checked_by": check.checker.login if check.checker else None,
            "checked_at": check.checked_at.isoformat() if check.checked_at else None}


def _record(row) -> dict:
    return {"id": row.id, "applicant": row.applicant.name, "id_number": row.applicant.id_number,
            "case_id": row.case_id, "case_number": row.case.number, "check_id": row.check_id,
            "recorded_on": row.recorded_on.isoformat(), "active": row.active,
            "repaired_by": row.repairer.login if row.repairer else None,
            "repaired_at": row.repaired_at.isoformat() if row.repaired_at else None, "repair_reason": row.repair_reason}


@bp.get("/pledge-checks")
def pledge_checks_list():
    return jsonify([_check(c) for c in pledge_checks.checks(g.user, request.args.get("state") or None)])


@bp.post("/pledge-checks/<int:check_id>/record")
def record_pledge_check(check_id):
    body = known_fields(json_body(), "outcome", "finding", "evidence")
    evidence = body.get("evidence")
    if evidence is not None and not isinstance(evidence, dict):
        raise Invalid("evidence must be one file: {filename, content_base64}")
    [upload] = files_in([evidence], default_kind="evidence") if evidence is not None else [None]
    return jsonify(_check(pledge_checks.record(check_id, g.user, text_field(body, "outcome"),
                                               text_field(body, "finding"), upload)))


@bp.post("/cases/<int:case_id>/revoke")
def revoke_case(case_id):
    body = known_fields(json_body(), "reason")
    revocation.revoke(case_id, g.user, text_field(body, "reason"))
    return jsonify(progress.visible_case(case_id, g.user))


@bp.get("/credit-records")
def credit_records():
    """Every record, the active first (an ID number is searched on the page, kept out of addresses)."""
    return jsonify([_record(r) for r in credit.records(g.user)])


@bp.post("/credit-records/<int:record_id>/repair")
def repair_credit(record_id):
    body = known_fields(json_body(), "reason")
    return jsonify(_record(credit.repair(record_id, g.user, text_field(body, "reason"))))
