"""The administrator's pages through Flask: deployments, suspension, migration, people, the calendar,
timer incidents, and that nobody else may open them."""
import io
import re
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import func, select, update

from engine.errors import Conflict
from engine import catalogue
from engine.services import cases, deploy, tasks, users
from engine.store import session_scope
from engine.store.models import CalendarYear, Closure, Department, Event, Instance, Timer, User
from tests.bpmn_builder import process
from tests.web import csrf_token, element, history_row, signed_in as client_for

PAGES = ["/admin/", "/admin/instances", "/admin/users", "/admin/users/clerk/tokens", "/admin/calendar?year=2025",
         "/admin/incidents", "/admin/definitions/steps/migrate?from=1&to=2", "/admin/items", "/admin/special-kinds",
         "/admin/activity"]


def steps(extra=False, b_name="审查"):
    nodes = [("start", "start", "申请"), ("user", "a", "受理"), ("user", "b", b_name), ("end", "end", "办结")]
    flows = [("start", "a"), ("a", "b")]
    if extra:
        nodes.append(("user", "c", "复核"))
        flows += [("b", "c"), ("c", "end")]
    else:
        flows.append(("b", "end"))
    return process("steps", nodes, flows, lanes={"housing": ["a", "b", "c"] if extra else ["a", "b"]}).encode()


@pytest.fixture
def app(org):
    from web import create_app
    deploy.deploy([("steps.bpmn", steps())], org["designer"])
    return create_app({"TESTING": True, "WTF_CSRF_ENABLED": False})


def finish(org, instance_id, name):
    task = next(t for t in cases.get_instance(instance_id, org["admin"])["tasks"]
                if t["name"] == name and t["state"] == "ready")
    tasks.claim(task["id"], org["reviewer"])
    tasks.complete(task["id"], org["reviewer"], {})


@pytest.mark.parametrize("url", PAGES)
def test_every_page_needs_the_admin_role(app, org, url):
    deploy.deploy([("steps.bpmn", steps(extra=True))], org["designer"])
    assert app.test_client().get(url).status_code == 302
    for login in ("designer", "supervisor", "reviewer", "clerk", "lead"):
        assert client_for(app, login).get(url).status_code == 403, login
    assert client_for(app, "admin").get(url).status_code == 200


@pytest.mark.parametrize("url", ["/admin/deploy", "/admin/definitions/steps/1/suspend", "/admin/instances/1/suspend",
                                 "/admin/definitions/steps/migrate", "/admin/users", "/admin/users/clerk/deactivate",
                                 "/admin/departments", "/admin/calendar/closures", "/admin/incidents/1/retry",
                                 "/admin/users/clerk/tokens", "/admin/items", "/admin/special-kinds",
                                 "/admin/special-kinds/x/withdraw"])
def test_every_action_needs_the_admin_role(app, url):
    assert client_for(app, "designer").post(url, data={"reason": "x", "login": "x", "code": "x"}).status_code == 403
    with session_scope() as session:
        assert session.scalars(select(Event).where(Event.actor_id.is_not(None),
                                                   Event.type != "deployed")).all() == []


