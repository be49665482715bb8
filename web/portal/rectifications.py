"""Staff pages for rectifications (整改): the department responsible answers (a window, for its
service) or appeals the rating (申诉), supervisors watch all of them."""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from engine import rating_appeals, ratings
from engine.errors import ShenpiError

from . import bp, failed, flash_error
from .forms import AnswerForm


def _forbidden_or_missing(exc):
    return failed(exc, "portal/rectifications.html", rows=[], state=None)


@bp.get("/rectifications")
@login_required
def rectifications():
    state = request.args.get("state") if request.args.get("state") in ratings.FILTERS else None
    try:
        rows = ratings.rectifications(current_user.user, state=state)
    except ShenpiError as exc:
        return _forbidden_or_missing(exc)
    return render_template("portal/rectifications.html", rows=rows, state=state)


def _page(rectification_id: int, form: AnswerForm | None = None, typed: dict | None = None, status: int = 200):
    """The rectification with what its reader may do: answer it, appeal it (`typed`: a refused
    appeal, as it was sent); the service's refusal if they may not see it."""
    actor = current_user.user
    try:
        row = ratings.get(rectification_id, actor)
    except ShenpiError as exc:
        return _forbidden_or_missing(exc)
    return render_template("portal/rectification.html", row=row, form=form or AnswerForm(),
                           may_answer=ratings.may_answer(actor, row),
                           appeal_until=rating_appeals.appeal_until(row) if rating_appeals.may_appeal(actor, row)
                           else None, typed=typed or {}), status


def _act(rectification_id: int, call, done: str, **page):
    """Run the reader's operation on the rectification, then show it: with `done` said, or the
    refusal and what was sent (page). One they may not see is refused as its page would be."""
    try:
        ratings.get(rectification_id, current_user.user)
    except ShenpiError as exc:
        return _forbidden_or_missing(exc)
    try:
        call()
    except ShenpiError as exc:
        flash_error(exc)
        return _page(rectification_id, status=exc.status, **page)
    flash(done, "success")
    return redirect(url_for("portal.rectification", rectification_id=rectification_id))


@bp.route("/rectifications/<int:rectification_id>", methods=["GET", "POST"])
@login_required
def rectification(rectification_id):
    form = AnswerForm()
    if request.method == "GET":
        return _page(rectification_id, form)
    if not form.validate_on_submit():
        flash(_("请填写整改情况"), "error")
        return _page(rectification_id, form, status=422)
    return _act(rectification_id, lambda: ratings.answer(rectification_id, current_user.user, form.response.data),
                _("整改情况已答复"), form=form)


@bp.post("/rectifications/<int:rectification_id>/appeal")
@login_required
def appeal(rectification_id):
    """申诉: the department says the rating is mistaken or malicious; a supervisor decides."""
    typed = {"ground": request.form.get("ground", ""), "reason": request.form.get("reason", "")}
    return _act(rectification_id, lambda: rating_appeals.appeal(rectification_id, current_user.user, typed["ground"],
                                                                typed["reason"]),
                _("已提交申诉，待电子监察室复核；复核期间请照常在整改期限内答复"), typed=typed)
