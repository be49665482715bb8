"""Limits in hours and calendar days on a phone: the applicant reads the hour their case is promised
by and the hours left; the supervisor reads each limit in its unit; nothing wider than the screen."""
from engine import catalogue, clock, intake, portal
from engine.clock import limits
from engine.services import deploy
from tests.bpmn_builder import one_review
from tests.browser.helpers import fits, login
from tests.browser.test_portal_browser import signed_in_on_a_phone
from tests.procedures import promised_item

ITEM = {**promised_item("U-1", "units_review", "housing"), "promised_days": 4, "promised_unit": "hours",
        "statutory_days": 30, "statutory_unit": "calendar_days"}


def test_the_applicant_and_the_supervisor_read_limits_in_hours_and_days_on_a_phone(org, live_server, new_page):
    deploy.deploy([("units.bpmn", one_review("units_review", "住建审查", "housing").encode())], org["designer"])
    catalogue.save(ITEM, None)
    applicant = portal.register(name="张三", id_type="id_card", id_number="11010119900101127X",
                                phone="13800000000", password="secret-pw")
    case = portal.apply(applicant.id, "U-1", [intake.Upload("id_card", "id.pdf", b"%PDF id")])
    case = intake.accept(case.id, org["clerk"])
    [whole] = limits.clocks_of(case.instance_id)
    promised = whole.promised_due_at.astimezone(clock.SHANGHAI).strftime("%Y-%m-%d %H:%M")

    page = signed_in_on_a_phone(new_page, live_server, "13800000000", "secret-pw")
    page.goto(f"{live_server}/portal/cases/{case.number}")
    facts = page.locator("dl.facts").inner_text()
    assert promised in facts and "剩余 4 小时" in facts and whole.statutory_due.isoformat() in facts
    fits(page, "the applicant's case")
    page.goto(f"{live_server}/portal/items/U-1")
    assert page.locator("#promised-limit").inner_text() == "4 小时"
    assert page.locator("#statutory-limit").inner_text() == "30 个自然日"
    fits(page, "the guide")

    staff = new_page(390, 844)
    login(staff, live_server, "supervisor")
    staff.goto(f"{live_server}/supervision/instances/{case.instance_id}/clocks")
    row = staff.locator(f"#clocks tr[data-clock='{whole.id}']").inner_text()
    assert promised in row and "4 小时" in row and "30 个自然日" in row and "剩余 4 小时" in row
    fits(staff, "the case's clocks")
