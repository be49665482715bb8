"""The administrator's forms from a walkthrough: a refused form keeps what was typed, deactivating
a department's last person says what it leaves behind, the token page offers only what can be
done, and nobody is left without a role."""
import html
import re

import pytest
from sqlalchemy import select

from engine.errors import Conflict, Invalid
from engine.services import admin, cases, deploy, tasks, tokens, users
from engine.store import session_scope
from engine.store.models import ApiToken, Department, User
from tests.bpmn_builder import process
from tests.web import element, signed_in

ERROR = 'class="flash error"'


@pytest.fixture
def app(org):
    from web import create_app
    return create_app({"TESTING": True, "WTF_CSRF_ENABLED": False})


def form(page, form_id):
    return re.search(rf'<form [^>]*id="{form_id}".*?</form>', page, re.S).group(0)


def row(page, login):
    return re.search(rf'<tr data-login="{login}".*?</tr>', page, re.S).group(0)


def confirmation(page, login):
    found = re.search(r'/deactivate"[^>]*data-confirm="([^"]*)"', row(page, login))
    return html.unescape(found.group(1)) if found else None


def test_a_refused_department_keeps_its_code_and_name(app):
    res = signed_in(app, "admin").post("/admin/departments", data={"code": "housing", "name": "新住建局"})
    assert res.status_code == 422 and ERROR in res.text
    typed = form(res.text, "add-department")
    assert 'value="housing"' in typed and 'value="新住建局"' in typed
    with session_scope() as session:
        assert session.scalar(select(Department.name).where(Department.code == "housing")) == "housing"


def test_a_refused_closure_day_keeps_its_date_reason_and_suspension(app):
    browser = signed_in(app, "admin")
    assert browser.post("/admin/calendar/closures", data={"day": "2031-03-04", "reason": "系统检修",
                                                         "year": "2031"}).status_code == 303
    res = browser.post("/admin/calendar/closures", data={"day": "2031-03-04", "reason": "台风",
                                                        "year": "2031", "stops_clocks": "on"})
    assert res.status_code == 422 and ERROR in res.text
    typed = form(res.text, "add-closure")
    assert 'value="2031-03-04"' in typed and 'value="台风"' in typed
    assert re.search(r'name="stops_clocks" checked', typed)
    # A page that was not answering that form shows it empty.
    empty = form(browser.get("/admin/calendar?year=2031").text, "add-closure")
    assert 'value="2031-03-04"' not in empty and "checked" not in empty


def test_deactivating_a_departments_last_person_says_its_tasks_will_wait_for_nobody(app, org):
    deploy.deploy([("housing.bpmn", process("housing", [("start", "start", "申请"), ("user", "a", "受理"),
                                                        ("end", "end", "办结")],
                                            [("start", "a"), ("a", "end")], lanes={"housing": ["a"]}).encode())],
                  org["designer"])
    cases.start_instance("housing", org["clerk"])
    browser = signed_in(app, "admin")
    page = browser.get("/admin/users").text
    # Two people in housing: the usual question, no warning.
    assert "唯一在用的人员" not in confirmation(page, "reviewer")
    assert "其认领的任务将退回本组" in confirmation(page, "reviewer")
    assert "唯一在用的人员" in confirmation(page, "taxman") and " 0 个待办任务" in confirmation(page, "taxman")
    assert "唯一在用的人员" not in confirmation(page, "supervisor")  # admin and designer are there too

    admin.set_active("reviewer2", False, org["admin"])
    page = browser.get("/admin/users").text
    said = confirmation(page, "reviewer")
    assert "reviewer 是housing唯一在用的人员" in said and " 1 个待办任务" in said
    assert confirmation(page, "reviewer2") is None  # already deactivated: nothing to confirm
    # Still only a question: the deactivation itself goes through.
    assert browser.post("/admin/users/reviewer/deactivate").status_code == 303
    assert not users.get_user("reviewer").active


def test_moving_a_person_to_another_department_gives_back_the_steps_they_can_no_longer_work(app, org):
    """They could neither finish nor give back a step of their old lane, and no colleague could
    claim it (held by them): it waited for an administrator who did not know it was stuck."""
    deploy.deploy([("housing.bpmn", process("housing", [("start", "start", "申请"), ("user", "a", "受理"),
                                                        ("end", "end", "办结")],
                                            [("start", "a"), ("a", "end")], lanes={"housing": ["a"]}).encode())],
                  org["designer"])
    first, second = (cases.start_instance("housing", org["clerk"]) for _ in range(2))
    held, kept = first["tasks"][0]["id"], second["tasks"][0]["id"]
    tasks.claim(held, org["reviewer"])
    tasks.claim(kept, org["reviewer2"])
    browser = signed_in(app, "admin")
    res = browser.post("/admin/users/reviewer2", data={"department": "housing", "roles": ["reviewer", "lead"]},
                       follow_redirects=True)
    assert "已更新用户 reviewer2" in res.text and "退回原组" not in res.text  # still theirs to work
    res = browser.post("/admin/users/reviewer", data={"department": "tax", "roles": ["reviewer"]},
                       follow_redirects=True)
    assert "已更新用户 reviewer；其认领的 1 个任务已不在其部门或角色之内，已退回原组" in res.text
    assert tasks.claim(held, org["reviewer2"])["assignee"] == "reviewer2"  # a colleague takes it up
    events = [e for e in cases.get_instance(first["id"], org["admin"])["events"] if e["type"] == "task_unclaimed"]
    assert [(e["actor"], e["data"]["released_from"], e["data"]["reason"]) for e in events] == [
        ("admin", "reviewer", "user_changed")]
    assert "其认领的 1 个任务退回原组" in browser.get("/admin/activity").text