def test_overview_counts_instances_per_version_and_redeploys_uploaded_files(app, org):
    cases.start_instance("steps", org["clerk"])
    cases.start_instance("steps", org["clerk"])
    admin = client_for(app, "admin")
    html = admin.get("/admin/").get_data(as_text=True)
    row = re.search(r'<tr data-key="steps" data-version="1".*?</tr>', html, re.S).group(0)
    assert re.search(r'class="running"><a [^>]*>2</a>', row)
    assert "在办的办件仍按受理时的版本办理和判定" in html  # rules as processes

    answer = admin.post("/admin/deploy", data={"files": [(io.BytesIO(steps(extra=True)), "steps.bpmn")]},
                        content_type="multipart/form-data")
    assert answer.status_code == 303
    assert [d.version for d in deploy.versions("steps")] == [1, 2]
    html = admin.get("/admin/").get_data(as_text=True)
    assert "steps v2" in html and "/admin/definitions/steps/migrate?from=1&amp;to=2" in html
    deployments = re.search(r'id="deployments".*?</table>', html, re.S).group(0)
    assert ">designer<" in deployments and "命令行或启动时" not in deployments  # the uploads' and the fixture's
    cli = process("cli", [("start", "s", "s"), ("end", "e", "e")], [("s", "e")]).encode()
    deploy.deploy([("cli.bpmn", cli)], None)  # as run.py deploy and make run do
    deployments = re.search(r'id="deployments".*?</table>', admin.get("/admin/").text, re.S).group(0)
    assert "命令行或启动时" in deployments
    again = admin.post("/admin/deploy", data={"files": [(io.BytesIO(steps(extra=True)), "steps.bpmn")]},
                       content_type="multipart/form-data", follow_redirects=True)
    assert "未产生新版本" in again.get_data(as_text=True)  # the same file again: said so

    broken = admin.post("/admin/deploy", data={"files": [(io.BytesIO(b"<nope"), "x.bpmn")]},
                        content_type="multipart/form-data")
    assert broken.status_code == 422 and 'id="deploy-problems"' in broken.get_data(as_text=True)

    # A lane naming no department deploys, and the administrator is told.
    typo = process("typo", [("start", "start", "申请"), ("user", "a", "受理"), ("end", "end", "办结")],
                   [("start", "a"), ("a", "end")], lanes={"housnig": ["a"]}).encode()
    answer = admin.post("/admin/deploy", data={"files": [(io.BytesIO(typo), "typo.bpmn")]},
                        content_type="multipart/form-data")
    assert answer.status_code == 303
    said = admin.get(answer.location).get_data(as_text=True)
    assert "已部署：typo v1。1 条警告" in said and "housnig" in said


def test_suspending_a_definition_and_an_instance_from_the_pages(app, org):
    instance_id = cases.start_instance("steps", org["clerk"], business_key="试运行-7")["id"]
    admin = client_for(app, "admin")
    assert admin.post("/admin/definitions/steps/1/suspend").status_code == 303
    assert deploy.versions("steps")[0].suspended
    said = admin.post(f"/admin/instances/{instance_id}/suspend", data={"reason": "核查"}, follow_redirects=True)
    assert "试运行-7 的审批流程已挂起" in said.text  # by the name people know it by, not its row id
    assert cases.get_instance(instance_id, org["admin"])["state"] == "suspended"
    page = admin.get("/admin/instances").get_data(as_text=True)
    assert f'action="/admin/instances/{instance_id}/resume"' in page
    # The list names the procedure and opens the case's newest task.
    task_id = cases.get_instance(instance_id, org["admin"])["tasks"][-1]["id"]
    row = re.search(rf'<tr data-id="{instance_id}">.*?</tr>', page, re.S).group(0)
    assert f'href="/inbox/tasks/{task_id}"' in row and "steps" in row
    # Its reviewers see that it waits, and are not offered to claim or complete it.
    reviewer = client_for(app, "reviewer")
    inbox = reviewer.get("/inbox/").get_data(as_text=True)
    listed = re.search(rf'<tr data-task-id="{task_id}".*?</tr>', inbox, re.S).group(0)
    assert "案件已挂起" in listed and "/claim" not in listed
    task_page = reviewer.get(f"/inbox/tasks/{task_id}").get_data(as_text=True)
    assert 'id="suspended"' in task_page and "/claim" not in task_page
    # Its history says what happened, by the task's title and in words.
    history = task_page.split('id="history"')[1]
    assert re.search(r'data-event="instance_suspended"><td>[^<]*</td><td>\s*挂起</td>', history)
    created = history_row(history, "task_created")
    assert "<td>受理</td>" in created and "<td>a</td>" not in created
    with pytest.raises(Conflict):  # the definition is suspended: nothing new starts
        cases.start_instance("steps", org["clerk"])
    assert admin.post(f"/admin/instances/{instance_id}/resume").status_code == 303
    assert admin.post(f"/admin/instances/{instance_id}/suspend", data={"reason": " "}).status_code == 422  # no reason
    assert admin.post("/admin/definitions/steps/1/resume").status_code == 303
    assert not deploy.versions("steps")[0].suspended


