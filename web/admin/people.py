"""Users, their roles and departments."""
import secrets

from flask import flash, render_template, request
from flask_login import login_user
from flask_babel import gettext as _

from engine.errors import ShenpiError
from engine.services import admin, tokens, users
from engine.signin import TEMPORARY_DAYS
from engine.store.models import ROLES

from .. import once
from ..auth import Staff
from ..inbox.access import actor, roles_required
from ..names import by_name, role_name
from . import bp, done, refused



@bp.get("/users")
@roles_required("admin")
def people():
    return _people()


def _people():
    all_users, departments, locks = admin.users_and_departments(actor())
    # In the order people look names up, as every list of departments to choose from.
    departments = sorted(departments, key=lambda d: by_name(d.name, d.code))
    return render_template("admin/users.html", users=all_users, departments=departments,
                           roles=[(r, role_name(r)) for r in ROLES], locks=locks,
                           last_of_department=users.last_of_their_department(actor()),
                           days=TEMPORARY_DAYS)


@bp.post("/users")
@roles_required("admin")
def add_user():
    form = request.form
    try:
        users.add_user(form.get("login", "").strip(), form.get("name", "").strip() or form.get("login", ""),
                       form.get("department") or None, form.getlist("roles"), form.get("password") or None,
                       actor=actor(), temporary=True)
    except ShenpiError as exc:
        return refused(exc, _people)
    if form.get("password"):
        _temporary(form.get("login"))
    return done(_("已添加用户 %(login)s", login=form.get("login")), "admin.people")


def _temporary(login):
    flash(_("这是临时密码：%(login)s 登录后须先改为自己的密码，%(days)s 天内有效。", login=login, days=TEMPORARY_DAYS), "info")


@bp.post("/users/<login>")
@roles_required("admin")
def change_user(login):
    try:
        released = admin.change_user(login, request.form.getlist("roles"), request.form.get("department") or None,
                                     actor())
    except ShenpiError as exc:
        return refused(exc, _people)
    if released:
        return done(_("已更新用户 %(login)s；其认领的 %(n)s 个任务已不在其部门或角色之内，已退回原组", login=login,
                      n=released), "admin.people")
    return done(_("已更新用户 %(login)s", login=login), "admin.people")


@bp.post("/users/<login>/<any(deactivate, activate):action>")
@roles_required("admin")
def user_activation(login, action):
    try:
        admin.set_active(login, action == "activate", actor())
    except ShenpiError as exc:
        return refused(exc, _people)
    message = _("已启用 %(login)s", login=login) if action == "activate" else \
        _("已停用 %(login)s，其认领的任务已退回本组", login=login)
    return done(message, "admin.people")


@bp.post("/users/<login>/password")
@roles_required("admin")
def set_password(login):
    try:
        revoked = users.set_password(login, request.form.get("password", ""), actor())
    except ShenpiError as exc:
        return refused(exc, _people)
    if login == actor().login:  # their own: this browser stays signed in, the others end
        login_user(Staff(users.get_user(login)))
    else:
        _temporary(login)
    if revoked:
        return done(_("已为 %(login)s 设置新密码，其已登录的会话均已结束，其 %(tokens)s 个 API 令牌已吊销",
                      login=login, tokens=revoked), "admin.people")
    return done(_("已为 %(login)s 设置新密码，其已登录的会话均已结束", login=login), "admin.people")


@bp.post("/users/<login>/unlock")
@roles_required("admin")
def unlock_user(login):
    try:
        was_locked = admin.unlock_user(login, actor())
    except ShenpiError as exc:
        return refused(exc, _people)
    return done(_("已解除 %(login)s 的登录锁定", login=login) if was_locked else
                _("%(login)s 的登录未被锁定（锁定可能已到期）", login=login), "admin.people")


@bp.get("/users/<login>/tokens")
@roles_required("admin")
def user_tokens(login):
    return _tokens(login)


def _tokens(login, issued=None, sent_again=False):
    # Each page's form is told apart from a reload of the answer to it (once.made_by): the same
    # label filled in again on a new page is a new token.
    return render_template("admin/tokens.html", login=login, tokens=tokens.list_tokens(login, actor()),
                           issued=issued, sent_again=sent_again, may_issue=tokens.may_issue(login, actor()),
                           form_id=secrets.token_urlsafe(8))


@bp.post("/users/<login>/tokens")
@roles_required("admin")
def issue_token(login):
    if once.made_by() is not None:  # a reload of the answer: the token was shown once, not again
        return _tokens(login, sent_again=True)
    try:
        token = tokens.issue_token(login, label=request.form.get("label"), actor=actor())
    except ShenpiError as exc:
        return refused(exc, _tokens, login=login)
    once.remember(login=login)
    # Shown in this answer only: a redirect would carry it in the session cookie, which is signed,
    # not encrypted. No cache keeps it (no signed-in page is kept: web/__init__.py), so neither the
    # back button nor a proxy shows it again.
    return _tokens(login, issued=token)


@bp.post("/users/<login>/tokens/<int:token_id>/revoke")
@roles_required("admin")
def revoke_token(login, token_id):
    try:
        tokens.revoke_token(login, token_id, actor())
    except ShenpiError as exc:
        return refused(exc, _tokens, login=login)
    return done(_("已撤销 %(login)s 的 API 令牌 %(id)s", login=login, id=token_id), "admin.user_tokens", login=login)


@bp.post("/departments")
@roles_required("admin")
def add_department():
    try:
        admin.add_department(request.form.get("code", ""), request.form.get("name", ""), actor())
    except ShenpiError as exc:
        return refused(exc, _people)
    return done(_("已添加部门 %(name)s（%(code)s）", name=request.form.get("name", "").strip(),
                  code=request.form.get("code", "").strip()), "admin.people")


@bp.post("/departments/<code>")
@roles_required("admin")
def rename_department(code):
    try:
        admin.rename_department(code, request.form.get("name", ""), actor())
    except ShenpiError as exc:
        return refused(exc, _people)
    return done(_("已更新部门 %(code)s 的名称", code=code), "admin.people")
