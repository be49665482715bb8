"""Applicant accounts: register, sign in with phone or ID number, sign out."""
from flask import flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from engine import portal
from engine.errors import ShenpiError, TooManyAttempts
from web.auth import LOCKED, local_path

from . import SESSION_KEY, bp, failed, sign_in
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
        if applicant is not None:
            sign_in(applicant)
            return redirect(_safe_next())
        flash(_("账号或密码错误"), "error")
        return render_template("portal/login.html", form=form), 401
    return render_template("portal/login.html", form=form), 200 if request.method == "GET" else 400


@bp.route("/register", methods=["GET", "POST"])
def register():
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            applicant = portal.register(name=form.name.data, kind=form.kind.data, id_type=form.id_type.data,
                                        id_number=form.id_number.data, phone=form.phone.data,
                                        password=form.password.data, case_number=form.case_number.data or "")
        except ShenpiError as exc:
            return failed(exc, "portal/register.html", form=form)
        sign_in(applicant)
        flash(_("注册成功"), "success")
        return redirect(url_for("portal.my_cases"))
    return render_template("portal/register.html", form=form), 200 if request.method == "GET" else 422


@bp.post("/logout")
def logout():
    if g.applicant is not None:
        portal.sign_out(g.applicant.id)
    session.pop(SESSION_KEY, None)
    return redirect(url_for("portal.index"))
