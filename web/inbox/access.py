"""Who may open a staff page, and how a refused service call is shown.

Shared by the inbox, intake and supervision blueprints: the same role check and the same
error page everywhere, so a refusal by URL looks like a refusal by button.
"""
from functools import wraps

from flask import abort, flash, render_template
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from werkzeug.exceptions import HTTPException

from engine.errors import ShenpiError
from engine.files import MAX_BYTES, MAX_FILES_BYTES, MB
from web.messages import refusal

TITLES = {403: _l("无权访问"), 404: _l("未找到"), 409: _l("操作冲突"), 422: _l("信息有误")}
# What Flask itself refuses (a role the page needs, an unknown address), said in the page's language.
HTTP_ERRORS = {400: _l("页面已过期或请求不完整，请刷新页面后重试"), 403: _l("您的账号没有打开此页面的权限"),
               404: _l("没有这个页面，请检查地址"), 405: _l("此页面不接受这种请求"),
               # The browser's Back returns to the form as it was filled in, but for its files.
               413: _l("一次上传的文件合计过大（每个文件不超过 %(file)s MB，合计不超过 %(total)s MB）：请用浏览器的“返回”"
                       "回到表单，已填写的内容仍在，减少或压缩文件后再提交", file=MAX_BYTES // MB,
                       total=MAX_FILES_BYTES // MB)}
UNDONE = _l("操作未完成")


def roles_required(*roles):
    """Signed in and holding one of the roles (admin holds every role); otherwise 403."""
    def decorate(view):
        @wraps(view)
        @login_required
        def guarded(*args, **kwargs):
            if not any(current_user.user.has_role(r) for r in roles):
                abort(403)
            return view(*args, **kwargs)
        return guarded
    return decorate


def actor():
    return current_user.user


def flash_error(exc: ShenpiError) -> None:
    title = TITLES.get(exc.status, UNDONE)
    flash(_("%(label)s：%(value)s", label=title, value=refusal(exc)), "error")


def error_page(exc: ShenpiError):
    """A page for a refused GET or an action on something the user may not touch."""
    flash_error(exc)
    return render_template("inbox/error.html", status=exc.status,
                           title=TITLES.get(exc.status, UNDONE)), exc.status


def http_error_page(exc: HTTPException):
    """Flask's own 400 (a form whose CSRF token expired), 403, 404, 405 and 413 as a page in the
    product's language, not Werkzeug's English."""
    if exc.code not in HTTP_ERRORS:
        return exc
    flash(str(HTTP_ERRORS[exc.code]), "error")
    return render_template("inbox/error.html", status=exc.code,
                           title=TITLES.get(exc.code, HTTP_ERRORS[exc.code])), exc.code


def register_error_page(bp) -> None:
    """Forbidden and not-found service errors become a 403/404 page on this blueprint."""
    @bp.errorhandler(ShenpiError)
    def _service_error(exc: ShenpiError):
        return error_page(exc)