def test_migration_check_page_and_migrating_the_movable_instances(app, org):
    at_a = cases.start_instance("steps", org["clerk"], business_key="A")["id"]
    at_b = cases.start_instance("steps", org["clerk"], business_key="B")["id"]
    finish(org, at_b, "a")
    deploy.deploy([("steps.bpmn", steps(extra=True, b_name="初审"))], org["designer"])  # b changed
    admin = client_for(app, "admin")
    page = admin.get("/admin/definitions/steps/migrate?from=1&to=2").get_data(as_text=True)
    movable = re.search(r'id="movable".*?</section>', page, re.S).group(0)
    blocked = re.search(r'id="blocked".*?</section>', page, re.S).group(0)
    assert re.findall(r'name="instance" value="(\d+)"', movable) == [str(at_a)]
    assert "审查 (b) 处于“待办”状态，但其所在元素已在版本 2 中修改" in blocked
    # The page says what becomes of the cases left behind, and where to see what changed.
    assert "不能迁移的办件继续按版本 1 的流程办完" in page
    assert re.search(r'href="/designer/bpmn/steps/compare\?old=1&amp;new=2" id="compare-link"', page)

    moved = admin.post("/admin/definitions/steps/migrate", data={"from": 1, "to": 2, "instance": [str(at_a)]})
    assert moved.status_code == 303
    with session_scope() as session:
        assert dict(session.execute(select(Instance.id, Instance.version)).all()) == {at_a: 2, at_b: 1}
    # Asking to move the blocked one says why, with a conflict status.
    refused = admin.post("/admin/definitions/steps/migrate", data={"from": 1, "to": 2, "instance": [str(at_b)]})
    assert refused.status_code == 409 and "已在版本 2 中修改" in refused.get_data(as_text=True)
    assert re.search(rf"<li>#{at_b} B：审查 \(b\)", refused.text)  # named as the check page names it
    assert admin.get("/admin/definitions/steps/migrate?from=1&to=1").status_code == 422
    unknown = admin.get("/admin/definitions/no_such/migrate")
    assert unknown.status_code == 404 and "no_such" in unknown.text
    assert "v1 → v2" in admin.get("/admin/definitions/steps/migrate").text  # no versions asked: the two newest
    # Back again: the page offers every version as a target, an older one too.
    back = admin.get("/admin/definitions/steps/migrate?from=2&to=1").text
    chooser = re.search(r'id="choose-versions".*?</form>', back, re.S).group(0)
    assert re.search(r'name="to">.*<option value="1" selected>v1</option><option value="2">v2', chooser, re.S)
    assert re.findall(r'name="instance" value="(\d+)"', back) == [str(at_a)]


def test_people_add_change_deactivate(app, org):
    admin = client_for(app, "admin")
    assert admin.post("/admin/departments", data={"code": "land", "name": "自然资源局"}).status_code == 303
    assert admin.post("/admin/users", data={"login": "newbie", "name": "新人", "department": "land",
                                            "roles": ["reviewer"], "password": "pw-newbie"}).status_code == 303
    newbie = users.get_user("newbie")
    assert newbie.department.code == "land" and newbie.roles == ["reviewer"]
    assert admin.post("/admin/users/newbie", data={"department": "housing", "roles": ["reviewer", "lead"]}).status_code == 303
    assert users.get_user("newbie").roles == ["lead", "reviewer"]
    assert users.get_user("newbie").department.code == "housing"
    # Deactivating releases what they hold and stops their sign-in.
    instance = cases.start_instance("steps", org["clerk"])
    tasks.claim(instance["tasks"][0]["id"], users.get_user("newbie"))
    signed_in_before = app.test_client()
    assert signed_in_before.post("/login", data={"login": "newbie", "password": "pw-newbie"}).status_code == 302
    # The administrator's password is theirs to replace first.
    assert signed_in_before.get("/inbox/").location == "/account/password"
    assert signed_in_before.post("/account/password", data={"current": "pw-newbie", "new": "pw-newbie-own",
                                                             "again": "pw-newbie-own"}).status_code == 302
    assert signed_in_before.get("/inbox/").status_code == 200
    assert admin.post("/admin/users/newbie/deactivate").status_code == 303
    assert signed_in_before.get("/inbox/").status_code == 302
    # Reactivated, they sign in again: the session from before does not come back.
    assert admin.post("/admin/users/newbie/activate").status_code == 303
    assert signed_in_before.get("/inbox/").status_code == 302
    assert admin.post("/admin/users/newbie/deactivate").status_code == 303
    assert tasks.list_tasks(org["admin"])[0]["assignee"] is None
    # The case says who took the task back from whom, as for an unclaim.
    released = [e for e in cases.get_instance(instance["id"], org["admin"])["events"] if e["type"] == "task_unclaimed"]
    assert [(e["actor"], e["task_id"], e["data"]["released_from"]) for e in released] == [
        ("admin", instance["tasks"][0]["id"], "newbie")]
    assert app.test_client().post("/login", data={"login": "newbie", "password": "pw-newbie-own"}).status_code == 401
    # Mistakes are refused on the page, which keeps what was typed.
    res = admin.post("/admin/users", data={"login": "newbie", "name": "又一个新人", "department": "land",
                                           "roles": ["clerk"], "password": "pass-again"})
    assert res.status_code == 422 and 'value="又一个新人"' in res.text
    assert re.search(r'id="add-user".*<option value="land" selected>.*value="clerk" checked', res.text, re.S)
    assert admin.post("/admin/users", data={"login": "newbie", "name": "x"}).status_code == 422
    # A department the administrator did not add is no typo's to make.
    assert admin.post("/admin/users", data={"login": "typo", "name": "新人", "department": "nosuch",
                                            "roles": ["reviewer"], "password": "pw-typo-1"}).status_code == 422
    with session_scope() as session:
        assert session.scalar(select(Department).where(Department.code == "nosuch")) is None
    assert admin.post("/admin/users/admin/deactivate").status_code == 422
    assert admin.post("/admin/users/clerk", data={"roles": ["wizard"]}).status_code == 422
    page = admin.get("/admin/users").get_data(as_text=True)
    assert 'data-login="newbie" class="inactive"' in page


