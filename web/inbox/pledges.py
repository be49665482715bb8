"""告知承诺核查: the checks of the pledges of the cases a department granted, due first; on a check's
page its department records what it found, and its head revokes a grant obtained by a false
pledge (撤销). Supervisors read every department's."""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from engine import intake, pledge_checks, revocation
from engine.errors import Conflict, Invalid

from . import bp
from .access import actor, flash_error, roles_required

READERS = (*pledge_checks.CHECKERS, *pledge_checks.WATCHERS)


@bp.get("/pledge-checks")
@roles_required(*READERS)
def pledge_checks_list():
    state = request.args.get("state") if request.args.get("state") in pledge_checks.FILTERS else None
    return render_template("inbox/pledge_checks.html", rows=pledge_checks.checks(actor(), state), state=state,
                           counts=pledge_checks.counts(actor()))


def _page(check_id: int, status: int = 200, typed: dict | None = None):
    """The check with the case's other pledges and what its reader may do; `typed`: a refused
    finding or revocation, as it was sent."""
    me = actor()
    check = pledge_checks.get(check_id, me)
    notice, found_false = revocation.standing(check.case_id)
    return render_template("inbox/pledge_check.html", check=check, checks=pledge_checks.of_case(check.case_id),
                           may_check=pledge_checks.may_check(me, check), revoked=notice,
                           grant_stands=check.case.status in revocation.REVOCABLE,
                           may_revoke=revocation.may_revoke(me, check.case, found_false), typed=typed or {},
                           finding_max=pledge_checks.MAX_FINDING, reason_max=revocation.MAX_REASON), status


@bp.get("/pledge-checks/<int:check_id>")
@roles_required(*READERS)
def pledge_check(check_id):
    return _page(check_id)


def _act(check_id: int, call, done: str, typed: dict):
    """call(check), for a check the reader may see (else refused as its page would be)."""
    check = pledge_checks.get(check_id, actor())
    try:
        call(check)
    except (Invalid, Conflict) as exc:
        flash_error(exc)
        return _page(check_id, exc.status, typed)
    flash(done, "success")
    return redirect(url_for("inbox.pledge_check", check_id=check_id), 303)


@bp.post("/pledge-checks/<int:check_id>")
@roles_required(*pledge_checks.CHECKERS)
def record_pledge_check(check_id):
    typed = {"outcome": request.form.get("outcome", ""), "finding": request.form.get("finding", "")}
    upload = request.files.get("evidence")
    evidence = intake.Upload("evidence", upload.filename, upload.read()) if upload and upload.filename else None
    return _act(check_id, lambda check: pledge_checks.record(check.id, actor(), typed["outcome"], typed["finding"],
                                                              evidence),
                _("核查结果已记录：不实，已列入申请人失信记录") if typed["outcome"] == "false" else _("核查结果已记录：属实"),
                typed)


@bp.post("/pledge-checks/<int:check_id>/revoke")
@roles_required(*revocation.REVOKERS)
def revoke(check_id):
    reason = request.form.get("reason", "")
    return _act(check_id, lambda check: revocation.revoke(check.case_id, actor(), reason),
                _("已撤销审批决定，并出具撤销决定书"), {"reason": reason})

