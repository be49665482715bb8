"""Signing in and out in a real browser: the header says who and which department."""
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
