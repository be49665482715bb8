"""The task page: the case, its materials and history, the diagram, the form and completing it."""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from engine import agencies, case_status, clock, intake, operations
from engine.clock import offers, pauses
from engine.errors import Conflict, EngineFailure, Invalid
from engine.services import progress, special_kinds, tasks

from .. import names
from ..messages import refusal
from . import WORKERS, bp
from .access import actor, flash_error, roles_required
from .forms import errors_by_field, fields, read, values

RESULT_KIND = "result"  # the kind of an uploaded result document (批复文件)
# The law's special procedures (Art. 45) by name, in the reader's language; one the office added
# (engine.services.special_kinds) by the name it was given.
SPECIAL_NAMES = {"hearing": _l("听证"), "bidding": _l("招标"), "auction": _l("拍卖"), "testing": _l("检验检测"),
                 "quarantine": _l("检疫"), "appraisal": _l("鉴定"), "expert_review": _l("专家评审"),
                 "correction": _l("申请人补正"), "payment": _l("申请人缴纳税费")}


def render_task(task_id: int, *, status: int = 200, errors: dict | None = None, values: dict | None = None):
    detail = progress.task_detail(task_id, actor())
    case = intake.describe(detail["case_id"]) if detail["case_id"] else None
    me = actor()
    mine = detail["state"] == "ready" and detail["assignee"] == me.login
    kinds = special_kinds.kind_names()
    return render_template(
        "inbox/task.html", task=detail, case=case, fields=fields(detail["schema"]), mine=mine,
        payment=case_status.payment_asked(task_id) if mine else None,
        errors=errors or {}, values=_answered_before(detail) if values is None else values,
        may_withdraw=_may_withdraw(detail, me),
        may_claim=_may_claim(detail, me), limits=offers.offered(task_id, me),
        special_kinds=[(kind, SPECIAL_NAMES.get(kind, name)) for kind, (name, may_start) in kinds.items() if may_start],
        special_names=special_names(kinds),
        max_special_days=pauses.MAX_SPECIAL_DAYS, send_back_to=operations.send_back_targets(task_id, me),
        departments=names.working_departments(), people=names.active_people(),
        commissions=agencies.of_case(case["id"]) if case else [], today_date=clock.today()), status


def special_names(kinds: dict | None = None) -> dict:
    """Every special procedure's name, also of one that may start no more (special_kinds.all_kinds)."""
    kinds = special_kinds.kind_names() if kinds is None else kinds
    return {**{kind: name for kind, (name, _started) in kinds.items()}, **SPECIAL_NAMES}


def _answered_before(detail: dict) -> dict:
    """A step reopened (退回, 撤回) shows its last answer, to mend rather than type again."""
    if detail["state"] != "ready":
        return {}
    answers = [e["data"].get("submitted") or {} for e in detail["events"]
               if e["type"] == "task_completed" and e["task_id"] == detail["id"]]
    return values(detail["schema"], answers[-1]) if answers else {}


def _may_claim(detail: dict, me) -> bool:
    """Free, in the actor's lane, and the actor one who claims (the claim route's roles)."""
    free = detail["state"] == "ready" and not detail["assignee"]
    return free and detail["may_work"] and any(me.has_role(role) for role in WORKERS)


def _may_withdraw(detail: dict, me) -> bool:
    if detail["state"] != "completed":
        return False
    return operations.withdrawable(detail["id"], me)


@bp.get("/tasks/<int:task_id>")
@roles_required(*WORKERS, "supervisor")
def task(task_id):
    return render_task(task_id)


@bp.post("/tasks/<int:task_id>/complete")
@roles_required(*WORKERS)
def complete(task_id):
    detail = progress.task_detail(task_id, actor())
    data = read(detail["schema"], request.form)
    upload = request.files.get("result_document")
    documents = [intake.Upload(RESULT_KIND, upload.filename, upload.read())] if upload and upload.filename else []
    remark = request.form.get("shenpi_remark", "").strip()
    try:
        tasks.complete(task_id, actor(), data, documents=documents)
    except (Invalid, Conflict) as exc:
        errors = errors_by_field(exc.details, fields(detail["schema"]))
        if errors:  # the fields say what is wrong; the banner only points at them
            flash(_("请按提示修改标出的内容"), "error")
        else:
            flash_error(exc)
        return render_task(task_id, status=exc.status, errors=errors, values=request.form)
    except EngineFailure as exc:  # the procedure's fault, not the reviewer's: kept as an incident
        flash(_("流程运行出错，本次办理未保存（已记录为流程异常，请联系流程设计人员或管理员）：%(error)s",
                error=refusal(exc)), "error")
        return render_task(task_id, status=exc.status, values=request.form)
    if remark:
        operations.comment(task_id, actor(), remark)
    flash(_("任务已办结：%(title)s", title=detail["title"]), "success")
    return redirect(url_for("inbox.index"), 303)
