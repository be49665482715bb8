"""电子监察 › 信用记录: the applicants on a credit record for a false pledge (失信：虚假承诺), the active
first, found by ID number (or credit code) or name, the text kept out of the address
(web/searches.py); a supervisor or an administrator repairs a record (信用修复) with the reason."""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from engine import credit
from engine.errors import Conflict, Invalid

from web import searches
from web.inbox.access import actor, flash_error, roles_required

from . import bp


def _page(text: str, status: int = 200, typed: dict | None = None):
    """The records found; `typed`: a refused repair's reason, by record id."""
    return render_template("supervision/credit.html", rows=credit.records(actor(), text), q=text,
                           found=request.args.get("found"), typed=typed or {}, reason_max=credit.MAX_REASON), status


@bp.route("/credit-records", methods=["GET", "POST"])
@roles_required(*credit.REPAIRERS)
def credit_records():
    if request.method == "POST":  # an ID number: kept out of the address
        return searches.sent("supervision.credit_records")
    return _page(searches.shown())


@bp.post("/credit-records/<int:record_id>/repair")
@roles_required(*credit.REPAIRERS)
def repair_credit(record_id):
    reason = request.form.get("reason", "")
    try:
        credit.repair(record_id, actor(), reason)
    except (Invalid, Conflict) as exc:  # the list again, as it was found, with what was typed
        flash_error(exc)
        return _page(searches.recalled(request.args.get("found")) or "", exc.status, {record_id: reason})
    flash(_("已信用修复：该记录不再限制告知承诺和容缺受理"), "success")
    return redirect(url_for("supervision.credit_records", found=request.args.get("found")), 303)
