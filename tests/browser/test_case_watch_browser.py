"""在办案件 and 案件时限 on a phone: the supervisor finds a paused case from the board and reads its
clocks, nothing wider than the screen."""
from tests.browser.helpers import fits, login
from tests.case_watch_data import running_cases


def test_a_supervisor_finds_a_paused_case_and_reads_its_clocks_on_a_phone(org, live_server, new_page):
    found = running_cases(org)
    page = new_page(390, 844)
    login(page, live_server, "supervisor")
    page.goto(f"{live_server}/supervision/")
    page.click("#cases-link")
    page.wait_for_url(lambda url: url.endswith("/supervision/cases"))
    assert page.locator("#cases tbody tr[data-instance]").count() == 5
    fits(page, "/supervision/cases")
    page.check("input[name=paused]")
    page.click("#cases-filter button[type=submit]")
    row = page.locator("#cases tbody tr[data-instance]")
    assert row.count() == 1 and "暂停计时：专家评审" in row.inner_text()
    fits(page, "/supervision/cases?paused=1")
    row.locator("a.case-number").click()
    page.wait_for_url(lambda url: url.endswith(f"/instances/{found['paused'].instance_id}/clocks"))
    assert page.locator("#clocks tbody tr[data-state=paused]").count() == 2
    assert page.locator("#special-procedures").is_visible()
    fits(page, "clocks of the paused case")
    page.goto(f"{live_server}/supervision/instances/{found['late'].instance_id}/clocks")  # with its order
    assert page.locator("#order-list tr[data-order-id]").count() == 1
    fits(page, "clocks of the late case")
