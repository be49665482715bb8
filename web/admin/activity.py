"""操作日志: who changed people, accounts, processes and the calendar, held or moved a case's
procedure, or restored the installation; each event said in words, not as its data."""
from datetime import date

from flask import render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from engine.errors import Invalid, ShenpiError
from engine.services import activity as log

from .. import local_time
from ..inbox.access import actor, flash_error, roles_required
from ..labels import MATERIAL_FORMS
from ..names import everyone, group_name, person_name, role_name
from . import bp

GROUPS = {"people": _l("人员与账号"), "processes": _l("流程与事项"), "instances": _l("案件管理"),
          "calendar": _l("日历与基础数据"), "agencies": _l("中介超市"),
          "installation": _l("系统运维")}
LABELS = {"user_created": _l("新增人员"), "user_changed": _l("修改部门与角色"), "user_activated": _l("启用人员"),
          "user_deactivated": _l("停用人员"), "user_unlocked": _l("解除登录锁定"), "password_set": _l("设置密码"),
          "password_changed": _l("修改本人密码"), "department_created": _l("新增部门"),
          "department_renamed": _l("部门更名"), "token_issued": _l("发放 API 令牌"), "token_revoked": _l("吊销 API 令牌"),
          "applicant_password_reset": _l("发放申请人临时密码"), "roster_imported": _l("导入人员名册"),
          "deployed": _l("部署流程或规则"),
          "definition_suspended": _l("暂停流程版本"), "definition_resumed": _l("恢复流程版本"),
          "draft_saved": _l("保存设计草稿"), "draft_discarded": _l("删除设计草稿"),
          "decision_test_saved": _l("新增试算用例"), "decision_test_changed": _l("修改试算用例"),
          "decision_test_deleted": _l("删除试算用例"), "decision_tests_loaded": _l("载入试算用例文件"),
          "service_item_saved": _l("保存服务事项"), "material_template_saved": _l("上传材料表格"),
          "material_template_removed": _l("删除材料表格"), "thing_saved": _l("保存一件事"),
          "instance_suspended": _l("挂起案件"),
          "instance_resumed": _l("恢复案件"), "instance_migrated": _l("迁移案件版本"),
          "timer_retried": _l("定时器重新排队"), "calendar_imported": _l("导入节假日安排"),
          "calendar_closure_added": _l("添加停止办公日"), "calendar_closure_removed": _l("取消停止办公日"),
          "special_kind_added": _l("新增特殊环节"), "special_kind_withdrawn": _l("停用特殊环节"),
          "special_kind_restored": _l("恢复特殊环节"), "zones_loaded": _l("登记区域评估成果"),
          "regional_assessment_registered": _l("登记区域评估成果"), "regional_assessment_revoked": _l("撤销区域评估成果"),
          "agency_registered": _l("登记中介机构"), "agency_edited": _l("修改中介机构"),
          "agency_suspended": _l("暂停中介机构"), "agency_reinstated": _l("恢复中介机构"),
          "installation_restored": _l("从备份恢复"), "orphan_files_removed": _l("删除无引用的文件")}
FILTERS = ("what", "login", "since", "until")


@bp.get("/activity")
@roles_required("admin")
def activity():
    shown = {name: request.args.get(name, "").strip() for name in FILTERS}
    try:
        page = log.listed(actor(), what=shown["what"] or None, login=shown["login"] or None,
                          since=_day(shown["since"]), until=_day(shown["until"]),
                          before=request.args.get("before", type=int), after=request.args.get("after", type=int))
        status = 200
    except ShenpiError as exc:  # the form again, with what was typed and what is wrong with it
        flash_error(exc)
        page, status = {"events": [], "older": None, "newer": None}, exc.status
    filters = {k: v for k, v in shown.items() if v}
    return render_template("admin/activity.html", page=page, shown=shown, filters=filters, groups=GROUPS,
                           types=log.GROUPS, labels=LABELS, people=everyone(), detail=detail,
                           who=who), status


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        raise Invalid(_("日期 %(text)s 应为“年-月-日”，如 2025-10-08", text=text)) from None


def who(event: dict) -> str:
    """Who acted; the command line and the start-up deployment have no one."""
    if not event["actor"]:
        return _("系统（命令行）")
    return person(event["actor"], event["actor_name"])


def person(login: str | None, name: str | None = None) -> str:
    name = name or person_name(login)
    return _("%(name)s（%(login)s）", name=name, login=login) if name and name != login else (login or "—")


