"""The staff pages at a county's scale (bench/pages.py measures them over 20,000 cases): each asks
the database as many questions with more cases as with a few, reads the big tables through their
indexes where it wants a few rows of them, and the inbox shows its unclaimed steps a page at a
time, the nearest deadlines first."""
import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from engine import clock, intake
from engine.services import progress, users
from engine.store import get_engine
from tests.case_watch_data import APPLICANT, running_cases
from tests.conftest import BACKEND
from tests.procedures import open_tasks, work
from tests.statements import Statements
from tests.web import element, signed_in

# (who, path) of the pages a year's work weighs on; {month} is last month, {instance} a running case,
# {search} the window's search for the last digits 0000 (sent by POST, named by a key: web/searches.py).
PAGES = (("reviewer", "/inbox/"), ("clerk", "/intake/"), ("clerk", "/intake/?found={search}"),
         ("supervisor", "/supervision/"), ("supervisor", "/supervision/cases"),
         ("hlead", "/supervision/cases"), ("supervisor", "/supervision/instances/{instance}/clocks"),
         ("supervisor", "/supervision/report/view?month={month}"), ("admin", "/admin/activity"),
         ("admin", "/admin/activity?what=people"))


@pytest.fixture
def app(org):
    from web import create_app
    app = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False})
    app.found = running_cases(org)
    return app


