"""The board's finished figures over a period the supervisor chooses (本月 / 本季度 / 本年 / 全部):
a handling counts in the period its last clock stopped in, China time."""
import re
from datetime import date

import pytest
from sqlalchemy import update

from engine import clock, supervision
from engine.clock import limits, stopping
from engine.errors import Invalid
from engine.services import cases, deploy
from engine.services.tokens import issue_token
from engine.store import session_scope
from engine.store.models import Clock
from tests.supervision_data import ONE
from tests.web import element, signed_in

TODAY = date(2026, 11, 10)  # the quarter began on 1 October, the year on 1 January
# Housing's handlings, each its clocks' stopping days (None: still running): one finished last
# year, one in February, one in October, one this month though its first clock stopped last year,
# and one not finished (a clock still runs) though another stopped this month.
HANDLINGS = {"last_year": [date(2025, 12, 31)], "february": [date(2026, 2, 3)], "october": [date(2026, 10, 15)],
             "this_month": [date(2025, 6, 1), date(2026, 11, 5)], "open": [date(2026, 11, 5), None]}
EXPECTED = {"month": 1, "quarter": 2, "year": 3, "all": 4}


@pytest.fixture
def finished(org, monkeypatch):
    monkeypatch.setattr(clock, "today", lambda: TODAY)
    deploy.deploy([("one.bpmn", ONE.encode())], org["designer"])
    instance_ids = [cases.start_instance("one", org["clerk"])["id"] for _ in HANDLINGS]
    with session_scope() as session:
        for instance_id, (name, stops) in zip(instance_ids, HANDLINGS.items()):
            for n, stopped_on in enumerate(stops):
                c = limits.start_clock(session, instance_id, label=f"{name} {n}", promised_days=5,
                                       started_on=date(2025, 5, 1), department="housing", item_code="I-housing")
                if stopped_on is not None:
                    stopping.stop(session, c)
                    session.flush()
                    session.execute(update(Clock).where(Clock.id == c.id).values(stopped_on=stopped_on))


def housing_finished(view) -> int:
    return sum(r["finished"] for r in view["rows"] if r["department"] == "housing")


def test_the_board_counts_the_handlings_finished_in_the_period(finished, org):
    for period, count in EXPECTED.items():
        view = supervision.overview(org["supervisor"], period)
        assert (view["period"], housing_finished(view)) == (period, count), period
    assert supervision.overview(org["supervisor"])["period"] == "year"  # by default
    assert [supervision.overview(org["supervisor"], p)["finished_since"] for p in EXPECTED] == [
        "2026-11-01", "2026-10-01", "2026-01-01", None]
    with pytest.raises(Invalid):
        supervision.overview(org["supervisor"], "decade")
    # The monthly report finishes a case on the same day: this month's one, not the open one.
    [housing] = [r for r in supervision.monthly(2026, 11) if r["department"] == "housing"]
    assert housing["finished"] == 1


def test_the_api_says_its_period_and_refuses_another(finished, org):
    from web import create_app
    client = create_app({"TESTING": True}).test_client()
    headers = {"Authorization": f"Bearer {issue_token('supervisor')}"}
    board = client.get("/api/supervision", headers=headers).json
    assert (board["period"], board["finished_since"], housing_finished(board)) == ("year", "2026-01-01", 3)
    board = client.get("/api/supervision?period=month", headers=headers).json
    assert (board["period"], board["finished_since"], housing_finished(board)) == ("month", "2026-11-01", 1)
    board = client.get("/api/supervision?period=all", headers=headers).json
    assert (board["period"], board["finished_since"], housing_finished(board)) == ("all", None, 4)
    for wrong in ("decade", "", "YEAR"):
        res = client.get(f"/api/supervision?period={wrong}", headers=headers)
        assert res.status_code == 422 and res.json["error"]["code"], wrong


def test_the_page_shows_its_period_and_offers_the_others(finished, org):
    from web import create_app
    app = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False})
    client = signed_in(app, "supervisor")

    def finished_cell(html):
        row = re.search(r'<tr data-department="housing">.*?</tr>', element(html, "on-time-table"), re.S).group(0)
        return re.findall(r"<td[^>]*>(.*?)</td>", row)[0]
    page = client.get("/supervision/").text
    assert finished_cell(page) == "3" and "本年" in element(page, "period") and "2026-01-01" in element(page, "period")
    assert 'href="/supervision/?period=year" aria-current="page"' in page
    for period in ("month", "quarter", "all"):
        assert f'href="/supervision/?period={period}"' in page
    # It reloads itself over the period chosen.
    assert 'hx-get="/supervision/?period=year"' in page
    page = client.get("/supervision/?period=all").text
    assert finished_cell(page) == "4" and "全部" in element(page, "period")
    assert 'hx-get="/supervision/?period=all"' in page and 'href="/supervision/?period=all" aria-current="page"' in page
    assert finished_cell(client.get("/supervision/?period=month").text) == "1"
    assert client.get("/supervision/?period=decade").status_code == 422
    english = client.get("/supervision/?period=quarter&lang=en").text
    assert "This quarter" in element(english, "period") and "2026-10-01" in element(english, "period")
