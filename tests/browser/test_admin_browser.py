"""An administrator's pages on a phone: a wide table scrolls within itself, the page keeps its width."""
from tests.browser.helpers import login


def test_admin_pages_fit_a_phone(org, live_server, new_page):
    page = new_page(390, 844)
    login(page, live_server, "admin")
    for path in ("/admin/", "/admin/users", "/admin/items", "/admin/instances", "/admin/calendar"):
        page.goto(live_server + path)
        assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth"), path
    page.goto(live_server + "/admin/users")
    users = page.locator("table").first
    assert users.evaluate("(t) => t.scrollWidth > t.clientWidth")  # wider than the screen: it scrolls
