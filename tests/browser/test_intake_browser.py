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


def test_the_acceptance_notice_shows_its_seal_and_code_on_screen_and_in_print(org, live_server, new_page):
    """At 1280 px: the department's seal drawn over its name and the date, the verification code
    beside it leading to the public page that checks it; printed, the seal and the code stay."""
    deploy.deploy([("review.bpmn", REVIEW.encode())], org["designer"])
    catalogue.save(ITEM, None)
    case = intake.accept(intake.submit("W-1", {"name": "王五", "id_number": "110101197001012222", "phone": "13700000000"},
                                       [intake.Upload(c, f"{c}.pdf", b"%PDF x") for c in ("id_card", "plan")],
                                       org["clerk"], form={"project": "二号厂房"}).id, org["clerk"])
    [notice] = intake.describe(case.id)["notices"]
    page = new_page(width=1280, height=900)
    login(page, live_server, "clerk")
    page.goto(f"{live_server}/intake/notices/{notice['id']}")

    def drawn():
        seal, over = (page.locator(selector).bounding_box() for selector in ("#seal-mark", ".notice footer .date"))
        # The name round the edge stays inside the seal's circle (the drawing's 200 units).
        name = page.evaluate("() => { const b = document.querySelector('#seal-mark textPath').parentNode.getBBox();"
                             " return [b.x, b.y, b.x + b.width, b.y + b.height]; }")
        colour = page.evaluate("() => getComputedStyle(document.querySelector('#seal-mark')).color")
        return seal, over, name, colour

    for media in ("screen", "print"):
        page.emulate_media(media=media)
        seal, over, name, colour = drawn()
        assert page.locator("#seal-mark").is_visible() and seal["width"] > 120, media
        assert seal["x"] < over["x"] + over["width"] / 2 < seal["x"] + seal["width"], media  # over the date
        assert seal["y"] < over["y"] < seal["y"] + seal["height"], media
        assert 0 < name[0] and name[2] < 200 and 0 < name[1] and name[3] < 200 and name[2] - name[0] > 60, media
        assert colour == "rgb(215, 20, 26)", media
        assert page.locator("#seal-code").inner_text() == notice["seal_code"], media
        assert page.locator("#seal-note").is_visible(), media
    assert not page.locator(".toolbar").is_visible()  # printed: the seal and its code, not the button
    page.emulate_media(media="screen")
    page.click("#seal-code")
    page.wait_for_url("**/portal/verify?code=*")
    assert page.locator("#verdict h2").get_attribute("data-valid") == "true"
    assert notice["number"] in page.locator("#sealed-paper").inner_text()
