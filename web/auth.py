"""Signing staff in and out (Flask-Login, hashed passwords, CSRF-protected form)."""
from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import UserMixin, current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired

from engine.errors import NotFound, ShenpiError, TooManyAttempts
from engine.signin import LOCK_MINUTES
from engine.services import users

from . import STATIC_ENDPOINTS, login_manager, searches
from .inbox.access import flash_error

bp = Blueprint("auth", __name__)
# Forms anyone may send without a session (signing in, registering, rating by a code): one left
# open too long comes back to be sent again.
OPEN_FORMS = ("auth.login", "portal.login", "portal.register", "rating.enter", "rating.screen")
PASSWORD_CHANGED = _l("密码已修改，其他设备上的登录已结束")
# A lock may close one address or every address, and may be partly over: what holds for all.
LOCKED = _l("密码连续输错次数过多，暂时不能登录，最长%(minutes)s分钟后可再试", minutes=LOCK_MINUTES)


def said_unfilled(form) -> None:
    """A sign-in or password form sent with fields left empty says which: its fields show no
    message of their own."""
    missing = [str(form[name].label.text) for name in form.errors if name in form and name != "csrf_token"]
    if missing:
        flash(_("请填写：%(fields)s", fields=_("、").join(missing)), "error")


def session_expired(exc):
    """A form sent after its sign-in ended (its CSRF token was the session's): to the sign-in page,
    which says so, then back to the page the form was on. A signed-in user's stale form is the
    plain 400 page."""
    from .inbox.access import http_error_page
    from .portal import SESSION_KEY
    if request.endpoint in OPEN_FORMS:
        flash(_("页面已过期，请重新填写后提交"), "error")
        return redirect(request.full_path.rstrip("?"), 303)
    applicant = request.path.startswith("/portal/")
    if (SESSION_KEY in session) if applicant else current_user.is_authenticated:
        return http_error_page(exc)
    flash(_("登录已超时，请重新登录后再提交（已填写的内容未保存）"), "error")
    back = local_path(urlsplit(request.referrer or "").path)
    return redirect(url_for("portal.login" if applicant else "auth.login", next=back), 303)


def local_path(target: str | None) -> str | None:
    """`target` if it is a path on this site, else None: where to go after signing in, never to
    another site. Browsers drop tabs and line breaks from a URL and read a backslash as a slash,
    so "/<tab>/evil.example" is cleaned before it is checked."""
    cleaned = "".join(ch for ch in target or "" if ch >= " " and ch != "\x7f").replace("\\", "/")
    parts = urlsplit(cleaned)
    if not cleaned.startswith("/") or cleaned.startswith("//") or parts.scheme or parts.netloc:
        return None
    return cleaned


def new_csrf_token() -> None:
    """At sign-in: the anonymous session's CSRF token goes. A stranger who planted a session cookie
    of theirs in the browser (a sibling site may set one) knows its token, and could otherwise send
    forms as the person who signs in with it; the next form gets a token of its own."""
    session.pop("csrf_token", None)


def session_mark(account) -> str:
    """What a session keeps of a signed-in account (staff or applicant): "id:serial". Signing out
    raises the account's serial, so a copy of the cookie made before no longer signs anyone in."""
    return f"{account.id}:{account.session_serial}"


def marked(mark, load):
    """The account `load(id)` finds for a session mark, if the mark is still its current one."""
    try:
        account_id, serial = (int(part) for part in str(mark).split(":"))
        account = load(account_id)
    except (NotFound, ValueError):
        return None
    return account if account.session_serial == serial else None


class Staff(UserMixin):
    """The signed-in person: wraps the engine's User, which the services take as `actor`."""

    def __init__(self, user):
        self.user = user
        self.id = session_mark(user)

    def has_role(self, role):
        return self.user.has_role(role)