@pytest.mark.parametrize("login", ["a b", "x" * 65, "ADMIN", "张三"])
def test_a_login_that_could_not_be_told_apart_or_stored_is_refused(app, org, login):
    admin = client_for(app, "admin")
    res = admin.post("/admin/users", data={"login": login, "name": "新人", "department": "housing",
                                           "roles": ["reviewer"], "password": "pw-newbie"})
    assert res.status_code == 422
    assert {u.login for u in admin_users()} == set(org)  # nothing made


@pytest.mark.parametrize("code, name", [("交通", "交通运输局"), ("a b", "某局"), ("transport", "x" * 201),
                                        ("transport", "housing")])  # the last: the name another department has
def test_a_department_code_or_name_that_lanes_and_pages_cannot_use_is_refused(app, org, code, name):
    admin = client_for(app, "admin")
    assert admin.post("/admin/departments", data={"code": code, "name": name}).status_code == 422
    assert admin.post("/admin/departments/housing", data={"name": "tax"}).status_code == 422  # tax's name
    with session_scope() as session:
        assert set(session.scalars(select(Department.code))) == {"supervision", "window", "housing", "tax",
                                                                  "devreform"}


def test_a_service_item_code_the_pages_cannot_carry_is_refused(org):
    from engine.errors import Invalid
    with pytest.raises(Invalid) as refused:
        catalogue.load_text(ITEM_YAML.format(promised=10).replace("9001-TEST-001", "1102 HOUS 002 <b>x</b>"),
                            "item.yaml", org["admin"])
    assert "1102 HOUS 002" in str(refused.value.message) and catalogue.all_items() == []
    with pytest.raises(Invalid) as refused:  # the codes an item's file takes, each with the name people know
        catalogue.load_text(ITEM_YAML.format(promised=10).replace("kind: licence", "kind: 行政许可"), "item.yaml",
                            org["admin"])
    assert "licence (行政许可)" in str(refused.value.message)


def admin_users():
    with session_scope() as session:
        return session.scalars(select(User)).all()


def test_a_department_is_renamed_on_the_people_page_and_the_command_line_says_what_it_made(app, org, capsys):
    from run import main as run_command
    # A mistyped code on the command line makes a department named by its code: said, and recorded.
    assert run_command(["user", "add", "newbie", "--department", "lnad", "--role", "reviewer"]) == 0
    assert "created department lnad" in capsys.readouterr().out
    assert run_command(["user", "add", "other", "--department", "housing", "--role", "reviewer"]) == 0
    assert "created department" not in capsys.readouterr().out
    with pytest.raises(SystemExit):  # a user with no role could do nothing: the role is asked for
        run_command(["user", "add", "roleless", "--department", "housing"])
    assert "--role" in capsys.readouterr().err
    admin = client_for(app, "admin")
    assert admin.post("/admin/departments/lnad", data={"name": "自然资源局"}).status_code == 303
    assert users.get_user("newbie").department.name == "自然资源局"
    page = admin.get("/admin/users").get_data(as_text=True)
    assert re.search(r'data-code="lnad">.*?value="自然资源局"', page, re.S)
    assert admin.post("/admin/departments/lnad", data={"name": "  "}).status_code == 422
    assert admin.post("/admin/departments/nowhere", data={"name": "某局"}).status_code == 404
    assert client_for(app, "designer").post("/admin/departments/lnad", data={"name": "x"}).status_code == 403
    with session_scope() as session:
        recorded = [(e.type, e.data) for e in session.scalars(
            select(Event).where(Event.type.like("department_%")).order_by(Event.id)) if e.data["code"] == "lnad"]
    assert recorded == [("department_created", {"code": "lnad", "name": "lnad"}),
                        ("department_renamed", {"code": "lnad", "old": "lnad", "name": "自然资源局"})]


