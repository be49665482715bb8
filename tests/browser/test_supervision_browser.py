"""The supervisor's dashboard shows an open case in its counts and, once late, in the overdue list."""
from datetime import timedelta

from engine import catalogue, clock, intake, timers
from engine.services import deploy
from tests.bpmn_builder import process
from tests.browser.helpers import login

REVIEW = process("housing_review", [("start", "s", "申请"), ("user", "review", "住建审查"), ("end", "e", "办结")],
                 [("s", "review"), ("review", "e")], lanes={"housing": ["review"]})
ITEM = {"code": "H-9", "name": "临时建设工程规划许可", "kind": "licence", "department": "housing",
        "case_type": "promised", "statutory_days": 10, "promised_days": 5, "process": "housing_review",
        "materials": [{"code": "id_card", "name": "身份证明", "mandatory": True}]}


def test_dashboard_counts_an_open_case_and_lists_it_when_overdue(org, live_server, page):
    deploy.deploy([("r.bpmn", REVIEW.encode())], org["designer"])
    catalogue.save(ITEM, None)
    case = intake.submit("H-9", {"name": "赵六", "id_number": "110101198501013333"},
                         [intake.Upload("id_card", "id.pdf", b"%PDF id")], org["clerk"])
    intake.accept(case.id, org["clerk"])

    login(page, live_server, "supervisor")
    page.goto(f"{live_server}/supervision/")
    page.wait_for_selector("body[data-charts-ready='true']")
    assert page.locator("#open-total").inner_text() == "1"
    assert page.locator("#levels-table tr[data-level='normal'] td").inner_text() == "1"
    assert page.locator("#on-time-chart").bounding_box()["height"] > 100
    assert "暂无超期办件" in page.locator("#overdue").inner_text()

    timers.tick(now=clock.datetime.combine(clock.today() + timedelta(days=21), clock.time(9), clock.SHANGHAI))
    page.reload()
    row = page.locator("#overdue tbody tr").first
    assert "临时建设工程规划许可" in row.inner_text() and row.locator(".level").inner_text() == "红牌"
    assert page.locator("#red-cards").inner_text() == "1"
