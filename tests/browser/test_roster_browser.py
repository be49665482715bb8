"""人员名册导入 in a browser, on a desk's screen and on a phone: upload, preview, confirm, print the
first passwords (the list alone on paper); a new person signs in with theirs and chooses their own."""
import pytest

from tests.browser.helpers import fits, login
from tests.test_roster import ROSTER


@pytest.mark.parametrize("width, height", [(1280, 800), (390, 844)])
def test_an_administrator_imports_a_roster_and_prints_the_first_passwords(org, live_server, new_page, tmp_path,
                                                                         width, height):
    roster = tmp_path / "名册.xlsx"
    roster.write_bytes(ROSTER)
    page = new_page(width, height)
    login(page, live_server, "admin")
    page.goto(live_server + "/admin/users")
    page.click("#roster-link")
    page.wait_for_selector("#roster-form")
    fits(page, "upload")
    page.set_input_files("#roster-form input[type=file]", str(roster))
    page.click("#roster-form button[type=submit]")
    page.wait_for_selector("#roster-preview")
    fits(page, "preview")
    assert page.locator("#roster-rows tr[data-status=new]").count() == 2
    assert page.locator("#roster-rows tr[data-status=changed]").count() == 1
    assert "李强" in page.locator("#roster-rows tr[data-login=reviewer]").inner_text()
    page.click("#roster-confirm button[type=submit]")
    page.wait_for_selector("#passwords")
    fits(page, "passwords")
    assert page.locator("#passwords tbody tr").count() == 2
    # On paper, the list alone: no menu, no button, no banner.
    page.emulate_media(media="print")
    assert page.locator("#passwords").is_visible() and page.locator("#first-passwords h2").is_visible()
    for hidden in ("header.top", ".admin-nav", "button[data-print]", "#roster-applied"):
        assert not page.locator(hidden).is_visible(), hidden
    page.emulate_media(media="screen")
    page.evaluate("() => { window.printed = 0; window.print = () => { window.printed += 1; }; }")
    page.click("button[data-print]")
    assert page.evaluate("() => window.printed") == 1
    # The new person signs in with theirs, only to choose their own.
    password = page.locator("#passwords tr[data-login=wangwu] code.password").inner_text()
    person = new_page(width, height)
    login(person, live_server, "wangwu", password)
    assert person.url.endswith("/account/password") and person.locator("#temporary-notice").is_visible()
    person.goto(live_server + "/inbox/")
    assert person.url.endswith("/account/password")
    person.fill("#current", password)
    person.fill("#new", "wangwu-own-pw")
    person.fill("#again", "wangwu-own-pw")
    person.click("#password-form button[type=submit]")
    person.wait_for_url(lambda url: "/account/password" not in url)
    person.goto(live_server + "/inbox/")
    assert person.url.endswith("/inbox/")
