"""An applicant on a phone signs in, finds their closed case by its number and rates it; answers a review
round's merged correction online."""
from engine import catalogue, decisions, intake, portal, ratings
from engine.store import session_scope
from engine.store.models import Rectification
from tests.browser.helpers import fits

ITEM = {"code": "Q-001", "name": "资料查询", "kind": "public_service", "department": "housing",
        "case_type": "immediate", "promised_days": 0,
        "materials": [{"code": "form", "name": "查询申请书", "mandatory": True}]}


def closed_case(org):
    catalogue.save(ITEM, None)
    applicant = portal.register(name="张三", id_type="id_card", id_number="11010119900101127X",
                                phone="13800000000", password="secret-pw")
    case = portal.apply(applicant.id, "Q-001", [intake.Upload("form", "form.pdf", b"%PDF form")])
    intake.accept(case.id, org["clerk"])  # immediate, no procedure: decided on the spot
    decisions.deliver(case.id, "window", org["clerk"])
    return case


def signed_in_on_a_phone(new_page, live_server, phone, password):
    """A 390 px wide page, signed in to the portal: the applicant's own case list."""
    page = new_page(390, 844)
    page.goto(f"{live_server}/portal/login")
    page.fill("#identifier", phone)
    page.fill("#password", password)
    page.click("form button[type=submit]")
    page.wait_for_url(f"{live_server}/portal/cases")
    return page


def test_applicant_follows_case_by_number_and_rates_it(org, live_server, new_page):
    case = closed_case(org)
    page = signed_in_on_a_phone(new_page, live_server, "13800000000", "secret-pw")

    page.fill("#number", case.number)
    page.click(".portal-search button")
    page.wait_for_url(f"{live_server}/portal/cases/{case.number}")
    assert page.locator("#case-status").inner_text() == "已办结，已送达"
    assert "送达结果" in page.locator(".steps").inner_text()
    # Made for a phone: nothing wider than the screen.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    page.check("input[name=level][value='4']")  # 不满意 (GB/T 39046 A.8)
    page.click(".rating-form button[type=submit]")  # without its reason: the browser asks by the box
    assert page.evaluate("() => document.getElementById('rating-text').matches(':invalid')")
    page.check("input[name=level][value='2']")
    assert page.evaluate("() => document.getElementById('rating-text').matches(':valid')")
    page.check("input[name=level][value='4']")
    page.fill("#rating-text", "   ")  # blank is no reason
    assert page.evaluate("() => document.getElementById('rating-text').matches(':invalid')")
    page.fill("#rating-text", "排队时间太长")
    # and what it is about (the window's service or the department's handling), the browser asks too
    assert page.evaluate("() => document.querySelector('input[name=concerns]').matches(':invalid')")
    page.check("input[name=concerns][value='handling']")
    page.click(".rating-form button[type=submit]")
    page.wait_for_selector("#my-rating")
    said = page.locator("#my-rating").inner_text()
    assert "不满意" in said and "非常不满意" not in said
    assert "整改" in page.locator(".flash").inner_text()
    assert page.locator(".rating-form").count() == 0

    assert portal.progress(case.applicant_id, case.number)["rating"] == 4
    with session_scope() as session:
        rectification = session.query(Rectification).one()
        assert rectification.department == "housing" and rectification.state == "open"
    assert [r.case_id for r in ratings.rectifications(org["reviewer"])] == [case.id]

    page.goto(f"{live_server}/portal/items/Q-001/apply")  # the upload table also fits the phone
    assert page.locator("#m-form").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_applicant_answers_a_review_round_correction_on_a_phone(org, live_server, new_page, tmp_path):
    """多评合一: the merged correction shows who asked for what; the revised report goes up; the window confirms."""
    from engine.services import users
    from tests.procedures import install, open_tasks, work
    from tests.test_portal_review_correction import AIR, COMPANY, in_review_correction
    people = install(org)
    with session_scope() as session:
        users.ensure_department(session, "eco", "生态环境局")
    case = in_review_correction(people, portal.register(**COMPANY))
    report = tmp_path / "report-v2.pdf"
    report.write_bytes(b"%PDF revised assessment report")

    page = signed_in_on_a_phone(new_page, live_server, COMPANY["phone"], COMPANY["password"])
    page.goto(f"{live_server}/portal/cases/{case.number}")
    assert page.locator("#case-status").inner_text() == "审查中，待补正材料"
    requests = page.locator("#review-requests").inner_text()
    assert "生态环境局" in requests and AIR in requests
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    page.set_input_files("#m-report-environmental_impact", str(report))  # the revised EIA report
    page.click("#supply button[type=submit]")
    page.wait_for_selector("#review-supplied")
    assert "待窗口确认" in page.locator(".flash").inner_text()
    assert "report-v2.pdf" in page.locator("#supply").inner_text()
    assert intake.describe(case.id)["status"] == "review_correction"  # until the window confirms

    work(open_tasks(case.instance_id)["window_correction@window"], people["clerk"], {"materials_received": True},
         document=False)
    page.reload()
    assert page.locator("#case-status").inner_text() == "已受理，审批中"
    assert page.locator("#supply").count() == 0


