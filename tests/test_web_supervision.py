"""The supervision dashboard through Flask: numbers in tables beside the charts, overdue list, report."""
import io
import re
from datetime import timedelta

import pytest
from openpyxl import load_workbook

from engine import clock, timers
from engine.clock import limits
from engine.store import session_scope
from tests.supervision_data import four_clocks
from tests.web import element, signed_in as client


@pytest.fixture
def app(org):
    """Housing: one case finished late, one on time, one open; tax: one open."""
    from web import create_app
    four_clocks(org)
    return create_app({"TESTING": True, "WTF_CSRF_ENABLED": False})


def test_dashboard_tables_hold_the_chart_numbers(app, org):
    res = client(app, "supervisor").get("/supervision/")
    html = res.get_data(as_text=True)
    assert res.status_code == 200 and "chart.umd.js" in html
    on_time = element(html, "on-time-table")
    housing = re.search(r'<tr data-department="housing">.*?</tr>', on_time, re.S).group(0)
    cells = re.findall(r"<td[^>]*>(.*?)</td>", housing)
    assert cells == ["2", "1", "50.0%", "1"]  # finished, on time, rate, open
    levels = element(html, "levels-table")
    assert re.search(r'data-level="normal">.*?data-value="2"', levels, re.S)
    assert re.search(r'data-level="red">.*?data-value="0"', levels, re.S)
    assert "暂无超期办件" in element(html, "overdue")


def test_an_overdue_case_appears_with_its_card(app, org):
    timers.tick(now=clock.datetime.combine(clock.today() + timedelta(days=30), clock.time(9), clock.SHANGHAI))
    html = client(app, "supervisor").get("/supervision/").get_data(as_text=True)
    overdue = element(html, "overdue")
    assert "open" in overdue and "tax" in overdue and 'data-level="red"' in overdue
    assert re.search(r'data-level="red">.*?data-value="2"', element(html, "levels-table"), re.S)
    # red cards: the two open cases now, and the late one, red from its start 40 days ago
    assert int(re.search(r'id="red-cards">(\d+)<', html).group(1)) == 3
    assert int(re.search(r'id="open-orders">(\d+)<', html).group(1)) >= 2
    # The devreform head's counter is their department's orders, as their list below (none).
    head = client(app, "lead").get("/supervision/").get_data(as_text=True)
    assert re.search(r'id="open-orders">0<', head) and re.search(r"督办单 <small[^>]*>\(0\)", head)


def test_monthly_report_download(app, org):
    month = clock.today().strftime("%Y-%m")
    res = client(app, "lead").get(f"/supervision/report?month={month}")
    assert res.status_code == 200 and res.mimetype.endswith("spreadsheetml.sheet")
    from urllib.parse import quote
    disposition = res.headers["Content-Disposition"]  # saved under its Chinese name, an ASCII one beside
    assert f"filename=report-{month}.xlsx" in disposition and quote(f"政务服务监察月报-{month}.xlsx") in disposition
    sheet = load_workbook(io.BytesIO(res.data)).active
    assert "housing" in [row[0] for row in sheet.iter_rows(min_row=3, values_only=True)]
    assert client(app, "supervisor").get("/supervision/report?month=2025-13").status_code == 422
    assert client(app, "supervisor").get("/supervision/report").status_code == 422


def test_monthly_report_on_a_page(app, org):
    """The same figures as the download, on a page a phone reads (one card per department)."""
    from engine import supervision
    today = clock.today()
    month = today.strftime("%Y-%m")
    board = client(app, "supervisor").get("/supervision/").text
    assert 'formaction="/supervision/report/view"' in board
    page = client(app, "supervisor").get(f"/supervision/report/view?month={month}").text
    expected = {r["department"]: r for r in supervision.monthly(today.year, today.month)}
    assert expected and f'href="/supervision/report?month={month}"' in page
    for code, r in expected.items():
        row = re.search(rf'<tr data-department="{code}">.*?</tr>', element(page, "report"), re.S).group(0)
        assert r["name"] in row and f'data-column="volume">{r["volume"]}<' in row
        assert f'data-column="accepted">{r["accepted"]}<' in row
    assert client(app, "supervisor").get("/supervision/report/view?month=2025-13").status_code == 422
    assert client(app, "reviewer").get(f"/supervision/report/view?month={month}").status_code == 403


def test_only_supervisors_leads_and_admins(app, org):
    for login in ("supervisor", "lead", "admin"):
        assert client(app, login).get("/supervision/").status_code == 200
    for login in ("reviewer", "clerk", "designer"):
        assert client(app, login).get("/supervision/").status_code == 403
        assert client(app, login).get("/supervision/report?month=2025-01").status_code == 403
    assert app.test_client().get("/supervision/").status_code == 302


def test_step_clocks_count_for_their_department_not_as_cases(app, org):
    from engine.services import tasks
    task = tasks.list_tasks(org["admin"])[0]
    with session_scope() as session:
        limits.start_clock(session, task["instance_id"], label="住建审查", promised_days=2, task_id=task["id"],
                           department="housing")
    html = client(app, "supervisor").get("/supervision/").get_data(as_text=True)
    assert re.search(r'data-level="normal">.*?data-value="2"', element(html, "levels-table"), re.S)
    housing = re.search(r'<tr data-department="housing">.*?</tr>', element(html, "on-time-table"), re.S).group(0)
    assert re.findall(r"<td[^>]*>(.*?)</td>", housing)[-1] == "2"  # the open case clock and the step


def test_the_boards_own_reloads_neither_redirect_nor_keep_a_session_alive(app):
    """htmx polls the board: an ended session answers 401 (the page then reloads whole, to the
    sign-in page), and a poll does not push back the end of an idle session as use does."""
    poll = {"HX-Request": "true"}
    stranger = app.test_client()
    assert stranger.get("/supervision/", headers=poll).status_code == 401
    assert stranger.get("/supervision/").status_code == 302

    supervisor = client(app, "supervisor")
    assert "Set-Cookie" in supervisor.get("/supervision/").headers  # a person's visit is use
    by_poll = supervisor.get("/supervision/", headers=poll)
    assert by_poll.status_code == 200 and 'id="board"' in by_poll.get_data(as_text=True)
    assert "Set-Cookie" not in by_poll.headers
