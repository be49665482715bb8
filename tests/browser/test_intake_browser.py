"""A window clerk takes in a case in a real browser: item, applicant, materials, accept, print the notice."""
from engine import catalogue, intake
from engine.services import deploy
from tests.bpmn_builder import process
from tests.browser.helpers import login

REVIEW = process("window_review", [("start", "s", "申请"), ("user", "review", "住建审查"), ("end", "e", "办结")],
                 [("s", "review"), ("review", "e")], lanes={"housing": ["review"]})
ITEM = {"code": "W-1", "name": "建筑工程施工许可", "kind": "licence", "department": "housing",
        "case_type": "promised", "statutory_days": 20, "promised_days": 10, "process": "window_review",
        "form": {"type": "object", "properties": {"project": {"type": "string", "title": "项目名称"}}},
        "materials": [{"code": "id_card", "name": "身份证明", "mandatory": True},
                      {"code": "plan", "name": "设计方案", "mandatory": True},
                      {"code": "extra", "name": "其他说明", "mandatory": False}]}


def pdf(name):
    return {"name": f"{name}.pdf", "mimeType": "application/pdf", "buffer": f"%PDF {name}".encode()}


def test_clerk_takes_in_accepts_and_prints_the_acceptance_notice(org, live_server, page):
    deploy.deploy([("review.bpmn", REVIEW.encode())], org["designer"])
    catalogue.save(ITEM, None)
    login(page, live_server, "clerk")
    page.goto(f"{live_server}/intake/")
    page.click("a[data-item='W-1']")
    page.fill("#name", "王五")
    page.fill("#id_number", "110101197001012222")
    page.fill("#phone", "13700000000")
    page.fill("#f-project", "二号厂房")
    for code in ("id_card", "plan"):
        page.check(f"#received_{code}")
        page.set_input_files(f"#file_{code}", pdf(code))
    page.click("#submit-case")
    page.wait_for_url("**/intake/cases/*")
    number = page.locator("#case-number").inner_text()
    assert "已收件" in page.locator(".flash.success").inner_text() and number in page.locator(".flash").inner_text()
    assert page.locator("tr[data-material='plan']").get_attribute("data-state") == "provided"
    assert page.locator("tr[data-material='extra']").get_attribute("data-state") == "missing"

    page.click("#accept")
    page.wait_for_selector("#case-status[data-status='accepted']")
    href = page.locator("#notices a[data-kind='acceptance']").get_attribute("href")
    page.goto(live_server + href)
    assert page.locator("#case-number").inner_text() == number
    assert "受理通知书" in page.locator("h1").inner_text()
    assert page.locator("#promised-due").inner_text().startswith(intake.describe(
        intake.get_case(number).id)["clocks"][0]["promised_due"])
    page.evaluate("window.print = () => { document.body.dataset.printed = 'yes'; }")
    page.click("[data-print]")  # its script is a file: the Content-Security-Policy runs no inline one
    page.wait_for_selector("body[data-printed='yes']")
    page.emulate_media(media="print")
    assert not page.locator(".toolbar").is_visible()  # the print button is not printed


def test_clerk_records_a_withdrawal_after_the_browser_asks(org, live_server, page):
    deploy.deploy([("review.bpmn", REVIEW.encode())], org["designer"])
    catalogue.save(ITEM, None)
    case = intake.submit("W-1", {"name": "王五", "id_number": "110101197001012222", "phone": "13700000000"},
                         [intake.Upload(code, f"{code}.pdf", b"%PDF") for code in ("id_card", "plan")], org["clerk"])
    intake.accept(case.id, org["clerk"])
    login(page, live_server, "clerk")
    page.goto(f"{live_server}/intake/cases/{case.id}")
    page.fill("#withdraw-form textarea[name=reason]", "申请人书面申请撤回")
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    page.click("#withdraw-form button[type=submit]")
    assert asked and "不能恢复" in asked[0]
    assert intake.describe(case.id)["status"] == "accepted"  # dismissed: nothing sent
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#withdraw-form button[type=submit]")
    page.wait_for_selector("#case-status[data-status='withdrawn']")
    assert page.locator("#notices a[data-kind='termination']").count() == 1
    assert "申请人撤回申请" in page.locator("#history").inner_text()
