"""An administrator's pages on a phone: a wide table scrolls within itself, the page keeps its width."""
from tests.browser.helpers import login


def test_admin_pages_fit_a_phone(org, live_server, new_page):
    page = new_page(390, 844)
    login(page, live_server, "admin")
    for path in ("/admin/", "/admin/users", "/admin/items", "/admin/instances", "/admin/calendar", "/admin/special-kinds"):
        page.goto(live_server + path)
        assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth"), path
        # No column squeezed to a character's width; the menu under the header, not a tall column.
        narrowest = page.evaluate("() => Math.min(...[...document.querySelectorAll('table:not(.month) th')]"
                                  ".map(th => th.getBoundingClientRect().width), 999)")
        assert narrowest >= 50, (path, narrowest)
        assert page.evaluate("() => document.querySelector('header.top').getBoundingClientRect().height") < 150
    page.goto(live_server + "/admin/users")
    users = page.locator("table").first
    assert users.evaluate("(t) => t.scrollWidth > t.clientWidth")  # wider than the screen: it scrolls