ITEM_YAML = """code: "9001-TEST-001"
name: 测试许可
kind: licence
department: housing
case_type: promised
statutory_days: 20
promised_days: {promised}
process: steps
materials:
  - {{code: application_form, name: 申请表, mandatory: true}}
"""


def test_a_service_item_is_added_on_its_page_and_the_window_takes_cases_under_it(app, org, tmp_path, capsys):
    admin = client_for(app, "admin")
    assert admin.post("/admin/items", data={"text": ITEM_YAML.format(promised=10)}).status_code == 303
    page = admin.get("/admin/items").get_data(as_text=True)
    row = re.search(r'<tr data-code="9001-TEST-001">.*?</tr>', page, re.S).group(0)
    assert "测试许可" in row and "20 个工作日 / 10 个工作日" in row and "<code>steps</code>" in row and "v1" in row
    assert "9001-TEST-001" in client_for(app, "clerk").get("/intake/").get_data(as_text=True)
    # The same again makes no version; a promise beyond half the statutory limit is refused, kept.
    again = admin.post("/admin/items", data={"text": ITEM_YAML.format(promised=10)}, follow_redirects=True)
    assert "未产生新版本" in again.get_data(as_text=True)
    gbk = admin.post("/admin/items", data={"file": (io.BytesIO(ITEM_YAML.format(promised=10).encode("gbk")), "item.yaml")},
                     content_type="multipart/form-data")  # as Windows saves it: refused, not read garbled
    assert gbk.status_code == 422 and "item.yaml 不是 UTF-8 编码的文本" in gbk.get_data(as_text=True)
    refused = admin.post("/admin/items", data={"text": ITEM_YAML.format(promised=11)})
    assert refused.status_code == 422 and "promised_days: 11" in refused.get_data(as_text=True)
    assert admin.post("/admin/items", data={"text": "code: [unclosed"}).status_code == 422
    nowhere = admin.post("/admin/items", data={"text": ITEM_YAML.format(promised=10).replace("steps", "nowhere")})
    assert nowhere.status_code == 422 and "nowhere" in nowhere.get_data(as_text=True)  # never deployed
    assert catalogue.get("9001-TEST-001").version == 1
    # The command line loads the same files.
    from run import main as run_command
    (tmp_path / "item.yaml").write_text(ITEM_YAML.format(promised=8), encoding="utf-8")
    assert run_command(["items", str(tmp_path)]) == 0
    assert "9001-TEST-001\tversion 2\tnew" in capsys.readouterr().out
    assert run_command(["items", str(tmp_path / "missing.yaml")]) == 1


def test_a_notice_replacing_another_and_unlike_the_law_is_said_to_do_both(app, org):
    from web import local_time
    admin = client_for(app, "admin")
    notice = "year: 2031\nholidays: [2031-01-01, 2031-01-02]\nmakeup_workdays: [2031-01-04]\n"
    assert admin.post("/admin/calendar/notice", data={"text": notice, "unlike_law": "on"}).status_code == 303
    with session_scope() as session:
        first = local_time(session.get(CalendarYear, 2031).imported_at)
    again = admin.post("/admin/calendar/notice", data={"text": notice + "source: 更正\n", "unlike_law": "on"})
    page = admin.get(again.location).get_data(as_text=True)
    assert f"替换了 {first} 导入的通知" in page and "净放假 1 个工作日，法定为 13 个" in page


