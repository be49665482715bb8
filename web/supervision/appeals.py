"""电子监察 › 差评申诉: the departments' appeals against bad ratings, the pending ones first, each
decided here by a supervisor with the reasons the applicant will read."""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from engine import rating_appeals, ratings
from engine.errors import Conflict, Invalid

from web.inbox.access import actor, flash_error, roles_required

from . import bp


def _page(status: int = 200, typed: dict | None = None):
    """The list; `typed`: a refused decision as it was sent, by appeal id."""
    return render_template("supervision/appeals.html", rows=rating_appeals.appeals(actor()), typed=typed or {},
                           note_max=ratings.MAX_TEXT), status


@bp.get("/appeals")
@roles_required(*rating_appeals.DECIDERS)
def appeals():
    return _page()


@bp.post("/appeals/<int:appeal_id>/decide")
@roles_required(*rating_appeals.DECIDERS)
def decide(appeal_id):
    outcome, note = request.form.get("outcome", ""), request.form.get("note", "")
    try:
        rating_appeals.decide(appeal_id, actor(), outcome, note)
    except (Invalid, Conflict) as exc:  # the list again, with what was typed
        flash_error(exc)
        return _page(exc.status, {appeal_id: {"outcome": outcome, "note": note}})
    flash(_("申诉成立：该差评不计入部门差评，整改终止") if outcome == "granted" else
          _("申诉不成立：差评保留，整改继续"), "success")
    return redirect(url_for("supervision.appeals"), 303)
