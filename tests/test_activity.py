"""操作日志: staff's changes outside any case and administrators' holds and moves of a case's procedure,
newest first, filtered and paged; for administrators only; and every kind said in words on the page."""
import ast
import re
from datetime import date, datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import or_, select, update

from engine import catalogue
from engine.errors import Forbidden, Invalid
from engine.services import activity, admin, calendars, deploy, special_kinds, tokens, users
from engine.store import session_scope
from engine.store.models import Event
from tests.bpmn_builder import one_review
from tests.procedures import promised_item, take_in
from tests.web import signed_in

ROOT = Path(__file__).resolve().parents[1]
APPLICANT = {"name": "张三", "id_number": "110101199001011237", "phone": "13800000000"}
CLOSED = date(2031, 3, 4)  # a Tuesday


@pytest.fixture
def done(org):
    """A morning's administration around one real case: deployed, an item saved, the case taken in
    and its procedure held and let go, a person added and deactivated, a token, a closure day."""
    deploy.deploy([("h.bpmn", one_review("housing_review", "部门审查", "housing").encode())], org["designer"])
    catalogue.save(promised_item("H-1", "housing_review", "housing"), org["admin"])
    case = take_in("H-1", {}, org["clerk"], applicant=APPLICANT)
    admin.suspend_instance(case.instance_id, "核查申请人身份", org["admin"])
    admin.resume_instance(case.instance_id, org["admin"])
    users.add_user("newbie", "新人", "housing", ["reviewer", "lead"], actor=org["admin"])
    admin.set_active("newbie", False, org["admin"])
    tokens.issue_token("clerk", label="叫号机", actor=org["admin"])
    calendars.add_closure(CLOSED, "台风停止办公", org["admin"], stops_clocks=True)
    return case


def types(page) -> list[str]:
    return [e["type"] for e in page["events"]]


def test_only_an_administrator_reads_the_log(org):
    for login in ("clerk", "reviewer", "lead", "supervisor", "designer"):
        with pytest.raises(Forbidden):
            activity.listed(org[login])


def test_staff_changes_newest_first_and_no_step_of_a_case(org, done):
    page = activity.listed(org["admin"])
    assert types(page)[:8] == ["calendar_closure_added", "token_issued", "user_deactivated", "user_created",
                               "instance_resumed", "instance_suspended", "service_item_saved", "deployed"]
    # Before them, the organisation the fixture made from the command line: by no one.
    assert set(types(page)[8:]) == {"user_created", "department_created"}
    assert all(e["actor"] is None for e in page["events"][8:])
    with session_scope() as session:  # the case's own steps are there, and not listed
        steps = dict(session.execute(select(Event.id, Event.type).where(
            or_(Event.case_id == done.id, Event.instance_id == done.instance_id))).all())
    assert {"case_submitted", "case_accepted", "task_created"} <= set(steps.values())
    assert set(steps) & set(ids(page)) == {e["id"] for e in page["events"] if e["type"].startswith("instance_")}
    assert ids(page) == sorted(ids(page), reverse=True) and page["older"] is None and page["newer"] is None
    held = page["events"][5]
    assert held["actor"] == "admin" and held["data"]["reason"] == "核查申请人身份"
    assert held["case"] == {"id": done.id, "number": done.number}  # by the number people know it by
    assert page["events"][6]["name"] == "测试事项H-1"


def ids(page) -> list[int]:
    return [e["id"] for e in page["events"]]


def test_filtered_by_kind_person_and_china_day(org, done):
    me = org["admin"]
    assert types(activity.listed(me, what="instances")) == ["instance_resumed", "instance_suspended"]
    assert types(activity.listed(me, what="user_deactivated")) == ["user_deactivated"]
    assert types(activity.listed(me, login="designer")) == ["deployed"]
    assert activity.listed(me, login="nobody")["events"] == []
    with pytest.raises(Invalid):
        activity.listed(me, what="task_completed")  # a case's step is no kind of this log
    # Days are China's: 16:30 UTC on 1 March is half past midnight on 2 March in Beijing.
    late, early = activity.listed(me, what="instances")["events"]
    with session_scope() as session:
        session.execute(update(Event).where(Event.id == late["id"]).values(at=datetime(2025, 3, 1, 16, 30, tzinfo=timezone.utc)))
        session.execute(update(Event).where(Event.id == early["id"]).values(at=datetime(2025, 3, 1, 15, 59, tzinfo=timezone.utc)))
    assert ids(activity.listed(me, since=date(2025, 3, 2), until=date(2025, 3, 2))) == [late["id"]]
    assert ids(activity.listed(me, since=date(2025, 3, 1), until=date(2025, 3, 1))) == [early["id"]]
    assert ids(activity.listed(me, until=date(2025, 3, 2))) == [late["id"], early["id"]]
    assert late["id"] not in ids(activity.listed(me, since=date(2025, 3, 3)))
    with pytest.raises(Invalid):
        activity.listed(me, since=date(2025, 3, 2), until=date(2025, 3, 1))


