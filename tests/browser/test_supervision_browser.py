"""The supervisor's dashboard shows an open case in its counts and, once late, in the overdue list."""
import os
from datetime import timedelta

from engine import catalogue, clock, intake, timers
from engine.services import deploy
from tests.bpmn_builder import process
from tests.browser.helpers import login
from tests.server import free_port, start_server

REVIEW = process("housing_review", [("start", "s", "申请"), ("user", "review", "住建审查"), ("end", "e", "办结")],
                 [("s", "review"), ("review", "e")], lanes={"housing": ["review"]})
ITEM = {"code": "H-9", "name": "临时建设工程规划许可", "kind": "licence", "department": "housing",
        "case_type": "promised", "statutory_days": 10, "promised_days": 5, "process": "housing_review",
        "materials": [{"code": "id_card", "name": "身份证明", "mandatory": True}]}


def installed(org):
    """The housing review and its item deployed; returns what accepts a case of it for a person."""
    deploy.deploy([("r.bpmn", REVIEW.encode())], org["designer"])
    catalogue.save(ITEM, None)

    def accepted_case(name, id_number):
        case = intake.submit("H-9", {"name": name, "id_number": id_number},
                             [intake.Upload("id_card", "id.pdf", b"%PDF id")], org["clerk"])
        intake.accept(case.id, org["clerk"])
    return accepted_case


def test_dashboard_counts_an_open_case_and_lists_it_when_overdue(org, live_server, page):
    installed(org)("赵六", "110101198501013330")

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


def test_the_board_reloads_its_numbers_and_charts_by_itself(org, page, monkeypatch):
    accepted_case = installed(org)
    accepted_case("赵六", "110101198501013330")
    monkeypatch.setenv("BOARD_REFRESH_SECONDS", "5")  # the least the setting takes
    server = start_server(os.environ["DATABASE_URL"], port := free_port(), "--no-scheduler")
    try:
        base = f"http://127.0.0.1:{port}"
        login(page, base, "supervisor")
        page.goto(f"{base}/supervision/")
        page.wait_for_selector("body[data-charts-ready='true']")
        assert page.locator("#open-total").inner_text() == "1"
        page.fill("#month", "2026-01")  # outside the board: what the supervisor types stays

        accepted_case("钱七", "110101198502024445")
        # Functions, not expressions: Playwright would eval an expression, which the page's CSP forbids.
        page.wait_for_function("() => document.getElementById('open-total').textContent.trim() === '2'")
        assert page.locator("#levels-table tr[data-level='normal'] td").inner_text() == "2"
        # The new board's charts are drawn from its tables.
        page.wait_for_function("() => (Chart.getChart(document.getElementById('levels-chart')) || {}).data"
                               "?.datasets[0].data[0] === 2")
        assert page.input_value("#month") == "2026-01"

        # Signed out in another tab: the board's next reload is refused and the page goes to sign-in.
        other = page.context.new_page()
        other.goto(f"{base}/supervision/")
        other.click("form[action$='/logout'] button")
        page.wait_for_url(lambda url: "/login" in url)
    finally:
        server.terminate()
        server.wait(10)
