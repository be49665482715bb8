"""The public 中介超市 page on a phone: no sign-in, filtered by kind, nothing wider than the screen."""
from engine import agencies
from tests.test_agencies import CODE, OTHER


def test_the_marketplace_reads_on_a_phone_without_signing_in(org, live_server, new_page):
    agencies.register(org["admin"], name="甘肃华测环境安全评价技术服务有限责任公司", credit_code=CODE,
                      services={"seismic_safety": 10, "environmental_impact": 20}, price_note="按工程规模议价，详询")
    agencies.register(org["admin"], name="乙节能公司", credit_code=OTHER, services={"energy": 4})
    page = new_page(390, 844)
    page.goto(f"{live_server}/portal/agencies")
    assert page.locator("#agencies > li").count() == 2
    page.select_option("#agency-filter select[name=kind]", "seismic_safety")
    page.click("#agency-filter button[type=submit]")
    page.wait_for_url(f"{live_server}/portal/agencies?kind=seismic_safety")
    card = page.locator("#agencies > li")
    assert card.count() == 1
    assert "地震安全性评价：10 个工作日" in card.inner_text() and "暂无评价" in card.inner_text()
    assert "环境影响评价" not in card.inner_text()  # only the kind asked for
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")


def test_the_applicant_chooses_an_agency_on_purpose_and_rates_it_in_the_case_ratings_words_on_a_phone(
        org, live_server, new_page):
    from engine import portal
    from tests.browser.test_portal_browser import signed_in_on_a_phone
    from tests.procedures import install
    from tests.test_agencies import applied
    people = install(org)
    portal.register(name="某某科技有限公司", id_type="uscc", id_number=CODE, phone="13900000000",
                    password="secret-pw", kind="company")
    case = applied(people)  # its reports to come, through the marketplace
    agencies.register(org["admin"], name="甲评价公司", credit_code=OTHER, services={"seismic_safety": 10},
                      price_note="按项目议价，地震安评报告 3 万元起，复杂场地另行协商，详询本公司业务部")
    page = signed_in_on_a_phone(new_page, live_server, "13900000000", "secret-pw")
    page.goto(f"{live_server}/portal/cases/{case.number}")
    choose = page.locator("#choose-seismic_safety")
    assert choose.locator("input[type=radio]").first.evaluate("(el) => el.validity.valueMissing")  # nothing chosen
    choose.locator("button[type=submit]").click()  # so the browser asks for a choice
    assert page.locator("#commissions article").count() == 0
    offer = choose.locator("label.offer", has_text="甲评价公司")
    assert "10 个工作日，今天选定则" in offer.inner_text() and "按项目议价" in offer.inner_text()
    offer.click()  # the whole card chooses
    choose.locator("button[type=submit]").click()
    page.wait_for_selector("#commissions article.commission-open")
    assert page.locator("#choose-seismic_safety").count() == 0
    deliver = page.locator("#commissions article form.deliver-report")
    deliver.locator("button[type=submit]").click()  # no report chosen: the browser asks for it
    assert page.locator("#commissions article.commission-open").count() == 1
    deliver.locator("input[type=file]").set_input_files(
        {"name": "地震安评报告.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4 report"})
    deliver.locator("button[type=submit]").click()
    page.wait_for_selector("#commissions .agency-rating")
    assert page.locator("#commissions a.report").inner_text() == "地震安评报告.pdf"
    assert page.locator("#choose-seismic_safety").count() == 0  # delivered: not offered again
    assert page.locator("#commissions .agency-rating legend").inner_text() == "您对 甲评价公司 的服务满意吗？"
    levels = page.locator("#commissions .agency-rating label.rating-choice").all_inner_texts()
    assert [t.split()[0] for t in levels] == ["非常满意", "满意", "基本满意", "不满意", "非常不满意"]  # as 好差评 asks
    page.locator("#commissions .agency-rating label", has=page.locator("input[value='4']")).click()
    page.click("#commissions .agency-rating button[type=submit]")
    page.wait_for_selector("#commissions article.commission-delivered dd .agency-stars")
    assert "★★★★☆ 满意" in page.locator("#commissions article").inner_text()
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")


