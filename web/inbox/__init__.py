"""待办任务: reviewers' and leads' inbox, the task page, materials and the case diagram."""
from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from engine.errors import Conflict
from engine.services import progress, tasks

from .access import actor, flash_error, register_error_page, roles_required

bp = Blueprint("inbox", __name__, url_prefix="/inbox")
register_error_page(bp)
WORKERS = ("reviewer", "lead", "clerk")


@bp.get("/")
@roles_required(*WORKERS)
def index():
    return render_template("inbox/index.html", lists=progress.inbox(actor()))


@bp.post("/tasks/<int:task_id>/claim")
@roles_required(*WORKERS)
def claim(task_id):
    try:
        tasks.claim(task_id, actor())
    except Conflict as exc:  # someone else was quicker: say so on the inbox, with the status
        flash_error(exc)
        return render_template("inbox/index.html", lists=progress.inbox(actor())), exc.status
    flash(_("已认领任务"), "success")
    return redirect(url_for("inbox.task", task_id=task_id), 303)


@bp.post("/tasks/<int:task_id>/unclaim")
@roles_required(*WORKERS)
def unclaim(task_id):
    try:
        tasks.unclaim(task_id, actor())
    except Conflict as exc:
        flash_error(exc)
        return redirect(url_for("inbox.task", task_id=task_id), 303)
    flash(_("已释放任务，退回本组待认领"), "success")
    return redirect(url_for("inbox.index"), 303)


from . import files, ops, task  # noqa: E402,F401  (register their routes on bp)
