"""档案归档 in the browser, at a desk's width and a phone's: an administrator builds a case's package,
downloads it, checks it and marks it handed over."""
import zipfile

import pytest

from tests.browser.helpers import fits, login
from tests.test_archive import delivered
from tests.procedures import install


@pytest.mark.parametrize("width, height", [(1280, 800), (390, 844)])
def test_an_administrator_archives_a_case_and_hands_it_over(org, live_server, new_page, width, height):
    case = delivered(install(org))
    page = new_page(width, height)
    login(page, live_server, "admin")
    page.goto(live_server + "/admin/archive")
    fits(page, "/admin/archive")
    row = page.locator(f"tr[data-case='{case.number}']")
    assert row.get_attribute("data-archive") == "none"
    row.locator("input[name=case]").check()
    page.click("#build")
    page.wait_for_selector(".flash.success")
    assert page.locator(f"tr[data-case='{case.number}']").count() == 0  # archived: no longer to do
    page.select_option("select[name=state]", "to_hand_over")
    page.click("#archive-filter button[type=submit]")
    page.wait_for_url(lambda url: "state=to_hand_over" in url)
    fits(page, "/admin/archive?state=to_hand_over")
    row = page.locator(f"tr[data-case='{case.number}']")
    assert row.get_attribute("data-archive") == "built"
    with page.expect_download() as downloaded:
        row.locator("a[download]").click()
    with zipfile.ZipFile(downloaded.value.path()) as package:
        assert f"{case.number}/metadata.xml" in package.namelist()
    row.locator("a", has_text="四性检测").click()
    page.wait_for_selector("#verdict")
    assert page.locator("#checks tr[data-passed=yes]").count() == 8 and "全部检测项通过" in page.inner_text("#verdict")
    fits(page, "check")
    page.go_back()
    questions = []
    page.on("dialog", lambda dialog: (questions.append(dialog.message), dialog.accept()))
    page.locator(f"tr[data-case='{case.number}'] input[name=case]").check()
    page.fill("input[name=receiver]", "县档案馆")
    page.click("#hand-over")
    page.wait_for_selector(".flash.success")
    assert questions == ["将勾选办件的归档包标记为已移交？"]
    page.goto(live_server + "/admin/archive?state=handed_over")
    assert page.locator(f"tr[data-case='{case.number}']").get_attribute("data-archive") == "handed_over"
    assert "县档案馆" in page.locator(f"tr[data-case='{case.number}'] .handed-over").inner_text()
    fits(page, "/admin/archive?state=handed_over")
    page.screenshot(path=f"/tmp/archive-{width}.png", full_page=True)