def test_a_notice_is_previewed_day_by_day_and_nothing_is_stored(app, org):
    from web import local_time
    admin = client_for(app, "admin")
    first = "year: 2031\nsource: 第一份\nholidays: [2031-01-01, 2031-01-02]\nmakeup_workdays: [2031-01-04]\n"
    assert admin.post("/admin/calendar/notice", data={"text": first, "unlike_law": "on"}).status_code == 303
    with session_scope() as session:
        on_file, events_before = session.get(CalendarYear, 2031), session.scalar(select(func.count(Event.id)))
        imported_at = local_time(on_file.imported_at)
    # 2 January a working day again and 3 January off; the 4th stays a makeup working day.
    second = "year: 2031\nsource: 第二份\nholidays: [2031-01-01, 2031-01-03]\nmakeup_workdays: [2031-01-04]\n"
    page = admin.post("/admin/calendar/notice/preview", data={"text": second, "year": "2031"})
    assert page.status_code == 200
    preview = element(page.text, "notice-preview")
    assert "2031 年放假安排" in preview and "第二份" in preview
    assert f"将替换 {imported_at} 导入的通知（第一份）" in element(page.text, "preview-replaces")
    assert "法定为 13 个" in element(page.text, "preview-law")
    changes = re.findall(r'<tr data-day="([\d-]+)"><td>[\d-]+</td><td>(\w+)</td></tr>', element(page.text, "preview-changes"))
    assert changes == [("2031-01-02", "上班"), ("2031-01-03", "放假")]
    assert "现为" in element(page.text, "preview-count") and "第二份" in element(page.text, "import-notice")  # kept to import
    with session_scope() as session:  # nothing stored, nothing recorded
        assert session.get(CalendarYear, 2031).notice["source"] == "第一份"
        assert session.scalar(select(func.count(Event.id))) == events_before
    same = admin.post("/admin/calendar/notice/preview", data={"text": first, "year": "2031"})
    assert "与现行日历相同" in element(same.text, "preview-same")
    unreadable = admin.post("/admin/calendar/notice/preview", data={"text": "year: 2031\nholidays: [2031-02-30]\n",
                                                                   "year": "2031"})
    assert unreadable.status_code == 422 and "不是日期" in unreadable.text and 'id="notice-preview"' not in unreadable.text
    assert client_for(app, "supervisor").post("/admin/calendar/notice/preview", data={"text": first}).status_code == 403
    for path in ("/admin/calendar/notice/preview", "/admin/calendar/notice"):  # a typo of a year: refused, not stored
        typo = admin.post(path, data={"text": "year: 20311\nholidays: []\n", "year": "2031", "unlike_law": "on"})
        assert typo.status_code == 422 and "年份 20311 不在 1990 至 2100 之间" in typo.text
    with session_scope() as session:
        assert session.scalar(select(func.count(CalendarYear.year))) == 1


