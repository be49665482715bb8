"""Applicant accounts: register, sign in with phone or ID number, change the password, sign out."""
import re

from flask import flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from engine import applicant_passwords, portal
from engine.errors import Invalid, ShenpiError, TooManyAttempts
from web.auth import LOCKED, PASSWORD_CHANGED, local_path, password_change, said_unfilled
from web.messages import translated

from . import SESSION_KEY, applicant_required, bp, failed, sign_in
from .forms import RegisterForm, SignInForm


def _safe_next() -> str:
    target = local_path(request.args.get("next"))
    return target if target and target.startswith("/portal") else url_for("portal.my_cases")


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = SignInForm()
    if form.validate_on_submit():
        try:
            applicant = portal.authenticate(form.identifier.data, form.password.data, request.remote_addr)
        except TooManyAttempts:
            flash(LOCKED, "error")
            return render_template("portal/login.html", form=form), 429
        except ShenpiError as exc:  # the window's temporary password, expired
            return failed(exc, "portal/login.html", form=form)
        if applicant is not None:
            sign_in(applicant)
            return redirect(_safe_next())
        flash(_("账号或密码错误"), "error")
        return render_template("portal/login.html", form=form), 401
    said_unfilled(form)
    return render_template("portal/login.html", form=form), 200 if request.method == "GET" else 400


@bp.route("/register", methods=["GET", "POST"])
def register():
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            applicant = portal.register(name=form.name.data, kind=form.kind.data, id_type=form.id_type.data,
                                        id_number=form.id_number.data, phone=form.phone.data,
                                        password=form.password.data, case_number=form.case_number.data or "")
        except Invalid as exc:
            if _under_fields(form, exc):  # each field says what is wrong with it
                flash(_("请按提示修改标出的内容"), "error")
                return render_template("portal/register.html", form=form), exc.status
            return failed(exc, "portal/register.html", form=form)
        except ShenpiError as exc:
            return failed(exc, "portal/register.html", form=form)
        sign_in(applicant)
        flash(_("注册成功"), "success")
        return redirect(url_for("portal.my_cases"))
    return render_template("portal/register.html", form=form), 200 if request.method == "GET" else 422


def _under_fields(form, exc: Invalid) -> bool:
    """Put the refusal's "field: sentence" details under the fields they name (the engine keeps
    the field's name in every language), the others in the banner; whether any found its field."""
    placed = False
    for detail in exc.details:
        name, colon, _rest = getattr(detail, "template", "").partition(":")
        if colon and name in form:
            form[name].errors.append(re.split("[:：]", translated(detail), maxsplit=1)[-1].strip())
            placed = True
        else:
            flash(translated(detail), "error")
    return placed


@bp.route("/account/password", methods=["GET", "POST"])
@applicant_required
def change_password():
    def signed_in_again(applicant):
        sign_in(applicant)
        flash(PASSWORD_CHANGED, "success")
        return redirect(url_for("portal.my_cases"))
    return password_change("portal/password.html",
                           lambda *given: applicant_passwords.change_password(g.applicant.id, *given),
                           signed_in_again)


@bp.post("/logout")
def logout():
    if g.applicant is not None:
        portal.sign_out(g.applicant.id)
    session.pop(SESSION_KEY, None)
    return redirect(url_for("portal.index"))