def detail(event: dict) -> str:
    """What was changed, in a sentence: whose account, which process and version, which day."""
    said = _SAID.get(event["type"])
    return said(event["data"], event) if said else ""


def _named(name, key, version=None) -> str:
    """A process, item, department or special procedure by name and code (once where they are alike)."""
    named = _("%(name)s（%(key)s）", name=name, key=key) if name and name != key else key
    return f"{named} v{version}" if version else named


def _listed(names) -> str:
    return _("、").join(names)  # 住建局、税务局; in English, commas


def _case(event: dict) -> str:
    case = event["case"] or {}
    return _("案件 %(number)s", number=case.get("number")) if case.get("number") else \
        _("流程实例 %(id)s", id=event["instance_id"])


def _whose(d, event) -> str:
    return person(d.get("login"))


def _account(d, event) -> str:
    roles = _listed(role_name(r) for r in d.get("roles") or []) or "—"
    said = _("%(person)s：部门 %(department)s，角色 %(roles)s", person=person(d.get("login")),
             department=group_name(d.get("department")), roles=roles)
    if d.get("old_name"):
        said += _("，姓名 %(old)s → %(name)s", old=d["old_name"], name=d.get("name"))
    if d.get("temporary_password"):
        said += _("，发放临时密码")
    if d.get("roster"):
        said += _("（名册 %(file)s）", file=d["roster"])
    if d.get("released_tasks"):
        said += _("；其认领的 %(tasks)s 个任务退回原组", tasks=d["released_tasks"])
    return said


def _roster(d, event) -> str:
    said = _("%(file)s：新增 %(created)s 人，修改 %(changed)s 人，未变 %(unchanged)s 人", file=d.get("file"),
             created=d.get("created"), changed=d.get("changed"), unchanged=d.get("unchanged"))
    if d.get("departments"):
        said += _("，新建部门 %(n)s 个", n=d["departments"])
    if d.get("released_tasks"):
        said += _("；认领的 %(tasks)s 个任务退回原组", tasks=d["released_tasks"])
    return said


def _deactivated(d, event) -> str:
    said = _whose(d, event)
    if d.get("released_tasks") or d.get("revoked_tokens"):
        said += _("；其认领的 %(tasks)s 个任务退回本组，%(tokens)s 个 API 令牌失效",
                  tasks=d.get("released_tasks", 0), tokens=d.get("revoked_tokens", 0))
    return said


def _password_set(d, event) -> str:
    return _whose(d, event) + (_("（临时密码）") if d.get("temporary") else "") + (
        _("；其 %(tokens)s 个 API 令牌已吊销", tokens=d["revoked_tokens"]) if d.get("revoked_tokens") else "")


def _password_changed(d, event) -> str:
    """The person themself, named as who acted: only what it ended."""
    return _("其 %(tokens)s 个 API 令牌已吊销", tokens=d["revoked_tokens"]) if d.get("revoked_tokens") else ""


def _token(d, event) -> str:
    return _("%(person)s 的令牌（编号 %(id)s），用途：%(label)s", person=person(d.get("login")), id=d.get("token_id"),
             label=d.get("label") or _("未注明"))


def _applicant(d, event) -> str:
    said = _("申请人 %(name)s", name=event["name"] or d.get("applicant_id"))
    return said + (_("（同时开通网上账号）") if d.get("opened") else "")


def _deployed(d, event) -> str:
    said = _listed(_named(x.get("name"), x.get("key"), x.get("version")) for x in d.get("definitions") or [])
    if d.get("failed_tests"):  # deployed by intent over the test cases it failed
        said += _("；改动有意为之，未通过的试算用例：%(cases)s",
                  cases=_listed(_("%(key)s：%(name)s", key=t.get("key"), name=t.get("name")) for t in d["failed_tests"]))
    return said


def _decision_test(d, event) -> str:
    said = _("%(decision)s 的试算用例“%(name)s”", decision=_named(event["name"], d.get("key")), name=d.get("name"))
    before = (d.get("before") or {}).get("name")
    return said + (_("（原名“%(name)s”）", name=before) if before and before != d.get("name") else "")


def _draft(d, event) -> str:
    kind = _("决策表") if d.get("kind") == "dmn" else _("流程")
    return f"{kind} {_named(event['name'], d.get('key'))}"


def _closure(d, event) -> str:
    if d.get("stops_clocks"):
        return _("%(day)s：%(reason)s（依法停止计时）", day=d.get("day"), reason=d.get("reason"))
    return _("%(day)s：%(reason)s", day=d.get("day"), reason=d.get("reason"))