def test_calendar_year_notice_import_and_closures(app, org):
    admin = client_for(app, "admin")
    page = admin.get("/admin/calendar?year=2025").get_data(as_text=True)
    assert 'class="day holiday" data-date="2025-10-01"' in page
    assert 'class="day makeup" data-date="2025-09-28"' in page

    # A holiday break's weekend shows as holiday too (春节 2026 from Sunday 15 February; 2027's estimate).
    assert 'class="day holiday" data-date="2026-02-15"' in admin.get("/admin/calendar?year=2026").get_data(as_text=True)
    assert 'class="day makeup" data-date="2026-02-14"' in admin.get("/admin/calendar?year=2026").get_data(as_text=True)
    assert 'class="day holiday" data-date="2027-02-06"' in admin.get("/admin/calendar?year=2027").get_data(as_text=True)
    assert 'id="estimate-note"' in admin.get("/admin/calendar?year=2031").get_data(as_text=True)
    notice = "year: 2031\nholidays: [2031-01-01, 2031-01-02]\nmakeup_workdays: [2031-01-04]\n"
    # 1 working day off where the law gives 13: refused, the year left as it was, the text kept.
    short = admin.post("/admin/calendar/notice", data={"text": notice, "year": "2031"})
    assert short.status_code == 422 and "净放假 1 个工作日，法定为 13 个" in short.text and "2031-01-04" in short.text
    with session_scope() as session:
        assert session.get(CalendarYear, 2031) is None
    answer = admin.post("/admin/calendar/notice", data={"text": notice, "unlike_law": "on"})
    assert answer.status_code == 303  # imported as it stands once checked, and told again
    assert "净放假 1 个工作日，法定为 13 个" in admin.get(answer.location).get_data(as_text=True)
    with session_scope() as session:
        assert session.get(CalendarYear, 2031) is not None
    page = admin.get("/admin/calendar?year=2031").get_data(as_text=True)
    assert 'class="day holiday" data-date="2031-01-02"' in page and 'class="day makeup" data-date="2031-01-04"' in page

    bad = admin.post("/admin/calendar/notice", data={"text": "year: 2031\nholidays: [2031-02-30]\n", "year": "2031"})
    assert bad.status_code == 422 and "粘贴的通知 holidays 第 1 项：&#39;2031-02-30&#39; 不是日期" in bad.get_data(as_text=True)
    # Excel's "CSV UTF-8" (a byte-order mark first) is read; a GBK file is refused, by its name.
    bom = "\ufeffdate,kind\n2032-01-01,holiday\n".encode("utf-8")
    assert admin.post("/admin/calendar/notice", data={"file": (io.BytesIO(bom), "2032.csv"), "unlike_law": "on"},
                      content_type="multipart/form-data").status_code == 303
    gbk = admin.post("/admin/calendar/notice", data={"file": (io.BytesIO("date,kind,说明\n".encode("gbk")), "2033.csv"),
                                                      "year": "2031"}, content_type="multipart/form-data")
    assert gbk.status_code == 422 and "2033.csv 不是 UTF-8 编码的文本" in gbk.get_data(as_text=True)
    broken = admin.post("/admin/calendar/notice", data={"text": "year: 2031\nholidays: [2031-01-01\n", "year": "2031"})
    assert broken.status_code == 422 and "行：不是有效的 YAML" in broken.get_data(as_text=True)
    # Text is never read as a path on the server.
    assert admin.post("/admin/calendar/notice", data={"text": "/etc/passwd"}).status_code == 422

    # An office closure leaves the limits running; one decreed a suspension moves them.
    from engine.services import calendars
    assert admin.post("/admin/calendar/closures", data={"day": "2031-03-04", "reason": "系统检修",
                                                       "year": "2031"}).status_code == 303
    assert calendars.current().is_workday(date(2031, 3, 4))
    assert admin.post("/admin/calendar/closures", data={"day": "2031-03-03", "reason": "台风", "year": "2031",
                                                       "stops_clocks": "on"}).status_code == 303
    with session_scope() as session:
        assert session.get(Closure, date(2031, 3, 3)).reason == "台风"
        assert [c.day for c in session.scalars(select(Closure).where(Closure.stops_clocks))] == [date(2031, 3, 3)]
    assert 'class="day closure" data-date="2031-03-03"' in admin.get("/admin/calendar?year=2031").get_data(as_text=True)
    assert admin.post("/admin/calendar/closures", data={"day": "2031-03-03", "reason": "again"}).status_code == 422
    assert admin.post("/admin/calendar/closures", data={"day": "soon", "reason": "x"}).status_code == 422
    saturday = admin.post("/admin/calendar/closures", data={"day": "2031-03-08", "reason": "台风"})
    assert saturday.status_code == 422 and "2031-03-08 不是工作日" in saturday.text
    # A closure entered in error is taken back; the working day counts again.
    assert not calendars.current().is_workday(date(2031, 3, 3))
    assert client_for(app, "designer").post("/admin/calendar/closures/2031-03-03/remove").status_code == 403
    res = admin.post("/admin/calendar/closures/2031-03-03/remove")
    assert res.status_code == 303 and "已取消停止办公日 2031-03-03" in admin.get(res.location).text
    assert calendars.current().is_workday(date(2031, 3, 3))
    with session_scope() as session:
        assert session.get(Closure, date(2031, 3, 3)) is None
        removed = session.scalar(select(Event).where(Event.type == "calendar_closure_removed"))
        assert removed.actor.login == "admin" and removed.data == {"day": "2031-03-03", "reason": "台风"}
    assert admin.post("/admin/calendar/closures/2031-03-03/remove").status_code == 404
    assert admin.post("/admin/calendar/closures/not-a-day/remove").status_code == 404


def test_incidents_are_listed_and_retried(app, org):
    instance_id = cases.start_instance("steps", org["clerk"])["id"]
    with session_scope() as session:
        session.add(Timer(kind="bpmn", instance_id=instance_id, spiff_id="x", due_at=datetime.now(timezone.utc),
                          state="incident", attempts=5, last_error="ValueError: boom"))
        session.flush()
        timer_id = session.scalar(select(Timer.id))
    admin = client_for(app, "admin")
    assert "ValueError: boom" in admin.get("/admin/incidents").get_data(as_text=True)
    assert admin.post(f"/admin/incidents/{timer_id}/retry").status_code == 303
    with session_scope() as session:
        assert session.get(Timer, timer_id).state == "pending"
    assert admin.post(f"/admin/incidents/{timer_id}/retry").status_code == 409