def test_the_administrator_suspends_an_agency_on_a_phone_without_scrolling_sideways(org, live_server, new_page):
    """The registry's table is a card per agency on a phone: the suspend form within the screen,
    not in a column scrolled out of sight."""
    from tests.browser.helpers import fits, login
    agencies.register(org["admin"], name="甘肃华测环境安全评价技术服务有限责任公司", credit_code=CODE,
                      services={"seismic_safety": 10, "environmental_impact": 20, "safety": 15, "energy": 8})
    page = new_page(390, 844)
    login(page, live_server, "admin")
    page.goto(f"{live_server}/admin/agencies")
    fits(page, "/admin/agencies")
    reason = page.locator("#agencies tbody tr input[name=reason]")
    box = reason.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    reason.fill("资质证书过期")
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("#agencies tbody tr button[type=submit]").click()
    page.wait_for_selector("#agencies tr.suspended")
    assert "资质证书过期" in page.locator("#agencies tr.suspended").inner_text()


def test_the_applicant_hands_in_the_reports_the_project_needs_and_the_agency_brings_the_rest_on_a_phone(
        org, live_server, new_page):
    """评估报告 made of the reports the project needs: the form offers an input for each needed kind as
    the project is filled in (and says when the zone covers them all); the case page names the one
    still missing; delivered through 中介超市, it completes the entry."""
    from engine import intake, portal
    from tests.browser.test_portal_browser import signed_in_on_a_phone
    from tests.procedures import install
    from tests.test_merged_assessments import ITEM
    install(org)
    portal.register(name="某某科技有限公司", id_type="uscc", id_number=CODE, phone="13900000000",
                    password="secret-pw", kind="company")
    agencies.register(org["admin"], name="甲评价公司", credit_code=OTHER, services={"seismic_safety": 10})
    page = signed_in_on_a_phone(new_page, live_server, "13900000000", "secret-pw")
    page.goto(f"{live_server}/portal/items/{ITEM}/apply")
    reports = page.locator("#report-inputs")
    assert reports.get_attribute("data-state") == "incomplete"
    assert reports.locator("li[data-report-kind]:visible").count() == 9  # not filled in yet: every kind offered
    page.select_option("[name='project.industry']", "electronics")
    page.fill("[name='project.land_ha']", "5")
    page.select_option("[name='project.zone']", "HTZ")
    page.fill("[name='project.energy_tce']", "2000")
    page.wait_for_selector("#report-inputs[data-state=covered]")  # the zone covers energy, soil and water
    assert "节能评估（高新发改〔2024〕12号）" in reports.locator(".reports-covered").inner_text()
    assert reports.locator("li[data-report-kind]:visible").count() == 0
    page.select_option("[name='project.zone']", "")
    page.fill("[name='project.energy_tce']", "0")
    page.fill("[name='project.land_ha']", "0.2")
    page.check("[name='project.major_project']")  # climate and seismic safety
    page.wait_for_selector("#report-inputs[data-state=missing]")
    assert reports.locator("li[data-report-kind]:visible").evaluate_all(
        "(rows) => rows.map((row) => row.dataset.reportKind)") == ["climate", "seismic_safety"]
    assert reports.locator(".reports-covered").is_hidden()
    for code in ("project_code", "business_licence", "application_form", "land_title", "planning_conditions"):
        page.set_input_files(f"#m-{code}", {"name": f"{code}.pdf", "mimeType": "application/pdf",
                                            "buffer": b"%PDF-1.4 " + code.encode()})
    page.set_input_files("#m-report-climate", {"name": "气候可行性论证.pdf", "mimeType": "application/pdf",
                                               "buffer": b"%PDF-1.4 climate"})
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    page.click("form button.primary[type=submit]")
    page.wait_for_selector("#case-number")
    assert "地震安全性评价报告" in page.locator(".flash.warning").inner_text()
    entry = page.locator(".checklist [data-material=assessment_report]")
    assert "尚缺：地震安全性评价报告" in entry.inner_text()
    assert page.locator("#m-report-seismic_safety").count() == 1  # it may be handed in here too
    choose = page.locator("#choose-seismic_safety")
    choose.locator("label.offer", has_text="甲评价公司").click()
    choose.locator("button[type=submit]").click()
    page.wait_for_selector("#commissions article.commission-open")
    assert "甲评价公司 编制中" in entry.inner_text()
    deliver = page.locator("#commissions article form.deliver-report")
    deliver.locator("input[type=file]").set_input_files(
        {"name": "地震安评报告.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4 seismic"})
    deliver.locator("button[type=submit]").click()
    page.wait_for_selector("#commissions .agency-rating")
    shown = page.locator(".checklist [data-material=assessment_report]").inner_text()
    assert "尚缺" not in shown and "甲评价公司 经中介超市交付" in shown
    assert page.locator("#supply").count() == 0  # nothing more owed
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    case = intake.get_case(page.locator("#case-number").inner_text())
    assert next(m for m in intake.describe(case.id)["materials"] if m["code"] == "assessment_report")["state"] == \
        "provided"
