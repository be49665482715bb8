"""告知承诺核查 in a browser: on a desk (1280 px) a reviewer finds a pledge false on its check's page,
with the file found it by (asked first); on a phone (390 px) the department's head revokes the
grant and opens the sealed written decision. Nothing is wider than the screen."""
from engine import intake, pledge_checks
from engine.services import tasks, users
from tests.browser.helpers import fits, login
from tests.test_intake import ZHANG, item, up  # noqa: F401 (a fixture)


def test_a_department_finds_a_pledge_false_and_its_head_revokes_the_grant_on_a_phone(org, item, live_server, new_page):
    users.add_user("housinglead", "住建负责人", "housing", ["lead", "reviewer"], "pass-housinglead")
    case = intake.submit("T-001", ZHANG, up("id_card", "form", "land"), org["clerk"])
    intake.accept(case.id, org["clerk"], pledged=["marriage"])
    [task] = tasks.list_tasks(org["reviewer"])
    tasks.claim(task["id"], org["reviewer"])
    tasks.complete(task["id"], org["reviewer"], {"decision": "approve"})
    [check] = pledge_checks.checks(org["reviewer"])

    desk = new_page(1280, 800)
    login(desk, live_server, "reviewer")
    desk.click("#pledge-checks-link")
    fits(desk, "the checks at a desk")
    desk.click(f"#pledge-checks tr[data-check='{check.id}'] a")
    desk.check("#check-form input[value='false']")
    desk.fill("#finding-input", "婚姻登记系统显示申请人已婚，承诺未婚不实")
    desk.set_input_files("#check-form input[name=evidence]",
                         files=[{"name": "婚姻登记查询结果.pdf", "mimeType": "application/pdf", "buffer": b"%PDF r"}])
    asked = []
    desk.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))  # it cannot be changed after
    desk.click("#check-form button[type=submit]")
    desk.wait_for_selector(".flash.success")
    assert "不实" in asked[0] and "已列入申请人失信记录" in desk.locator(".flash.success").inner_text()
    assert desk.locator("#evidence").inner_text() == "婚姻登记查询结果.pdf"
    assert desk.locator("#revoke-by-head").is_visible() and desk.locator("#revoke-form").count() == 0
    fits(desk, "the check found false")

    phone = new_page(390, 844)
    login(phone, live_server, "housinglead")
    phone.goto(f"{live_server}/inbox/pledge-checks?state=false")
    fits(phone, "the checks found false on a phone")
    phone.click(f"#pledge-checks tr[data-check='{check.id}'] a")
    fits(phone, "the check on a phone")
    phone.fill("#reason-input", "申请人以虚假承诺取得许可，依法撤销")
    confirmed = []  # asked first; said no: nothing is revoked
    phone.once("dialog", lambda dialog: (confirmed.append(dialog.message), dialog.dismiss()))
    phone.click("#revoke-form button[type=submit]")
    assert confirmed and "撤销后不能恢复" in confirmed[0]
    assert phone.locator("#revoke-form").is_visible() and intake.get_case(case.id).status == "decided"
    phone.once("dialog", lambda dialog: dialog.accept())
    phone.click("#revoke-form button[type=submit]")
    phone.wait_for_selector(".flash.success")
    assert phone.locator("#case-state").inner_text() == "已撤销（虚假承诺）"
    fits(phone, "the revoked check on a phone")
    phone.goto(live_server + phone.locator("#revoked a").get_attribute("href"))
    assert phone.locator("h1").inner_text() == "撤销行政许可决定书"
    assert "申请人以虚假承诺取得许可，依法撤销" in phone.locator("#reason").inner_text()
    assert phone.locator("#seal-code").is_visible()
    fits(phone, "the written decision on a phone")