def test_the_token_page_offers_no_token_for_a_deactivated_user(app, org):
    admin.set_active("clerk", False, org["admin"])
    browser = signed_in(app, "admin")
    page = browser.get("/admin/users/clerk/tokens").text
    assert 'id="issue-token"' not in page and 'id="no-issue"' in page and "clerk 已停用，不能签发令牌" in page
    res = browser.post("/admin/users/clerk/tokens", data={"label": "省平台"})  # a page loaded before
    assert res.status_code == 409 and ERROR in res.text and 'id="issued-token"' not in res.text
    assert 'id="issue-token"' not in res.text
    with pytest.raises(Conflict, match=r"^No token was issued: clerk is deactivated"):
        tokens.issue_token("clerk", actor=org["admin"])
    with session_scope() as session:
        assert session.scalars(select(ApiToken)).all() == []
    assert 'id="issue-token"' in browser.get("/admin/users/reviewer/tokens").text  # an active one: offered


def test_reloading_an_issued_tokens_page_issues_no_second_token(app):
    browser = signed_in(app, "admin")
    form = browser.get("/admin/users/clerk/tokens").text
    sent = {"label": "省平台", "form_id": re.search(r'name="form_id" value="([^"]+)"', form).group(1)}
    res = browser.post("/admin/users/clerk/tokens", data=sent)
    issued = re.search(r'<section class="card issued".*?</section>', res.text, re.S).group(0)
    assert 'id="issued-token"' in issued and 'href="/admin/users/clerk/tokens"' in issued
    again = browser.post("/admin/users/clerk/tokens", data=sent)  # the browser's reload sends it again
    assert again.status_code == 200 and 'id="issued-token"' not in again.text
    assert "刷新不会再签发" in element(again.text, "sent-again")
    assert len(tokens.list_tokens("clerk")) == 1
    # The form on a new page is a new request, the same label too.
    renewed = re.search(r'name="form_id" value="([^"]+)"', again.text).group(1)
    assert renewed != sent["form_id"]
    res = browser.post("/admin/users/clerk/tokens", data={**sent, "form_id": renewed})
    assert 'id="issued-token"' in res.text and len(tokens.list_tokens("clerk")) == 2


def test_a_user_is_never_without_a_role(app, org):
    with pytest.raises(Invalid, match="at least one role"):
        users.add_user("roleless", "无角色", "housing", [], "pass-roleless")
    with pytest.raises(Invalid, match="at least one role"):
        admin.change_user("clerk", [], "window", org["admin"])
    browser = signed_in(app, "admin")
    res = browser.post("/admin/users", data={"login": "roleless", "name": "无角色", "department": "housing",
                                             "password": "pass-roleless"})
    assert res.status_code == 422 and ERROR in res.text
    typed = form(res.text, "add-user")
    assert 'value="roleless"' in typed and 'value="无角色"' in typed and '<option value="housing" selected>' in typed
    # Unticking every role of a person is refused; their row shows what was sent, the others as they are.
    res = browser.post("/admin/users/clerk", data={"department": "housing"})
    assert res.status_code == 422 and ERROR in res.text
    assert '<option value="housing" selected>' in row(res.text, "clerk") and "checked" not in row(res.text, "clerk")
    assert '<option value="housing" selected>' in row(res.text, "reviewer")
    assert '<option value="tax" selected>' in row(res.text, "taxman")
    with session_scope() as session:
        assert session.scalar(select(User).where(User.login == "roleless")) is None
        clerk = session.scalar(select(User).where(User.login == "clerk"))
        assert clerk.roles == ["clerk"] and clerk.department.code == "window"
    # One role is enough, as before.
    assert browser.post("/admin/users/clerk", data={"department": "window", "roles": ["reviewer"]}).status_code == 303
    assert users.get_user("clerk").roles == ["reviewer"]


def test_a_refused_rename_keeps_the_name_typed_in_its_own_row(app, org):
    admin.rename_department("tax", "税务局", org["admin"])
    res = signed_in(app, "admin").post("/admin/departments/housing", data={"name": "税务局"})  # taken
    assert res.status_code in (409, 422)
    rows = {m.group(1): m.group(2) for m in re.finditer(
        r'<li data-code="(\w+)">.*?name="name" required value="([^"]*)"', res.text, re.S)}
    assert rows["housing"] == "税务局" and rows["tax"] == "税务局"  # typed in housing's row; tax's as stored
    with session_scope() as session:
        assert session.scalar(select(Department.name).where(Department.code == "housing")) == "housing"