def test_paged_both_ways(org):
    for n in range(7):
        special_kinds.add(f"survey_{n}", f"踏勘{n}", org["admin"])
    me, kind = org["admin"], "special_kind_added"
    first = activity.listed(me, what=kind, limit=3)
    second = activity.listed(me, what=kind, limit=3, before=first["older"])
    last = activity.listed(me, what=kind, limit=3, before=second["older"])
    assert [e["data"]["code"] for e in first["events"] + second["events"] + last["events"]] == \
        [f"survey_{n}" for n in range(6, -1, -1)]
    assert first["newer"] is None and last["older"] is None and len(last["events"]) == 1
    assert activity.listed(me, what=kind, limit=3, after=second["newer"]) == first
    assert activity.listed(me, what=kind, limit=3, after=last["newer"]) == second


def _recorded_outside_a_case() -> set[str]:
    """The event types the engine records with neither an instance nor a case (record, event_row)."""
    found = set()
    for path in (ROOT / "engine").rglob("*.py"):
        for call in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(call, ast.Call) and getattr(call.func, "id", None) in ("record", "event_row")):
                continue
            if {k.arg for k in call.keywords} & {"instance_id", "case_id"} or not call.args:
                continue
            kind = call.args[1] if call.func.id == "record" else call.args[0]
            found |= {c.value for c in ast.walk(kind) if isinstance(c, ast.Constant) and isinstance(c.value, str)}
    return found


def test_every_kind_recorded_outside_a_case_is_listed_and_named():
    from web.admin.activity import LABELS, _SAID
    outside = _recorded_outside_a_case()
    assert {"user_created", "calendar_imported", "zones_loaded", "deployed"} <= outside  # the scan finds them
    assert outside - set(activity.TYPES) - set(activity.NOT_LISTED) == set()
    assert set(LABELS) == set(activity.TYPES)
    assert set(activity.TYPES) == set(_SAID)


@pytest.fixture
def app(org):
    from web import create_app
    return create_app({"TESTING": True, "WTF_CSRF_ENABLED": False})


def rows(html: str) -> dict[str, str]:
    """Each listed event's row text (tags dropped), by type; the newest of a type."""
    found = {}
    for kind, row in re.findall(r'<tr data-event="(\w+)"[^>]*>(.*?)</tr>', html, re.S):
        found.setdefault(kind, " ".join(re.sub(r"<[^>]+>", " ", row).split()))
    return found


def test_the_page_says_who_did_what_in_words(app, org, done):
    admin_page = signed_in(app, "admin").get("/admin/activity")
    assert admin_page.status_code == 200
    said = rows(admin_page.text)
    assert re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d designer 部署流程或规则", said["deployed"])
    assert "部署流程" in said["deployed"] and "housing_review v1" in said["deployed"]
    assert "保存服务事项" in said["service_item_saved"] and "测试事项H-1（H-1） 第 1 版" in said["service_item_saved"]
    assert f"挂起案件 案件 {done.number}：核查申请人身份" in said["instance_suspended"]
    assert f'href="/intake/cases/{done.id}"' in admin_page.text
    assert "新增人员" in said["user_created"] and "新人（newbie）：部门 housing，角色 " in said["user_created"]
    assert "停用人员 新人（newbie）" in said["user_deactivated"]
    assert "发放 API 令牌" in said["token_issued"] and "用途：叫号机" in said["token_issued"]
    assert "添加停止办公日 2031-03-04：台风停止办公（依法停止计时）" in said["calendar_closure_added"]
    assert "{" not in admin_page.text.split('id="activity"')[1]  # no data shown raw
    assert 'href="/admin/activity"' in admin_page.text.split('class="admin-nav"')[1].split("</nav>")[0]


def test_the_page_filters_and_keeps_the_filter(app, org, done):
    browser = signed_in(app, "admin")
    people = browser.get("/admin/activity?what=people&login=admin").text
    assert set(rows(people)) == {"user_created", "user_deactivated", "token_issued"}
    assert '<option value="people" selected>' in people and '<option value="admin" selected>' in people
    assert "没有符合条件的操作记录" in browser.get("/admin/activity?since=2031-01-01").text
    wrong = browser.get("/admin/activity?since=2025-13-01&login=admin")
    assert wrong.status_code == 422 and 'class="flash error"' in wrong.text and "2025-13-01" in wrong.text
    assert '<option value="admin" selected>' in wrong.text
    backwards = browser.get("/admin/activity?since=2025-03-02&until=2025-03-01")
    assert backwards.status_code == 422 and "晚于截止日期" in backwards.text
    for beyond in ("until=9999-12-31", "since=0001-01-01", "before=99999999999999999999999",
                   "after=-99999999999999999999999", "before=-1"):  # said, not a 500
        assert browser.get(f"/admin/activity?{beyond}").status_code == 422, beyond


