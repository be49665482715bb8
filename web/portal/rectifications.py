"""Staff pages for rectifications (整改): the department responsible answers (a window, for its
service), supervisors watch all of them."""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from engine import ratings
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


@bp.route("/rectifications/<int:rectification_id>", methods=["GET", "POST"])
@login_required
def rectification(rectification_id):
    actor = current_user.user
    try:
        row = ratings.get(rectification_id, actor)
    except ShenpiError as exc:
        return _forbidden_or_missing(exc)
    form = AnswerForm()
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                ratings.answer(rectification_id, actor, form.response.data)
            except ShenpiError as exc:
                flash_error(exc)
                status = exc.status
            else:
                flash(_("整改情况已答复"), "success")
                return redirect(url_for("portal.rectification", rectification_id=rectification_id))
        else:
            flash(_("请填写整改情况"), "error")
            status = 422
    return render_template("portal/rectification.html", row=row, form=form,
                           may_answer=ratings.may_answer(actor, row)), status
