"""An administrator's pages on a phone: a wide table scrolls within itself, the page keeps its width."""
from datetime import date

from tests.browser.helpers import login


def test_admin_pages_fit_a_phone(org, live_server, new_page):
    page = new_page(390, 844)
    login(page, live_server, "admin")
    for path in ("/admin/", "/admin/users", "/admin/items", "/admin/instances", "/admin/calendar", "/admin/special-kinds",
                 "/admin/zones"):
        page.goto(live_server + path)
        assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth"), path
        # No column squeezed to a character's width; the menu under the header, not a tall column.
        narrowest = page.evaluate("() => Math.min(...[...document.querySelectorAll('table:not(.month):not(.stacked) th')]"
                                  ".map(th => th.getBoundingClientRect().width), 999)")
        assert narrowest >= 50, (path, narrowest)
        assert page.evaluate("() => document.querySelector('header.top').getBoundingClientRect().height") < 150
    page.goto(live_server + "/admin/users")
    users = page.locator("table").first
    assert users.evaluate("(t) => t.scrollWidth > t.clientWidth")  # wider than the screen: it scrolls


def test_the_activity_log_fits_a_phone(org, live_server, new_page):
    """Each event a card of its own on a phone: a long reason, label or list of processes wraps
    within the screen, and the filter form's fields stack instead of widening the page."""
    from engine.services import admin, calendars, deploy, tokens, users
    from tests.bpmn_builder import one_review
    deploy.deploy([(f"{key}.bpmn", one_review(key, "部门审查", "housing").encode())
                   for key in ("construction_drawing_review_joint", "real_estate_transfer_registration")],
                  org["designer"])
    users.add_user("newbie", "欧阳新人", "housing", ["reviewer"], actor=org["admin"])
    admin.set_active("newbie", False, org["admin"])
    tokens.issue_token("clerk", label="https://queue.example.gov.cn/window/caller/device-0001-long-label",
                       actor=org["admin"])
    calendars.add_closure(date(2031, 3, 4), "台风“海葵”登陆，依据市防汛防台风指挥部第二号令全市机关停止办公一天", org["admin"])
    page = new_page(390, 844)
    login(page, live_server, "admin")
    page.goto(live_server + "/admin/activity")
    assert page.locator("#activity tbody tr").count() >= 4
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    width = page.evaluate("() => window.innerWidth")
    cells = page.evaluate("() => [...document.querySelectorAll('#activity td, #activity-filter select')]"
                          ".map(e => { const r = e.getBoundingClientRect(); return [r.left, r.right]; })")
    assert all(0 <= left and right <= width for left, right in cells), (cells, width)
    page.select_option("select[name=what]", "people")
    page.click("#activity-filter button[type=submit]")
    page.wait_for_url(lambda url: "what=people" in url)
    assert page.locator("#activity tr[data-event=deployed]").count() == 0
    assert page.locator("#activity tr[data-event=user_deactivated]").count() == 1


def test_an_administrator_enters_next_years_notice_on_a_phone(org, live_server, new_page):
    """Previewed first: what it would change, and that it is short of the law's days off, nothing
    stored. Imported, it is refused with the text kept; ticked as checked, it is imported, and the
    page says which notice the year follows. The notice is an assumed one."""
    page = new_page(390, 844)
    login(page, live_server, "admin")
    page.goto(live_server + "/admin/calendar?year=2031")
    asked = []
    page.on("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    page.fill("#import-notice textarea[name=text]", "year: 2031\nsource: 测试用假设通知\nholidays: [2031-01-01]\n")
    page.click("#preview-notice")
    page.wait_for_selector("#notice-preview")
    assert asked == [] and "法定为 13 个" in page.locator("#preview-law").inner_text()
    assert page.locator("#preview-changes tbody tr").count() > 0  # the estimate's holidays become working days
    assert page.locator("#on-file").count() == 0  # nothing imported
    assert "2031-01-01" in page.locator("#import-notice textarea[name=text]").input_value()
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    page.click("#import-button")
    page.wait_for_selector(".flash")
    assert "法定为 13 个" in page.locator(".flash").inner_text() and page.locator("#on-file").count() == 0
    assert "2031-01-01" in page.locator("#import-notice textarea[name=text]").input_value()
    page.check("#import-notice input[name=unlike_law]")
    page.click("#import-button")
    page.wait_for_selector("#on-file")
    assert "测试用假设通知" in page.locator("#on-file").inner_text() and "admin" in page.locator("#on-file").inner_text()
    assert len(asked) == 2  # each import asked first
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")


def test_a_table_failing_its_test_cases_deploys_from_the_page_only_when_intended(org, live_server, new_page):
    """The upload is refused with the failing case named; ticked 改动有意为之, it deploys."""
    from engine.services import decision_tests, deploy
    from tests.test_decision_tests import DEED_TAX, HOME, RAISED, TAXES
    deploy.deploy([("transfer_taxes.dmn", TAXES.encode())], org["designer"])
    decision_tests.save("transfer_taxes", "满五唯一", HOME, DEED_TAX, org["designer"])
    page = new_page(390, 844)
    login(page, live_server, "admin")
    page.goto(live_server + "/admin/")
    upload = {"name": "transfer_taxes.dmn", "mimeType": "application/xml", "buffer": RAISED.encode()}
    page.set_input_files("input[name=files]", upload)
    page.click("form[action$='/admin/deploy'] button[type=submit]")
    assert "满五唯一" in page.locator("#deploy-problems").inner_text()
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    page.set_input_files("input[name=files]", upload)
    page.check("input[name=intended]")
    page.click("form[action$='/admin/deploy'] button[type=submit]")
    page.wait_for_url(lambda url: url.endswith("/admin/"))
    assert "transfer_taxes v2" in page.locator("main").inner_text()
    assert page.locator("#deploy-problems").count() == 0
