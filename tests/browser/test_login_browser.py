"""Signing in and out in a real browser: the header says who and which department; an
administrator's API tokens."""
from tests.browser.helpers import login


def test_sign_in_shows_who_and_department_then_sign_out(live_server, page):
    page.goto(f"{live_server}/login")
    page.fill("#login", "reviewer")
    page.fill("#password", "wrong")
    page.click("button[type=submit]")
    assert page.locator(".flash.error").inner_text() == "用户名或密码错误"

    login(page, live_server, "reviewer")
    header = page.locator("header.top .who")
    assert "reviewer" in header.inner_text()
    assert "housing" in header.inner_text()
    page.click("header.top .who button")
    page.wait_for_url(f"{live_server}/login")
    assert page.locator("header.top .who").count() == 0


def test_an_administrator_issues_and_revokes_an_api_token(live_server, page):
    login(page, live_server, "admin")
    page.goto(f"{live_server}/admin/users")
    page.click('tr[data-login="clerk"] a.tokens')
    page.fill("input[name=label]", "省政务服务平台对接")
    page.click("#issue-token button")
    token = page.input_value("#issued-token")
    api = f"{live_server}/api/tasks"
    assert page.request.get(api, headers={"Authorization": f"Bearer {token}"}).status == 200
    page.reload()  # the browser sends the form again: no second token
    assert page.locator("#sent-again").is_visible() and page.locator("#issued-token").count() == 0
    page.goto(f"{live_server}/admin/users/clerk/tokens")
    assert page.locator("#issued-token").count() == 0  # shown once, in the answer to issuing it
    [row] = page.locator("#tokens tbody tr").all()
    assert "省政务服务平台对接" in row.inner_text()
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    row.locator("button").click()  # asked first, and dismissed: nothing happens
    assert "使用它的对接系统将无法再调用接口" in asked[0]
    assert page.request.get(api, headers={"Authorization": f"Bearer {token}"}).status == 200
    page.once("dialog", lambda dialog: dialog.accept())
    row.locator("button").click()
    assert "已撤销 clerk 的 API 令牌" in page.locator(".flash.success").inner_text()
    assert page.request.get(api, headers={"Authorization": f"Bearer {token}"}).status == 401
