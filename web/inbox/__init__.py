"""待办任务: reviewers' and leads' inbox with their department's supervision orders (督办单),
rectifications of bad ratings (整改) and the checks of pledges due (告知承诺核查, inbox/pledges.py),
the task page, materials and the case diagram."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from engine import pledge_checks, rating_appeals, ratings, supervision
from engine.errors import Conflict, Invalid
from engine.services import notifications, progress, tasks
from engine.services.users import only_as_filer

from .access import actor, flash_error, register_error_page, roles_required

bp = Blueprint("inbox", __name__, url_prefix="/inbox")
register_error_page(bp)
WORKERS = ("reviewer", "lead", "clerk")


def render_inbox(status: int = 200, answers: dict | None = None, fixes: dict | None = None):
    """The three task lists and, for those who answer them, the open supervision orders and
    rectifications; `answers` and `fixes` keep what a refused answer carried, by order or
    rectification id."""
    me = actor()
    answers_orders = any(me.has_role(r) for r in supervision.ANSWERERS)
    orders = supervision.orders(me, state="open") if answers_orders else []
    rectifications = ratings.rectifications(me, state="open") if any(
        me.has_role(r) for r in ratings.ANSWERERS) else []
    # The last day each may still be appealed (申诉), for those the person may appeal.
    appealable = {r.id: rating_appeals.appeal_until(r) for r in rectifications if rating_appeals.may_appeal(me, r)}
    lists = progress.inbox(me, page=request.args.get("page", 1, type=int))
    checks = pledge_checks.counts(me) if any(me.has_role(r) for r in pledge_checks.CHECKERS) else None
    return render_template("inbox/index.html", lists=lists, orders=orders,
                           answers=answers or {}, feedback_max=supervision.FEEDBACK_MAX,
                           rectifications=rectifications, fixes=fixes or {}, fix_max=ratings.MAX_TEXT,
                           appealable=appealable, checks=checks), status


@bp.get("/")
@roles_required(*WORKERS)
def index():
    return render_inbox()


@bp.get("/notifications")
@roles_required(*WORKERS, "supervisor", "agent")
def notices():
    """通知: what the person was copied on, urged, handed or warned of; an agent, what the cases they
    filed were told. Each reads only their own."""
    me = actor()
    return render_template("inbox/notifications.html", items=notifications.notifications(me),
                           agent=only_as_filer(me), opens_cases=me.has_role("clerk") or me.has_role("agent"))


@bp.post("/notifications/read")
@roles_required(*WORKERS, "supervisor", "agent")
def notices_read():
    notifications.mark_read(actor())
    flash(_("通知已全部标为已读"), "success")
    return redirect(url_for("inbox.notices"), 303)


@bp.post("/tasks/<int:task_id>/claim")
@roles_required(*WORKERS)
def claim(task_id):
    try:
        tasks.claim(task_id, actor())
    except Conflict as exc:  # someone else was quicker: say so on the inbox, with the status
        flash_error(exc)
        return render_inbox(exc.status)
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


@bp.post("/orders/<int:order_id>/answer")
@roles_required(*supervision.ANSWERERS)
def answer_order(order_id):
    feedback = request.form.get("feedback", "")
    try:
        supervision.answer_order(order_id, actor(), feedback)
    except (Invalid, Conflict) as exc:  # the inbox again, with what was typed
        flash_error(exc)
        return render_inbox(exc.status, {order_id: feedback})
    flash(_("已提交督办反馈"), "success")
    return redirect(url_for("inbox.index"), 303)


@bp.post("/rectifications/<int:rectification_id>/answer")
@roles_required(*ratings.ANSWERERS)
def answer_rectification(rectification_id):
    response = request.form.get("response", "")
    try:
        ratings.answer(rectification_id, actor(), response)
    except (Invalid, Conflict) as exc:  # the inbox again, with what was typed
        flash_error(exc)
        return render_inbox(exc.status, fixes={rectification_id: response})
    flash(_("整改情况已答复"), "success")
    return redirect(url_for("inbox.index"), 303)


from . import files, ops, pledges, task  # noqa: E402,F401  (register their routes on bp)
