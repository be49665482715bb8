"""The Chinese operations on a department's task: 转办, 退回, 撤回, 催办, 抄送, 审批意见, and on
the limits that count it: 特殊环节 (start and end) and 延长审批期限.

Each route hands the form to one engine.operations function; a refusal is shown on the task
page with its status, a success goes back where the task now is.
"""
import re

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _

from engine import operations
from engine.clock import extension, pauses
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


def _working_days(name: str) -> int:
    """A count of working days as typed; anything else, or more digits than any limit has, is 0,
    which the service refuses with its own words (and a huge count is never walked day by day)."""
    text = _field(name)
    return int(text) if text.isdecimal() and len(text) <= 3 else 0


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
    back = _clocks_page(_field("back"))
    if back is None:
        return _run(task_id, lambda: operations.urge(task_id, actor(), _field("message")), _("已催办"))
    # From a case's 案件时限, whose head may urge a step whose page they may not open: back there.
    try:
        operations.urge(task_id, actor(), _field("message"))
        flash(_("已催办"), "success")
    except (Invalid, Conflict) as exc:
        flash_error(exc)
    return redirect(back, 303)


def _clocks_page(path: str) -> str | None:
    """A case's 案件时限 page on this site, else None (never a redirect elsewhere)."""
    return path if re.fullmatch(r"/supervision/instances/\d+/clocks", path) else None


@bp.post("/tasks/<int:task_id>/copy")
@roles_required(*WORKERS)
def copy_to(task_id):
    # Comma-separated, as the field says: a name may have spaces in it ("住建局 赵磊").
    logins = [person.strip() for person in re.split(r"[,，;；、]+", _field("logins")) if person.strip()]
    return _run(task_id, lambda: operations.copy_to(task_id, actor(), logins, _field("note")), _("已抄送"))


@bp.post("/tasks/<int:task_id>/comment")
@roles_required(*WORKERS, "supervisor")  # a supervisor's note (监察意见) on a case they watch
def comment(task_id):
    return _run(task_id, lambda: operations.comment(task_id, actor(), _field("text")), _("已添加批注"))


@bp.post("/tasks/<int:task_id>/clocks/<int:clock_id>/pause")
@roles_required(*WORKERS)
def pause_clock(task_id, clock_id):
    return _run(task_id, lambda: pauses.pause(clock_id, _field("kind"), _field("reason"),
                                              _working_days("expected_days"), actor(), _field("participants")),
                _("特殊环节已开始，暂停计时"))


@bp.post("/tasks/<int:task_id>/clocks/<int:clock_id>/resume")
@roles_required(*WORKERS)
def resume_clock(task_id, clock_id):
    return _run(task_id, lambda: pauses.resume(clock_id, _field("result"), actor()), _("特殊环节已结束，恢复计时"))


@bp.post("/tasks/<int:task_id>/clocks/<int:clock_id>/extend")
@roles_required(*WORKERS)
def extend_clock(task_id, clock_id):
    return _run(task_id, lambda: extension.extend(clock_id, _working_days("days"), _field("reason"), actor(),
                                                  _field("approval")),
                _("审批期限已延长"))