def test_admin_forms_refuse_a_post_without_csrf_token(org):
    from web import create_app
    client = create_app({"TESTING": True}).test_client()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', client.get("/login").get_data(as_text=True))
    assert client.post("/login", data={"login": "admin", "password": "pass-admin",
                                       "csrf_token": token.group(1)}).status_code == 302
    assert client.post("/admin/departments", data={"code": "land", "name": "自然资源局"}).status_code == 400
    assert client.post("/admin/departments", data={"code": "land", "name": "自然资源局",
                                                   "csrf_token": csrf_token(client.get("/admin/users").text)}
                       ).status_code == 303
    assert client.post("/admin/users/clerk/unlock").status_code == 400  # lifting a lock too
    assert client.post("/admin/users/clerk/tokens", data={"label": "x"}).status_code == 400  # a token too


def test_flasks_own_refusals_are_pages_in_the_products_language(app, org):
    """A page the role may not open, an unknown address: a Chinese page (English with ?lang=en),
    and JSON under /api as before."""
    supervisor = client_for(app, "supervisor")
    res = supervisor.get("/admin/")
    assert res.status_code == 403 and "您的账号没有打开此页面的权限" in res.text and "Forbidden" not in res.text
    res = app.test_client().get("/no/such/page")
    assert res.status_code == 404 and "没有这个页面" in res.text
    res = app.test_client().get("/portal/items/NO-SUCH")
    assert res.status_code == 404 and 'href="/portal/"' in res.text
    assert "This page does not exist" in app.test_client().get("/no/such/page?lang=en").text
    res = app.test_client().get("/api/no/such")
    assert res.status_code == 404 and res.json["error"]["code"] == "not_found"


def test_an_expired_form_is_said_in_the_products_language(org):
    from web import create_app
    client = create_app({"TESTING": True}).test_client()
    res = client.post("/login", data={"login": "admin", "password": "x"})
    assert res.status_code == 303
    page = client.get(res.location).text
    assert "页面已过期" in page and "CSRF token" not in page
    signed_in = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False}).test_client()
    signed_in.post("/login", data={"login": "admin", "password": "pass-admin"})
    stale = create_app({"TESTING": True}).test_client()
    with signed_in.session_transaction() as kept, stale.session_transaction() as session:
        session.update(kept)  # signed in, a form whose token is not the session's
    res = stale.post("/admin/users", data={"login": "x"})
    assert res.status_code == 400 and "页面已过期" in res.text and "CSRF token" not in res.text


def test_a_service_item_is_downloaded_edited_and_uploaded_again(app, org):
    """Every shipped item round-trips: its file, uploaded unchanged, makes no new version."""
    from tests.procedures import install
    install(org)
    admin = client_for(app, "admin")
    for item in catalogue.all_items():
        got = admin.get(f"/admin/items/{item.code}.yaml")
        assert got.status_code == 200 and f'filename="{item.code}.yaml"' in got.headers["Content-Disposition"]
        again = admin.post("/admin/items", data={"text": got.get_data(as_text=True)}, follow_redirects=True)
        assert "未产生新版本" in again.get_data(as_text=True), item.code
    text = admin.get("/admin/items/1101-DPHY-001.yaml").get_data(as_text=True)
    assert "多评合一申请表" in text  # Chinese as written, not escaped
    edited = text.replace("promised_days: 15", "promised_days: 10", 1)
    assert admin.post("/admin/items", data={"text": edited}).status_code == 303
    assert catalogue.get("1101-DPHY-001").version == 2
    assert admin.get("/admin/items/NO-SUCH.yaml").status_code == 404
    assert client_for(app, "clerk").get("/admin/items/1101-DPHY-001.yaml").status_code == 403


def test_departments_are_listed_by_pinyin(app, org):
    named = {"supervision": "电子监察室", "devreform": "发改局", "tax": "税务局", "housing": "住建局", "window": "综合窗口"}
    with session_scope() as session:
        for code, name in named.items():
            session.execute(update(Department).where(Department.code == code).values(name=name))
    page = client_for(app, "admin").get("/admin/users").get_data(as_text=True)
    listed = re.search(r'<ul id="departments">.*?</ul>', page, re.S).group(0)
    assert [c for c in re.findall(r'data-code="(\w+)"', listed) if c in named] == [
        "supervision", "devreform", "tax", "housing", "window"]