def requested(app, found) -> dict[tuple, list]:
    """The statements of each page of PAGES, signed in as its reader."""
    last_month = (clock.today().replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    clients, seen = {}, {}
    for who, path in PAGES:
        client = clients.setdefault(who, signed_in(app, who))
        search = parse_qs(urlsplit(client.post("/intake/", data={"q": "0000"}).location).query)["found"][0] \
            if "{search}" in path else None
        url = path.format(month=last_month, instance=found["late"].instance_id, search=search)
        with Statements() as statements:
            assert client.get(url).status_code == 200, url
        seen[who, path] = statements.seen
    return seen


def more_work(org, rounds: int) -> None:
    """More of everything the pages list: cases accepted (steps waiting, clocks running), steps
    the reviewer finished, people added (操作日志)."""
    for n in range(rounds):
        for item in ("H-1", "T-1", "H-1"):
            case = intake.submit(item, APPLICANT, [intake.Upload("id_card", "id.pdf", b"%PDF id")], org["clerk"])
            case = intake.accept(case.id, org["clerk"], accepted_on=clock.today() - timedelta(days=10 * n))
        [review] = open_tasks(case.instance_id).values()  # the reviewer finishes one (我已办)
        work(review, org["reviewer"], {}, document=False)
        login = f"extra{case.id}"
        users.add_user(login, f"新同事{case.id}", "housing", ["reviewer"], f"pass-{login}")


def test_each_page_asks_as_many_questions_with_more_cases(app, org):
    more_work(org, 1)  # one of each at least: an empty list skips its questions
    before = {page: len(statements) for page, statements in requested(app, app.found).items()}
    more_work(org, 3)
    after = {page: len(statements) for page, statements in requested(app, app.found).items()}
    assert after == before


def plans(statements) -> list[tuple[str, list[str]]]:
    """Each SELECT's text and the steps of its plan (SQLite's EXPLAIN QUERY PLAN)."""
    raw = get_engine().raw_connection()
    try:
        return [(text, [row[3] for row in raw.execute("EXPLAIN QUERY PLAN " + text, params)])
                for text, params in statements if text.lstrip().upper().startswith("SELECT")]
    finally:
        raw.close()


@pytest.mark.skipif(BACKEND != "sqlite", reason="SQLite's query plans")
def test_the_lists_read_a_years_tables_through_their_indexes(app, org):
    """Not the whole of events, tasks or clocks for a page of them: 我已办 by the index on who
    completed a step, 操作日志 by type (not every event in id order, looking for a few kinds), 在办案件
    the open clocks by state; the monthly report a month's acceptances and ratings, not the year's
    (the index on type and time); 操作日志 each type's newest by the index on type and id, unsorted; the
    board's finished figures (本年) the clocks of the cases with one stopped this year, not every clock."""
    more_work(org, 1)
    seen = requested(app, app.found)
    whole = re.compile(r"^SCAN (events|tasks|clocks)\b")
    for page in (("reviewer", "/inbox/"), ("admin", "/admin/activity"), ("admin", "/admin/activity?what=people"),
                 ("supervisor", "/supervision/cases"), ("hlead", "/supervision/cases"),
                 ("supervisor", "/supervision/report/view?month={month}"), ("supervisor", "/supervision/")):
        for text, steps in plans(seen[page]):
            assert not [s for s in steps if whole.match(s)], (page, text, steps)
    for text, steps in plans(seen["supervisor", "/supervision/report/view?month={month}"]):
        on_events = [s for s in steps if s.startswith("SEARCH events")]
        assert all("at>" in s for s in on_events), (text, steps)
    for page in (("admin", "/admin/activity"), ("admin", "/admin/activity?what=people")):
        for text, steps in plans(seen[page]):  # each type's newest in id order: read so, not sorted
            if "FROM events" in text:
                assert not [s for s in steps if "TEMP B-TREE" in s], (page, text, steps)


def test_the_inbox_shows_the_nearest_deadlines_a_page_at_a_time(app, org, monkeypatch):
    more_work(org, 1)
    everything = progress.inbox(org["reviewer"], page=1)  # housing's: fewer than a page
    assert everything["pages"] == 1 and everything["unclaimed_total"] == len(everything["unclaimed"]) == 4
    by_deadline = [t["id"] for t in everything["unclaimed"]]
    monkeypatch.setattr(progress, "INBOX_PAGE", 3)
    first, second = progress.inbox(org["reviewer"]), progress.inbox(org["reviewer"], page=2)
    assert [t["id"] for t in first["unclaimed"] + second["unclaimed"]] == by_deadline
    assert (first["page"], first["pages"], first["unclaimed_total"], len(first["unclaimed"])) == (1, 2, 4, 3)
    assert progress.inbox(org["reviewer"], page=9)["page"] == 2  # past the last page: the last one

    client = signed_in(app, "reviewer")
    page = client.get("/inbox/").text
    assert re.search(r'id="unclaimed-total">\(4\)<', page)
    assert [int(i) for i in re.findall(r'data-task-id="(\d+)"', element(page, "unclaimed"))] == by_deadline[:3]
    assert 'href="/inbox/?page=2" rel="next"' in page and "第 1 / 2 页" in page
    page = client.get("/inbox/?page=2").text
    assert [int(i) for i in re.findall(r'data-task-id="(\d+)"', element(page, "unclaimed"))] == by_deadline[3:]
    assert 'href="/inbox/?page=1" rel="prev"' in page


def test_an_applicant_reads_their_cases_a_page_at_a_time(app, org, monkeypatch):
    from engine import portal
    zhang = portal.register(name=APPLICANT["name"], id_type="id_card", id_number=APPLICANT["id_number"],
                            phone=APPLICANT["phone"], password="zhangsan-pw", case_number=app.found["late"].number)
    newest_first = [c.number for c in sorted(app.found.values(), key=lambda c: -c.id)]
    monkeypatch.setattr(portal, "CASES_PAGE", 4)
    assert portal.case_pages(zhang.id) == 2
    client = app.test_client()
    assert client.post("/portal/login", data={"identifier": APPLICANT["phone"], "password": "zhangsan-pw"}).status_code == 302
    first = client.get("/portal/cases").text
    numbers = re.compile(r'<a href="/portal/cases/(\d+)">')
    assert numbers.findall(first) == newest_first[:4]
    assert 'href="/portal/cases?page=2" rel="next"' in first and "第 1 / 2 页" in first
    second = client.get("/portal/cases?page=2").text
    assert numbers.findall(second) == newest_first[4:] and 'rel="prev"' in second
    assert numbers.findall(client.get("/portal/cases?page=7").text) == newest_first[4:]  # the last page


@pytest.mark.skipif(BACKEND != "sqlite", reason="SQLite's query plans")
def test_a_payment_step_finds_its_notice_by_the_case_not_among_every_notice_issued(app, org):
    """The page of a step waiting for a payment shows the notice it issued: looked up by its
    instance (indexed), not among a year's notice_issued events by type."""
    from engine.case_status import payment_asked
    [review] = open_tasks(app.found["late"].instance_id).values()
    with Statements() as statements:
        payment_asked(review.id)
    [(text, steps)] = [(t, s) for t, s in plans(statements.seen) if "FROM events" in t]
    assert [s for s in steps if s.startswith("SEARCH events USING INDEX ix_events_instance_id")], steps