def test_applicant_withdraws_an_application_on_a_phone(org, live_server, new_page):
    catalogue.save(ITEM, None)
    applicant = portal.register(name="李四", id_type="id_card", id_number="11010119900101127X",
                                phone="13800000001", password="secret-pw")
    case = portal.apply(applicant.id, "Q-001", [intake.Upload("form", "form.pdf", b"%PDF form")])
    page = signed_in_on_a_phone(new_page, live_server, "13800000001", "secret-pw")
    page.goto(f"{live_server}/portal/cases/{case.number}")
    form = page.locator("#withdraw-form")
    form.locator("textarea[name=reason]").fill("材料准备有误，重新申请")
    form.locator("button[type=submit]").click()  # not confirmed: the browser holds the form back
    assert page.evaluate("() => document.querySelector('#withdraw-form input[name=confirm]').matches(':invalid')")
    assert intake.describe(case.id)["status"] == "submitted"
    form.locator("input[name=confirm]").check()
    form.locator("button[type=submit]").click()
    page.wait_for_selector("#case-status:has-text('已撤回申请')")
    assert page.locator("#withdraw-form").count() == 0
    assert "材料准备有误，重新申请" in page.locator(".steps").inner_text()
    assert page.locator(".rating-form").count() == 1  # the service may still be rated
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    with page.expect_popup() as popup:
        page.click(".notices a:has-text('终止办理告知书')")
    assert "材料准备有误，重新申请" in popup.value.locator("#reason").inner_text()


def test_a_forgotten_password_is_replaced_at_the_window_and_then_by_the_applicant(org, live_server, new_page):
    """The clerk finds the applicant from their case, checks the ID (the confirmation says so) and
    hands over a temporary password; on their phone the applicant can only set their own with it."""
    from tests.browser.helpers import login
    case = closed_case(org)
    clerk = new_page()
    login(clerk, live_server, "clerk")
    clerk.goto(f"{live_server}/intake/cases/{case.id}")
    clerk.click("#applicant-account")
    row = clerk.locator("#applicants tbody tr")
    assert "张三" in row.inner_text() and "已开通" in row.inner_text()
    asked = []
    clerk.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    row.locator("button").click()
    clerk.wait_for_selector("#temporary-password")
    assert "身份证件原件" in asked[0]
    temporary = clerk.input_value("#temporary-password")
    assert "临时密码，有效至" in clerk.locator("#applicants").inner_text()

    phone = new_page(390, 844)
    phone.goto(f"{live_server}/portal/login")
    assert "综合窗口领取临时密码" in phone.locator("#forgot").inner_text()
    phone.fill("#identifier", "13800000000")
    phone.fill("#password", "secret-pw")  # the forgotten one no longer opens anything
    phone.click("form button[type=submit]")
    assert "账号或密码错误" in phone.locator(".flash").inner_text()
    phone.fill("#identifier", "13800000000")
    phone.fill("#password", temporary)
    phone.click("form button[type=submit]")
    phone.wait_for_url(f"{live_server}/portal/account/password")
    assert phone.locator("#temporary-notice").is_visible()
    phone.goto(f"{live_server}/portal/cases/{case.number}")  # nothing else opens yet
    phone.wait_for_url(f"{live_server}/portal/account/password")
    phone.fill("#current", temporary)
    phone.fill("#new", "my-own-pw-2")
    phone.fill("#again", "my-own-pw-2")
    phone.click("#password-form button[type=submit]")
    phone.wait_for_url(f"{live_server}/portal/cases")
    assert "密码已修改" in phone.locator(".flash").inner_text()
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert portal.authenticate("13800000000", "my-own-pw-2").id == case.applicant_id


def test_choosing_an_organisation_picks_its_credit_code(live_server, new_page):
    page = new_page(390, 844)
    page.goto(f"{live_server}/portal/register")
    page.select_option("#kind", "company")
    assert page.input_value("#id_type") == "uscc"
    page.select_option("#kind", "person")
    assert page.input_value("#id_type") == "id_card"


def test_the_guide_offers_a_materials_blank_form_and_example_on_a_phone(org, live_server, new_page):
    """表格下载 and 填表示例: anyone, signed in or not, downloads them from the guide."""
    from engine import material_templates
    catalogue.save({**ITEM, "materials": [{**ITEM["materials"][0], "source": "applicant",
                                           "instructions": "不知道不动产单元号的可不填"}]}, None)
    material_templates.put(org["admin"], "Q-001", "form", "blank", b"%PDF-1.4 the blank form", "blank.pdf")
    material_templates.put(org["admin"], "Q-001", "form", "example", b"%PDF-1.4 an example", "example.pdf")
    page = new_page(390, 844)
    page.goto(f"{live_server}/portal/items/Q-001")
    fits(page, "guide")
    assert "填报须知：不知道不动产单元号的可不填" in page.locator("table.materials").inner_text()
    with page.expect_download() as got:
        page.click("#form-form-example")
    assert got.value.suggested_filename == "查询申请书（示例样表）.pdf"
    assert open(got.value.path(), "rb").read() == b"%PDF-1.4 an example"
    assert page.locator("#form-form-blank").is_visible()