def own_password_first(account, change_page: str, *also_open: str):
    """Where a person signed in with a temporary password goes from any page but `change_page`
    and `also_open` (signing out): to choose their own, staff and applicants alike (engine/
    signin.py). None when they may go on, or are not signed in."""
    if account is None or not account.temporary_until or request.endpoint in (change_page, *also_open):
        return None
    if request.headers.get("HX-Request"):  # a page's own background reload: its script reloads the page
        return _("请先设置自己的密码"), 401
    return redirect(url_for(change_page))


@bp.before_app_request
def _staff_own_password_first():
    # The person who gave the password knows it: nothing opens to it but the choice of one's own.
    if request.endpoint not in STATIC_ENDPOINTS and current_user.is_authenticated:
        return own_password_first(current_user.user, "auth.change_password", "auth.logout", "auth.login")


@login_manager.unauthorized_handler
def _sign_in_first():
    # A page's own background reload (htmx) gets a plain 401, which its script answers by
    # reloading the whole page; a redirect would hand it the sign-in page to swap in.
    if request.headers.get("HX-Request"):
        return _("请先登录"), 401
    flash(_("请先登录"))
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


@login_manager.user_loader
def _load(mark):
    user = marked(mark, users.get_user_by_id)
    return Staff(user) if user is not None and user.active else None


class LoginForm(FlaskForm):
    login = StringField(_l("用户名"), validators=[DataRequired()])
    password = PasswordField(_l("密码"), validators=[DataRequired()])


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = users.check_password(form.login.data.strip(), form.password.data, request.remote_addr)
        except TooManyAttempts:
            flash(LOCKED, "error")
            return render_template("login.html", form=form), 429
        except ShenpiError as exc:  # an administrator's temporary password, expired
            flash_error(exc)
            return render_template("login.html", form=form), exc.status
        if user is not None:
            new_csrf_token()
            searches.forget()  # another person's, who did not sign out on this computer
            login_user(Staff(user))
            return redirect(local_path(request.args.get("next")) or url_for("auth.home"))
        flash(_("用户名或密码错误"), "error")
    else:
        said_unfilled(form)
    return render_template("login.html", form=form), 200 if request.method == "GET" else 401


@bp.post("/logout")
@login_required
def logout():
    users.sign_out(current_user.user.id)
    searches.forget()
    logout_user()
    return redirect(url_for("auth.login"))


class PasswordForm(FlaskForm):
    current = PasswordField("current", validators=[DataRequired()])
    new = PasswordField("new", validators=[DataRequired()])
    again = PasswordField("again", validators=[DataRequired()])


def password_change(template: str, change, done):
    """Answer a password change form: `change(current, new, address)` gives the account its new
    password (every other session has ended) and returns what `done` takes, which signs this
    browser in again and answers; a refusal shows the form again."""
    form = PasswordForm()
    if not form.validate_on_submit():
        said_unfilled(form)
        return render_template(template, form=form), 200 if request.method == "GET" else 400
    if form.new.data != form.again.data:
        flash(_("两次输入的新密码不一致"), "error")
        return render_template(template, form=form), 422
    try:
        changed = change(form.current.data, form.new.data, request.remote_addr)
    except TooManyAttempts:
        flash(LOCKED, "error")
        return render_template(template, form=form), 429
    except ShenpiError as exc:
        flash_error(exc)
        return render_template(template, form=form), exc.status
    return done(changed)


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    def signed_in_again(changed):
        user, revoked = changed
        login_user(Staff(user))
        flash(_("密码已修改，其他设备上的登录已结束，您的 %(tokens)s 个 API 令牌已吊销", tokens=revoked) if revoked
              else PASSWORD_CHANGED, "success")
        return redirect(url_for("auth.home"))
    return password_change("password.html", lambda *given: users.change_password(current_user.user.id, *given),
                           signed_in_again)


@bp.get("/")
def home():
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    user = current_user.user
    for role, endpoint in (("clerk", "intake.index"), ("agent", "intake.index"),
                           ("supervisor", "supervision.index"), ("designer", "designer.index"),
                           ("admin", "admin.index")):
        if role in (user.roles or ()):
            return redirect(url_for(endpoint))
    return redirect(url_for("inbox.index"))