def test_the_page_links_older_and_newer_pages_with_the_filter(app, org):
    for n in range(activity.PAGE + 2):
        special_kinds.add(f"survey_{n}", f"踏勘{n}", org["admin"])
    browser = signed_in(app, "admin")
    first = browser.get("/admin/activity?what=calendar").text
    older = re.search(r'href="(/admin/activity\?[^"]*before=\d+[^"]*)" rel="next"', first).group(1)
    assert "what=calendar" in older and 'rel="prev"' not in first
    second = browser.get(older.replace("&amp;", "&")).text
    assert len(rows_all(second)) == 2 and 'rel="next"' not in second and "踏勘0（survey_0）" in second
    assert re.search(r'href="/admin/activity\?[^"]*after=\d+[^"]*" rel="prev"', second)


def rows_all(html):
    return re.findall(r'<tr data-event=', html)


def test_english_labels(app, org, done):
    page = signed_in(app, "admin").get("/admin/activity?lang=en").text
    assert "Activity log" in page and "Person disabled" in page and "Deployed processes or rules" in page
    assert "Closure day added" in page and "2031-03-04: 台风停止办公 (stops time limits)" in page
    assert "roles department head, reviewer" in page


def test_each_kind_reads_as_a_sentence(app, org, done):
    """Past the fixture's morning: the rest of what an administrator, a designer and a clerk do,
    each row saying of what it was done (not the data as stored)."""
    from engine import applicant_passwords, regional
    from engine.services import design, migration
    me = org["admin"]
    source = one_review("housing_review", "部门审查", "housing")
    design.save_draft("bpmn", "housing_review", source, org["designer"])
    design.discard_draft("bpmn", "housing_review", org["designer"])
    deploy.deploy([("h.bpmn", source.replace('name="准予"', 'name="准予许可"').encode())], org["designer"])
    assert migration.migrate("housing_review", 1, 2, [done.instance_id], me)["moved"]
    admin.set_definition_suspended("housing_review", 1, True, me)
    admin.add_department("land", "自然资源局", me)
    admin.rename_department("land", "自然资源和规划局", me)
    admin.change_user("newbie", ["reviewer"], "land", me)
    admin.set_active("newbie", True, me)
    users.set_password("newbie", "a-new-pass-1", me)
    token_id = tokens.list_tokens("clerk", me)[0]["id"]
    tokens.revoke_token("clerk", token_id, me)
    special_kinds.add("joint_survey", "联合踏勘", me)
    special_kinds.set_active("joint_survey", False, me)
    calendars.import_notice("year: 2031\nholidays: [2031-01-01]\nmakeup_workdays: []\n", me, unlike_law=True)
    calendars.remove_closure(CLOSED, me)
    regional.load_zones(ROOT / "processes" / "zones", me)
    applicant_passwords.reset_password(org["clerk"], done.applicant_id)
    said = rows(signed_in(app, "admin").get("/admin/activity").text)
    expected = {
        "draft_saved": "designer 保存设计草稿 流程 housing_review",
        "draft_discarded": "删除设计草稿 流程 housing_review",
        "instance_migrated": f"迁移案件版本 案件 {done.number}：housing_review v1 → v2 查看案件",
        "definition_suspended": "暂停流程版本 housing_review v1",
        "department_created": "新增部门 自然资源局（land）",
        "department_renamed": "部门更名 land：自然资源局 → 自然资源和规划局",
        "user_changed": "修改部门与角色 新人（newbie）：部门 自然资源和规划局，角色 ",
        "user_activated": "启用人员 新人（newbie）",
        "password_set": "设置密码 新人（newbie）",
        "token_revoked": f"吊销 API 令牌 clerk 的令牌（编号 {token_id}），用途：叫号机",
        "special_kind_added": "新增特殊环节 联合踏勘（joint_survey）",
        "special_kind_withdrawn": "停用特殊环节 联合踏勘（joint_survey）",
        "calendar_imported": "导入节假日安排 2031 年：放假 1 天，调休上班 0 天",
        "calendar_closure_removed": "取消停止办公日 2031-03-04：台风停止办公",
        "applicant_password_reset": "clerk 发放申请人临时密码 申请人 张三（同时开通网上账号）",
    }
    for kind, words in expected.items():
        assert words in said[kind], (kind, said[kind])
    assert re.search(r"登记区域评估成果 \d+ 项区域评估成果", said["zones_loaded"])
