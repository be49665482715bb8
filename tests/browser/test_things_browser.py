"""一件事一次办 in a real browser: the window takes in the second-hand transfer with its utilities'
transfers on one form at a desk's width and accepts them together; the applicant follows the
whole on a phone."""
import copy

import pytest

from engine import portal, thing_applications
from tests.browser.helpers import fits, login
from tests.browser.test_portal_browser import signed_in_on_a_phone
from tests.test_things import BUYER, FORM, ITEMS, MANDATORY, THING, files


@pytest.fixture
def people(org):
    from tests.procedures import install
    return install(org)


def pdf(name):
    return {"name": f"{name}.pdf", "mimeType": "application/pdf", "buffer": f"%PDF {name}".encode()}


def field(name: str) -> str:
    return f"[id='f-{name}']"


def test_the_window_takes_in_the_transfer_and_its_utilities_on_one_form(people, live_server, new_page):
    page = new_page(1366, 768)
    login(page, live_server, "clerk")
    page.goto(f"{live_server}/intake/")
    page.click(f"a[data-thing='{THING}']")
    fits(page, "thing intake")
    for name, value in (("name", BUYER["name"]), ("id_number", BUYER["id_number"]), ("phone", BUYER["phone"])):
        page.fill(f"#{name}", value)
    for name, value in (("seller.name", "王五"), ("seller.id_number", FORM["seller"]["id_number"]),
                        ("property.location", FORM["property"]["location"]),
                        ("property.title_no", FORM["property"]["title_no"]),
                        ("property.contract_no", FORM["property"]["contract_no"]), ("property.area_m2", "90"),
                        ("property.holding_years", "6"), ("property.buyer_home_count", "0"),
                        ("property.price", "2,000,000"), ("water_account", "S-1001"), ("power_account", "D-2002"),
                        ("gas_account", "R-3003"), ("network_account", "W-4004")):
        page.fill(field(name), value)
    page.select_option(field("property.type"), "housing")
    page.check(field("property.seller_only_home"))
    assert page.locator("[name='property.location']").count() == 1  # asked by every item, filled in once
    for code in MANDATORY:
        page.check(f"#received_{code}")
        page.set_input_files(f"#file_{code}", pdf(code))
    page.click("#submit-case")
    page.wait_for_url("**/intake/applications/*")
    assert "一件事申请编号" in page.locator(".flash.success").inner_text()
    assert page.locator("#application-status").get_attribute("data-status") == "submitted"
    assert page.locator("#application-items tbody tr").count() == len(ITEMS)
    assert page.locator("#application-materials tr[data-material='applicant_id']").get_attribute("data-state") == \
        "provided"
    fits(page, "application")

    page.click("#accept-application")
    page.wait_for_selector("#application-status[data-status='in_progress']")
    assert page.locator("#application-items tr[data-status='accepted']").count() == len(ITEMS)
    page.goto(live_server + page.locator("#application-notices a[data-kind='thing_acceptance']").get_attribute("href"))
    assert page.locator("#thing-items tbody tr[data-case]").count() == len(ITEMS)
    assert page.locator("#seal-code").is_visible()


def test_the_applicant_follows_the_whole_on_a_phone(people, live_server, new_page):
    portal.register(name=BUYER["name"], id_type="id_card", id_number=BUYER["id_number"], phone=BUYER["phone"],
                    password="secret-pw")
    application = thing_applications.submit(THING, BUYER, files(), None, channel="online", form=copy.deepcopy(FORM))
    thing_applications.accept(application.id, people["clerk"])
    page = signed_in_on_a_phone(new_page, live_server, BUYER["phone"], "secret-pw")
    page.click(f"#my-applications a:text('{application.number}')")
    page.wait_for_url(f"{live_server}/portal/applications/{application.number}")
    assert page.locator("#application-status").inner_text() == "办理中"
    rows = page.locator("#application-items tbody tr")
    assert rows.count() == len(ITEMS)
    assert "供水过户" in rows.nth(1).inner_text() and "已受理" in rows.nth(1).inner_text()
    fits(page, "application on a phone")
    rows.nth(2).locator("a").click()  # an item's own case, as any case
    page.wait_for_url(f"{live_server}/portal/cases/*")
    assert page.locator("#case-status").inner_text() == "已受理，审批中"
    assert page.locator("#case-application").inner_text().startswith(application.number)  # and back to the whole
