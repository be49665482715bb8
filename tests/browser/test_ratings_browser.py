"""好差评 at the window: the clerk turns the 现场评价 screen (a tablet) to an applicant without an
online account, whose phone (390 px) opens the code and rates. 申诉复核 on a desk (1280 px): a
department appeals a bad rating from its inbox and a supervisor grants the appeal."""
from engine import catalogue, decisions, intake, rating_appeals, rating_codes, ratings
from tests.browser.helpers import fits, login
from tests.test_rating_codes import code_of
from tests.test_rectifications import ITEM

APPLICANT = {"name": "赵六", "id_type": "id_card", "id_number": "11010119900101127X", "phone": "13800000006",
             "kind": "person"}


def delivered_at_the_window(org):
    """Taken in, decided on the spot and handed over at the window: the applicant has no account."""
    catalogue.save(ITEM, None)
    case = intake.submit("Q-001", APPLICANT, [intake.Upload("form", "form.pdf", b"%PDF form")], org["clerk"])
    intake.accept(case.id, org["clerk"])
    return decisions.deliver(case.id, "window", org["clerk"])


def test_an_applicant_rates_at_the_window_with_their_own_phone(org, live_server, new_page):
    case = delivered_at_the_window(org)
    counter = new_page(768, 1024)  # the window's tablet, turned to the applicant
    login(counter, live_server, "clerk")
    counter.goto(f"{live_server}/intake/cases/{case.id}")
    counter.click("#rating-screen-link")
    counter.wait_for_selector("#rating-code svg.qr")
    assert counter.locator("svg.qr").bounding_box()["width"] >= 300  # read across a counter
    shown = counter.locator("#code").inner_text()
    assert counter.locator("input[name=level]").count() == 0  # the screen shows the code; it never rates
    fits(counter, "the window's screen")
    counter.goto(f"{live_server}/rate/{shown.replace('-', '')}")  # the clerk's own browser cannot rate
    assert "工作人员不能代为评价" in counter.locator("#staff-signed-in").inner_text()

    for width, height in ((1024, 768), (390, 844)):  # a tablet, then the applicant's phone
        phone = new_page(width, height)
        phone.goto(f"{live_server}/rate/")
        phone.fill("#code", shown.lower())  # typed off the screen, as it reads
        phone.click("#code-form button[type=submit]")
        phone.wait_for_url(f"{live_server}/rate/{shown.replace('-', '')}")
        assert phone.locator("#case-number").inner_text() == case.number
        fits(phone, f"the rating page at {width} px")
        for box in phone.locator(".level-choice").all():  # five large buttons, a thumb's size at least
            assert box.bounding_box()["height"] >= 48
    assert phone.locator(".level-choice").all_inner_texts() == ["非常满意", "满意", "基本满意", "不满意", "非常不满意"]

    assert not phone.locator("#rating-concerns").is_visible()  # asked of a bad rating only
    phone.click(".level-choice[data-level='5']")
    assert phone.locator("#rating-concerns").is_visible()
    phone.click("#rating-form button[type=submit]")  # no reason: the browser asks by the box
    assert phone.evaluate("() => document.getElementById('rating-text').matches(':invalid')")
    phone.fill("#rating-text", "窗口让我跑了三趟")
    assert phone.evaluate("() => document.querySelector('input[name=concerns]').matches(':invalid')")
    phone.click(".concern-choice:has(input[value='service'])")
    phone.click("#rating-form button[type=submit]")
    phone.wait_for_url(f"{live_server}/rate/thanks")
    assert "受理窗口将于" in phone.locator(".flash.success").inner_text()
    fits(phone, "the thanks page")

    [fix] = ratings.rectifications(org["supervisor"])
    assert (fix.case_id, fix.rating, fix.concerns, fix.department) == (case.id, 5, "service", "window")
    counter.goto(f"{live_server}/intake/cases/{case.id}/rating")
    assert counter.locator("#rated").is_visible() and counter.locator("svg.qr").count() == 0


def test_a_department_appeals_a_bad_rating_and_a_supervisor_grants_it(org, live_server, new_page):
    case = delivered_at_the_window(org)
    fix = rating_codes.rate(code_of(case), 5, "审查人员态度恶劣", "handling", "127.0.0.1")

    desk = new_page(1280, 800)
    login(desk, live_server, "reviewer")
    desk.goto(f"{live_server}/inbox/")
    desk.click(f"#rectification-table tr[data-rectification-id='{fix.id}'] .appeal-form summary")
    desk.check(f"#appeal-form-{fix.id} input[value='malicious']")
    desk.fill(f"#appeal-reason-{fix.id}", "申请人当场辱骂工作人员，有录像为证")
    desk.once("dialog", lambda dialog: dialog.accept())  # a rating is appealed once: it asks first
    desk.click(f"#appeal-form-{fix.id} button[type=submit]")
    desk.wait_for_url(f"{live_server}/portal/rectifications/{fix.id}")
    assert "已提交申诉" in desk.locator(".flash.success").inner_text()
    assert desk.locator(".appeal .appeal-state").inner_text() == "待复核"
    fits(desk, "the rectification with its appeal")

    board = new_page(1280, 800)
    login(board, live_server, "supervisor")
    board.goto(f"{live_server}/supervision/")
    assert board.locator("#pending-appeals").inner_text() == "待复核 1 件"
    board.click("#appeals-link")
    [appeal] = rating_appeals.appeals(org["supervisor"])
    form = f"#decide-{appeal.id}"
    board.check(f"{form} input[value='granted']")
    board.fill(f"{form} textarea[name=note]", "经调取录像，评价与事实不符")
    board.click(f"{form} button[type=submit]")
    board.wait_for_selector(".flash.success")
    assert "申诉成立" in board.locator(".flash.success").inner_text()
    assert board.locator(f"#appeal-{appeal.id} .appeal-state").inner_text().startswith("申诉成立")
    fits(board, "the appeals page")
    board.goto(f"{live_server}/supervision/")
    assert board.locator("#pending-appeals").inner_text() == "待复核 0 件"
    assert ratings.get(fix.id, org["supervisor"]).state == "excused"
