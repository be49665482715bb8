"""The holder of a licence renews it from their phone: the licence's page says until when it is valid
and offers the renewal; the form takes the materials; the renewal's page says what it renews."""
import re

from engine import intake
from tests.browser.helpers import fits
from tests.browser.test_portal_browser import signed_in_on_a_phone
from tests.test_renewals import item  # noqa: F401  (the fixture)
from tests.test_web_renewals import COMPANY, holder  # noqa: F401  (the fixture)


def test_the_holder_renews_a_licence_on_a_phone(holder, live_server, new_page):
    page = signed_in_on_a_phone(new_page, live_server, COMPANY["phone"], "secret-pw1")
    assert holder.licence_expires_on.isoformat() in page.locator(".licence-expiry").inner_text()
    page.click(f"a[href='/portal/cases/{holder.number}']")
    page.wait_for_url(f"{live_server}/portal/cases/{holder.number}")
    assert page.locator("#licence-expiry").inner_text() == holder.licence_expires_on.isoformat()
    fits(page, "licence")

    page.click("#renew")
    page.wait_for_url(f"{live_server}/portal/cases/{holder.number}/renew")
    assert holder.number in page.locator("#renews").inner_text()
    fits(page, "renewal form")
    for code in ("form", "plan"):
        page.set_input_files(f"#m-{code}", files=[{"name": f"{code}.pdf", "mimeType": "application/pdf",
                                                   "buffer": f"%PDF-1.4 {code}".encode()}])
    page.click("form[enctype='multipart/form-data'] button[type=submit]")
    page.wait_for_url(re.compile(r"/portal/cases/\d+$"))
    number = page.url.rsplit("/", 1)[1]
    assert number != holder.number
    renewal = intake.get_case(number)
    assert (renewal.renews_case_id, renewal.business_kind, renewal.channel) == (holder.id, "renewal", "online")
    assert holder.number in page.locator("#business-kind").inner_text()
    fits(page, "renewal")
    page.goto(f"{live_server}/portal/cases/{holder.number}")  # one at a time: the licence says so
    assert number in page.locator("#renewal-refusal").inner_text() and page.locator("#renew").count() == 0
