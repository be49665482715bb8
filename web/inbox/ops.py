"""The Chinese operations on a department's task: 转办, 退回, 撤回, 催办, 抄送, 审批意见.

Each route hands the form to one engine.operations function; a refusal is shown on the task
page with its status, a success goes back where the task now is.
"""
import re

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _

from engine import operations
from engine.errors import Conflict, Invalid

from . import WORKERS, bp
from .access import actor, flash_error, roles_required
from .task import render_task


def _run(task_id: int, call, done: str, *, to_inbox: bool = False):
    try:
        call()
    except (Invalid, Conflict) as exc:
        flash_error(exc)
        return render_task(task_id, status=exc.status)
    flash(done, "success")
    target = url_for("inbox.index") if to_inbox else url_for("inbox.task", task_id=task_id)
    return redirect(target, 303)


def _field(name: str) -> str:
    return request.form.get(name, "").strip()


@bp.post("/tasks/<int:task_id>/transfer")
@roles_required(*WORKERS)
def transfer(task_id):
    return _run(task_id, lambda: operations.transfer(
        task_id, actor(), to_group=_field("to_group") or None, to_user=_field("to_user") or None,
        reason=_field("reason")), _("已转办"), to_inbox=True)


@bp.post("/tasks/<int:task_id>/send-back")
@roles_required(*WORKERS)
def send_back(task_id):
    return _run(task_id, lambda: operations.send_back(task_id, actor(), to=_field("to"), reason=_field("reason")),
                _("已退回"), to_inbox=True)


@bp.post("/tasks/<int:task_id>/withdraw")
@roles_required(*WORKERS)
def withdraw(task_id):
    return _run(task_id, lambda: operations.withdraw(task_id, actor()), _("已撤回，任务回到您的待办"),
                to_inbox=True)


@bp.post("/tasks/<int:task_id>/urge")
@roles_required(*WORKERS, "supervisor")
def urge(task_id):
    return _run(task_id, lambda: operations.urge(task_id, actor(), _field("message")), _("已催办"))


@bp.post("/tasks/<int:task_id>/copy")
@roles_required(*WORKERS)
def copy_to(task_id):
    logins = [login for login in re.split(r"[\s,，;；]+", _field("logins")) if login]
    return _run(task_id, lambda: operations.copy_to(task_id, actor(), logins, _field("note")), _("已抄送"))


@bp.post("/tasks/<int:task_id>/comment")
@roles_required(*WORKERS)
def comment(task_id):
    return _run(task_id, lambda: operations.comment(task_id, actor(), _field("text")), _("已添加审批意见"))
