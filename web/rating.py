"""扫码评价 (/rate): an applicant rates a closed case from their own phone, without signing in, by
the one-time code its closing notice prints and the window's 现场评价 screen shows
(engine/rating_codes.py). No page here opens in a browser where staff are signed in: the clerk's
screen shows the code, it never rates."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from engine import rating_codes, ratings
from engine.errors import Conflict, NotFound, ShenpiError, TooManyAttempts

from .portal import flash_error
from .portal.forms import RatingForm

bp = Blueprint("rating", __name__, url_prefix="/rate")


@bp.before_request
def _not_where_staff_sign_in():
    if current_user.is_authenticated:
        return render_template("rating/staff.html"), 403


@bp.route("/", methods=["GET", "POST"])
def enter():
    """The code typed from the notice, for a phone that did not scan it (or the hall's own tablet)."""
    typed = request.form.get("code", "")
    if request.method == "POST":
        try:
            return redirect(url_for("rating.screen", code=rating_codes.typed(typed)), 303)
        except ShenpiError as exc:
            flash_error(exc)
            return render_template("rating/enter.html", code=typed), exc.status
    return render_template("rating/enter.html", code="")


@bp.get("/thanks")
def thanks():
    return render_template("rating/thanks.html")


@bp.route("/<code>", methods=["GET", "POST"])
def screen(code):
    form = RatingForm()
    if request.method == "GET":
        return _form(code, form)
    if not form.validate_on_submit():
        flash(_("请选择评价等级"), "error")
        return _form(code, form, 422)
    try:  # the code is looked up (and counted) once, by the rating itself
        rectification = rating_codes.rate(code, int(form.level.data), form.text.data, form.concerns.data or None,
                                          request.remote_addr)
    except (NotFound, Conflict, TooManyAttempts) as exc:  # the code rates nothing: said (and counted) once
        return _rates_nothing(code, exc)
    except ShenpiError as exc:  # the form's own fault: its page again
        flash_error(exc)
        return _form(code, form, exc.status)
    if rectification is None:
        flash(_("感谢您的评价"), "success")
    elif rectification.concerns == "service":
        flash(_("感谢您的评价，受理窗口将于 %(due)s 前整改并答复", due=rectification.due_on.isoformat()), "success")
    else:
        flash(_("感谢您的评价，承办部门将于 %(due)s 前整改并答复", due=rectification.due_on.isoformat()), "success")
    return redirect(url_for("rating.thanks"), 303)


def _form(code: str, form: RatingForm, status: int = 200):
    """The rating form of the code's case; a code that rates nothing (unknown, and counted; used;
    expired; too many wrong ones from here) back to where a code is typed."""
    try:
        case = rating_codes.find(code, request.remote_addr)
    except ShenpiError as exc:
        return _rates_nothing(code, exc)
    return render_template("rating/rate.html", case=case, form=form, bad_levels=ratings.BAD,
                           rating_max=ratings.MAX_TEXT), status


def _rates_nothing(code: str, exc: ShenpiError):
    flash_error(exc)
    return render_template("rating/enter.html", code=code), exc.status
