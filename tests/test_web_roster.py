"""人员名册导入 through the pages: upload, preview, confirm; the first passwords shown once; problems,
a stale preview and a reload refused; for administrators only."""
import base64
import io
import re

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from engine.services import admin as admin_service
from engine.services import users
from engine.store import session_scope
from engine.store.models import Event
from tests.test_roster import ROSTER, ROWS, csv_text, stored, xlsx
from tests.web import csrf_token, element, signed_in


@pytest.fixture
def app(org):
    from web import create_app
    return create_app({"TESTING": True, "WTF_CSRF_ENABLED": False})


def upload(client, data: bytes, name: str = "名册.xlsx"):
    return client.post("/admin/roster", data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data")


def confirmation(html: str) -> dict:
    """The fields of the preview's confirmation form, as the browser sends them."""
    form = element(html, "roster-confirm")
    return dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', form))


def test_an_administrator_uploads_checks_and_confirms_a_roster(app, org):
    admin = signed_in(app, "admin")
    before = stored()
    res = upload(admin, ROSTER)
    assert res.status_code == 200 and stored() == before
    rows = element(res.text, "roster-rows")
    new = re.search(r'<tr data-login="zhangsan" data-status="new">.*?</tr>', rows, re.S).group(0)
    assert "张三" in new and "housing" in new and "部门负责人、审批人员" in new
    changed = re.search(r'<tr data-login="reviewer" data-status="changed">.*?</tr>', rows, re.S).group(0)
    assert "姓名：reviewer → 李强" in changed and "角色：审批人员 → 部门负责人、审批人员" in changed
    assert "clerk" in element(res.text, "roster-unchanged") and "自然资源局" in element(res.text, "roster-departments")
    assert "名册中没有的人员保持不变" in res.text
    res = admin.post("/admin/roster/apply", data=confirmation(res.text))
    assert res.status_code == 200 and res.headers["Cache-Control"] == "no-store"
    passwords = dict(re.findall(r'<tr data-login="(\w+)">.*?<code class="password">(\w+)</code>',
                                element(res.text, "passwords"), re.S))
    assert set(passwords) == {"zhangsan", "wangwu"} and "前未登录设置的，临时密码失效" in res.text and "data-print" in res.text
    assert stored()["users"]["reviewer"][:3] == ("李强", "tax", ["lead", "reviewer"])
    # Each signs in with it, only to choose their own.
    person = app.test_client()
    assert person.post("/login", data={"login": "wangwu", "password": passwords["wangwu"]}).status_code == 302
    assert person.get("/inbox/").location == "/account/password"
    # The same roster again: everyone already as it says.
    assert "新增 0 人，修改 0 人，不变 4 人" in element(upload(admin, ROSTER).text, "roster-summary")
    assert "导入人员名册" in admin.get("/admin/activity").text


def test_a_reload_of_the_passwords_page_shows_them_no_more(app, org):
    admin = signed_in(app, "admin")
    form = confirmation(upload(admin, ROSTER).text)
    assert admin.post("/admin/roster/apply", data=form).status_code == 200
    res = admin.post("/admin/roster/apply", data=form)
    assert res.status_code == 409 and 'id="sent-again"' in res.text and 'id="passwords"' not in res.text
    with session_scope() as session:
        assert len(session.scalars(select(Event).where(Event.type == "roster_imported")).all()) == 1


def test_a_roster_with_problems_is_listed_and_cannot_be_confirmed(app, org):
    admin = signed_in(app, "admin")
    before = stored()
    res = upload(admin, csv_text([*ROWS, ["lisi", "李四", "housing", "", "科长"]]).encode("gbk"), "名册.csv")
    assert res.status_code == 422
    problems = element(res.text, "roster-problems")
    assert 'data-row="6"' in problems and "未知角色：科长" in problems
    assert 'id="roster-confirm"' not in res.text and stored() == before
    # Nor by sending the confirmation anyway.
    good = confirmation(upload(admin, ROSTER).text)
    bad = xlsx([*ROWS, ["lisi", "李四", "housing", "", "科长"]])
    res = admin.post("/admin/roster/apply", data={**good, "data": base64.b64encode(bad).decode()})
    assert res.status_code == 409 and stored() == before  # not the file previewed: refused as stale


@pytest.mark.parametrize("data, name, said", [
    (b"%PDF-1.7\n\x00", "名册.pdf", "不是表格文件"),
    ("登录名,姓名\nzhangsan,张三\n".encode(), "名册.csv", "缺少列：部门代码, 角色"),
])
def test_a_file_that_is_no_roster_is_refused_on_the_page(app, org, data, name, said):
    res = upload(signed_in(app, "admin"), data, name)
    assert res.status_code == 422 and said in res.text and 'id="roster-preview"' not in res.text


def test_a_stale_preview_is_refused_and_shown_again_as_it_is_now(app, org):
    admin = signed_in(app, "admin")
    form = confirmation(upload(admin, ROSTER).text)
    admin_service.change_user("reviewer", ["reviewer"], "tax", org["admin"])  # someone else, meanwhile
    before = stored()
    res = admin.post("/admin/roster/apply", data=form)
    assert res.status_code == 409 and "核对后名册涉及的人员或部门已有变化" in res.text
    assert stored() == before
    changed = re.search(r'<tr data-login="reviewer" data-status="changed">.*?</tr>', res.text, re.S).group(0)
    assert "姓名：reviewer → 李强" in changed and "部门：" not in changed  # already moved to tax
    assert confirmation(res.text)["digest"] != form["digest"]  # confirmed again, it goes in
    assert admin.post("/admin/roster/apply", data=confirmation(res.text)).status_code == 200
    assert users.get_user("reviewer").name == "李强"


def test_the_template_downloads(app, org):
    res = signed_in(app, "admin").get("/admin/roster/template.xlsx")
    assert res.status_code == 200 and res.mimetype.endswith("spreadsheetml.sheet")
    assert "attachment" in res.headers["Content-Disposition"]
    assert [c.value for c in load_workbook(io.BytesIO(res.data)).worksheets[0][1]][:3] == ["登录名", "姓名", "部门代码"]


@pytest.mark.parametrize("method, url", [("get", "/admin/roster"), ("get", "/admin/roster/template.xlsx"),
                                         ("post", "/admin/roster"), ("post", "/admin/roster/apply")])
def test_only_administrators_reach_the_roster(app, org, method, url):
    assert getattr(app.test_client(), method)(url).status_code == 302
    for login in ("clerk", "reviewer", "lead", "supervisor", "designer"):
        assert getattr(signed_in(app, login), method)(url).status_code == 403, login


def test_the_confirmation_needs_the_pages_csrf_token(org):
    from web import create_app
    client = create_app({"TESTING": True}).test_client()
    token = csrf_token(client.get("/login").text)
    client.post("/login", data={"login": "admin", "password": "pass-admin", "csrf_token": token})
    page = client.get("/admin/roster").text
    res = client.post("/admin/roster", data={"file": (io.BytesIO(ROSTER), "名册.xlsx")},
                      content_type="multipart/form-data")
    assert res.status_code == 400
    res = client.post("/admin/roster", data={"file": (io.BytesIO(ROSTER), "名册.xlsx"),
                                             "csrf_token": csrf_token(page)}, content_type="multipart/form-data")
    form = confirmation(res.text)
    assert client.post("/admin/roster/apply", data={k: v for k, v in form.items() if k != "csrf_token"}).status_code == 400
    assert client.post("/admin/roster/apply", data=form).status_code == 200