def _material_form(d, event) -> str:
    kind = str(MATERIAL_FORMS.get(d.get("kind"), d.get("kind")))
    return _("%(item)s 的材料 %(material)s：%(kind)s", item=_named(event["name"], d.get("code")),
             material=d.get("material"), kind=kind)


def _named_code(d, event) -> str:
    return _named(d.get("name"), d.get("code"))


_SAID = {
    "user_created": _account, "user_changed": _account, "user_deactivated": _deactivated,
    "user_activated": _whose, "user_unlocked": _whose, "password_set": _password_set,
    "password_changed": _password_changed,
    "department_created": _named_code, "special_kind_added": _named_code, "special_kind_withdrawn": _named_code,
    "special_kind_restored": _named_code,
    "department_renamed": lambda d, e: _("%(code)s：%(old)s → %(name)s", code=d.get("code"), old=d.get("old"),
                                         name=d.get("name")),
    "token_issued": _token, "token_revoked": _token, "applicant_password_reset": _applicant, "roster_imported": _roster,
    "deployed": _deployed, "draft_saved": _draft, "draft_discarded": _draft,
    "decision_test_saved": _decision_test, "decision_test_changed": _decision_test,
    "decision_test_deleted": _decision_test,
    "decision_tests_loaded": lambda d, e: _("%(count)s 个试算用例：%(keys)s", count=d.get("count"),
                                            keys=_listed(d.get("keys") or [])),
    "definition_suspended": lambda d, e: _named(e["name"], d.get("key"), d.get("version")),
    "definition_resumed": lambda d, e: _named(e["name"], d.get("key"), d.get("version")),
    "service_item_saved": lambda d, e: _("%(item)s 第 %(version)s 版", item=_named(e["name"], d.get("code")),
                                         version=d.get("version")),
    "material_template_saved": lambda d, e: _material_form(d, e) + " " + d.get("filename", ""),
    "material_template_removed": _material_form,
    "thing_saved": lambda d, e: _("%(item)s 第 %(version)s 版", item=_named(e["name"], d.get("code")),
                                  version=d.get("version")),
    "instance_suspended": lambda d, e: _("%(case)s：%(reason)s", case=_case(e), reason=d.get("reason")),
    "instance_resumed": lambda d, e: _case(e),
    "instance_migrated": lambda d, e: _("%(case)s：%(process)s v%(old)s → v%(new)s", case=_case(e),
                                        process=_named(e["name"], d.get("key")), old=d.get("from_version"),
                                        new=d.get("to_version")),
    "timer_retried": lambda d, e: _("%(case)s 的定时器 %(timer)s", case=_case(e), timer=d.get("timer_id")),
    "calendar_imported": lambda d, e: _("%(year)s 年：放假 %(holidays)s 天，调休上班 %(workdays)s 天",
                                        year=d.get("year"), holidays=d.get("holidays"), workdays=d.get("workdays"))
    + (_("（替换此前导入的通知）") if d.get("replaced") else ""),
    "calendar_closure_added": _closure, "calendar_closure_removed": _closure,
    "zones_loaded": lambda d, e: _("%(count)s 项区域评估成果", count=d.get("count")),
    "regional_assessment_registered": lambda d, e: _("%(zone)s：%(doc_no)s", zone=d.get("zone"), doc_no=d.get("doc_no")),
    "regional_assessment_revoked": lambda d, e: _("%(zone)s：%(doc_no)s（%(reason)s）", zone=d.get("zone"),
                                                  doc_no=d.get("doc_no"), reason=d.get("reason")),
    "agency_registered": lambda d, e: d.get("name"), "agency_edited": lambda d, e: d.get("name"),
    "agency_suspended": lambda d, e: _("%(name)s：%(reason)s", name=d.get("name"), reason=d.get("reason")),
    "agency_reinstated": lambda d, e: _("%(name)s：%(reason)s", name=d.get("name"), reason=d.get("reason")),
    "installation_restored": lambda d, e: _("%(at)s 的备份（数据库迁移版本 %(revision)s，%(files)s 个文件）",
                                            at=local_time(d.get("made_at")), revision=d.get("revision"),
                                            files=d.get("files")),
    "orphan_files_removed": lambda d, e: _("%(count)s 个文件，共 %(size)s 字节", count=d.get("count"),
                                           size=d.get("bytes")),
}
