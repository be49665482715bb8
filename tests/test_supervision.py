"""E-supervision: the overview by department and item, and the monthly report file."""
import io
import re
import subprocess
import sys
from datetime import timedelta

import pytest
from openpyxl import load_workbook

from engine import clock, supervision, timers
from engine.clock import limits, stopping
from engine.clock.levels import LEVELS
from engine.errors import Forbidden
from engine.services import admin, calendars, cases, deploy
from engine.services.tokens import issue_token
from engine.store import session_scope
from engine.store.models import Clock
from tests.supervision_data import ONE, four_clocks


@pytest.fixture
def clocks(org):
    """Three housing clocks (one late, one on time, one still open) and one tax clock."""
    ids = four_clocks(org)
    cal = calendars.current()
    assert cal.is_workday(cal.add_workdays(clock.today(), 1).date)
    return ids


def test_overview_by_department_and_item(clocks, org):
    with pytest.raises(Forbidden):
        supervision.overview(org["reviewer"])
    view = supervision.overview(org["supervisor"])
    rows = {r["department"]: r for r in view["rows"]}
    housing = rows["housing"]
    assert housing["finished"] == 2 and housing["on_time"] == 1 and housing["on_time_rate"] == 0.5
    assert housing["open"]["normal"] == 1 and rows["tax"]["open"]["normal"] == 1
    assert housing["department_name"] == "housing" or housing["department_name"]


def test_overdue_cases_and_cards_show_up(clocks, org):
    later = clock.datetime.combine(clock.today() + timedelta(days=30), clock.time(9), clock.SHANGHAI)
    timers.tick(now=later)
    view = supervision.overview(org["supervisor"])
    overdue = {o["label"]: o["level"] for o in view["overdue"]}
    assert overdue == {"open": "red", "tax": "red"}
    cards = {(c["department"], c["card"]) for c in view["cards"]}
    assert cards == {("housing", "red"), ("tax", "red")}  # a month late: past both limits at once



def test_a_lead_sees_every_departments_figures_but_only_their_own_late_cases(clocks, org):
    from engine.services import users
    housing_lead = users.add_user("hlead", "住建局长", "housing", ["lead"], "pass-hlead")
    timers.tick(now=clock.datetime.combine(clock.today() + timedelta(days=30), clock.time(9), clock.SHANGHAI))
    assert [o["label"] for o in supervision.overview(housing_lead)["overdue"]] == ["open"]
    elsewhere = supervision.overview(org["lead"])  # devreform has no late case
    assert elsewhere["overdue"] == [] and {"housing", "tax"} <= {r["department"] for r in elsewhere["rows"]}


def test_monthly_report_as_xlsx_from_api_and_cli(clocks, org, database_url, tmp_path):
    from web import create_app
    client = create_app({"TESTING": True}).test_client()
    month = clock.today()
    admin.rename_department("housing", '=HYPERLINK("http://evil.example","住建")', org["admin"])
    headers = {"Authorization": f"Bearer {issue_token('supervisor')}"}
    res = client.get(f"/api/reports/monthly/{month.year}-{month.month}.xlsx", headers=headers)
    assert res.status_code == 200
    sheet = load_workbook(io.BytesIO(res.data)).active
    rows = {r[0]: r for r in sheet.iter_rows(min_row=3, values_only=True)}
    # started this month: two (the late one began 40 days ago); finished this month: two, one on time
    assert rows["housing"][2] == 2 and rows["housing"][3] == 2 and rows["housing"][4] == 1
    name = next(row[1] for row in sheet.iter_rows(min_row=3) if row[0].value == "housing")
    assert (name.data_type, name.value) == ("s", '=HYPERLINK("http://evil.example","住建")')  # text, not a formula
    res = client.get(f"/api/reports/monthly/{month.year}-{month.month}.xlsx",
                     headers={"Authorization": f"Bearer {issue_token('reviewer')}"})
    assert res.status_code == 403
    assert client.get("/api/supervision", headers=headers).json["rows"]
    out = tmp_path / "r.xlsx"
    run = subprocess.run([sys.executable, "run.py", "report", "monthly", f"{month.year}-{month.month:02d}",
                          "-o", str(out)], env={"DATABASE_URL": database_url, "PATH": "/usr/bin:/bin"},
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert load_workbook(out).active["A1"].value.startswith("部门办件月报")
    bad = subprocess.run([sys.executable, "run.py", "report", "monthly", "2026-13"],
                         env={"DATABASE_URL": database_url, "PATH": "/usr/bin:/bin"}, capture_output=True, text=True)
    assert bad.returncode == 1 and "YYYY-MM" in bad.stderr
    kept = out.read_bytes()
    for args, says in ((["0-01", "-o", str(out)], "YYYY-MM"),
                       ([f"{month.year}-{month.month:02d}", "-o", str(tmp_path / "no" / "r.xlsx")], "cannot write")):
        failed = subprocess.run([sys.executable, "run.py", "report", "monthly", *args],
                                env={"DATABASE_URL": database_url, "PATH": "/usr/bin:/bin"}, capture_output=True, text=True)
        assert failed.returncode == 1 and says in failed.stderr and "Traceback" not in failed.stderr
    assert out.read_bytes() == kept  # a refused report leaves the earlier file as it was


def test_the_monthly_report_counts_cases_once_overdue_only_past_the_limit_and_ratings(org, monkeypatch):
    from datetime import date, datetime, timezone
    from sqlalchemy import update
    from engine import catalogue, intake, ratings
    from engine.services import cases, deploy
    from engine.store import session_scope
    from engine.store.models import Case, Event
    from tests.supervision_data import ONE
    monkeypatch.setattr(clock, "today", lambda: date(2026, 11, 10))
    deploy.deploy([("one.bpmn", ONE.encode())], org["designer"])
    started = [cases.start_instance("one", org["clerk"]) for _ in range(3)]
    (first, step), second = (started[0]["id"], started[0]["tasks"][0]["id"]), started[1]["id"]
    third, third_step = started[2]["id"], started[2]["tasks"][0]["id"]
    with session_scope() as session:
        def start(instance_id, dept, started, days, **kw):
            return limits.start_clock(session, instance_id, label=dept, promised_days=days, department=dept,
                                      started_on=started, **kw)
        start(first, "housing", date(2026, 11, 2), 20)   # the case's clock: due 30 November, not yet
        start(first, "housing", date(2026, 11, 2), 3, task_id=step)  # its housing step: due 5 November, passed
        stopping.stop(session, start(second, "tax", date(2026, 11, 3), 10))  # finished on 10 November, on time
        # Water reviewed the third case in October, and again in a second round from 3 November.
        october = start(third, "water", date(2026, 10, 19), 5, task_id=third_step)
        october.state, october.stopped_on, october.used_days = "stopped", date(2026, 10, 21), 2
        start(third, "water", date(2026, 11, 3), 5, task_id=third_step)
    catalogue.save({"code": "R-1", "name": "测试", "kind": "licence", "department": "housing",
                    "case_type": "promised", "statutory_days": 20, "promised_days": 10, "process": "one",
                    "materials": [{"code": "form", "name": "申请表", "mandatory": True}]}, None)
    applied, pleased = (intake.submit("R-1", {"name": "张三", "id_number": "110101199001011237"}, [], org["clerk"])
                        for _ in range(2))
    with session_scope() as session:
        session.execute(update(Case).where(Case.id.in_((applied.id, pleased.id))).values(status="delivered"))
    ratings.rate(applied.id, applied.applicant_id, 5, "态度差")  # 非常不满意: a bad rating
    ratings.rate(pleased.id, pleased.applicant_id, 1)  # 非常满意
    with session_scope() as session:  # rated in November, whenever the test runs
        session.execute(update(Event).where(Event.type == "case_rated")
                        .values(at=datetime(2026, 11, 9, 4, tzinfo=timezone.utc)))
    rows = {r["department"]: r for r in supervision.monthly(2026, 11)}
    assert (rows["housing"]["volume"], rows["housing"]["overdue"], rows["housing"]["finished"]) == (1, 1, 0)
    assert (rows["housing"]["rated"], rows["housing"]["bad_ratings"]) == (2, 1)
    assert (rows["tax"]["volume"], rows["tax"]["finished"], rows["tax"]["on_time"], rows["tax"]["overdue"]) == \
        (1, 1, 1, 0)
    # A second round is no new case: the case was taken up in October, and is not finished yet.
    assert (rows["water"]["volume"], rows["water"]["finished"]) == (0, 0)
    assert [(r["department"], r["volume"], r["finished"]) for r in supervision.monthly(2026, 10)] == [
        ("water", 1, 0)]



def test_the_monthly_report_counts_what_each_window_accepted(org):
    """窗口受理量: the applications a department's clerks accepted in the month, not the deliveries
    its window handed over."""
    from engine import catalogue, intake
    from engine.services import users
    from tests.test_portal import ITEM as QUERY, files
    clerks = [org["clerk"], org["clerk"], users.add_user("clerk2", "第二窗口", "window2", ["clerk"], "pass-clerk2")]
    catalogue.save(QUERY, None)
    for clerk in clerks:  # an immediate item: accepted and decided at once
        case = intake.submit(QUERY["code"], {"name": "张三", "id_number": "110101199001011237"},
                             files("id_card", "form"), clerk)
        intake.accept(case.id, clerk)
    today = clock.today()
    rows = {r["department"]: r for r in supervision.monthly(today.year, today.month)}
    assert (rows["window"]["accepted"], rows["window2"]["accepted"]) == (2, 1)
    assert rows.get(QUERY["department"], {"accepted": 0})["accepted"] == 0  # the item's department took none in
    # An administrator's acceptance is no window's; a clerk who moves on leaves their count behind.
    case = intake.submit(QUERY["code"], {"name": "张三", "id_number": "110101199001011237"}, files("id_card", "form"),
                         org["clerk"])
    intake.accept(case.id, org["admin"])
    from engine.services import admin
    admin.change_user("clerk2", ["clerk"], "window", org["admin"])
    rows = {r["department"]: r for r in supervision.monthly(today.year, today.month)}
    assert (rows["window"]["accepted"], rows["window2"]["accepted"]) == (2, 1)
    sheet = load_workbook(io.BytesIO(supervision.monthly_xlsx(today.year, today.month))).active
    column = [c.value for c in sheet[2]].index("窗口受理量")
    assert {r[0]: r[column] for r in sheet.iter_rows(min_row=3, values_only=True)}["window"] == 2


def test_the_monthly_report_counts_what_each_agent_point_filed_and_the_window_accepted(org):
    """代办件: the cases a village point's agents filed in the month, by the point the agent was in
    when filing, and how many of them the window accepted; a window's own filings are none."""
    from engine import catalogue, intake
    from engine.services import admin, users
    from tests.test_portal import ITEM as QUERY, files
    agents = [users.add_user("agent", "何芳", "village", ["agent"], "pass-agent"),
              users.add_user("agent2", "李娜", "village2", ["agent"], "pass-agent2")]
    catalogue.save({**QUERY, "immediate": False}, None)
    zhang = {"name": "张三", "id_number": "110101199001011237"}
    filed = [intake.submit(QUERY["code"], zhang, files("id_card", "form"), agent) for agent in (*agents, agents[0])]
    intake.accept(filed[0].id, org["clerk"])
    intake.submit(QUERY["code"], zhang, files("id_card", "form"), org["clerk"])
    admin.change_user("agent", ["agent"], "village2", org["admin"])  # moving on leaves the count behind
    today = clock.today()
    rows = {r["department"]: r for r in supervision.monthly(today.year, today.month)}
    assert [(rows[p]["agent_filed"], rows[p]["agent_accepted"]) for p in ("village", "village2")] == [(2, 1), (1, 0)]
    assert rows["window"]["agent_filed"] == 0
    sheet = load_workbook(io.BytesIO(supervision.monthly_xlsx(today.year, today.month))).active
    header = [c.value for c in sheet[2]]
    counts = {r[0]: (r[header.index("代办件")], r[header.index("代办已受理")])
              for r in sheet.iter_rows(min_row=3, values_only=True)}
    assert counts["village"] == (2, 1)


def test_calendar_cli(database_url):
    def run(*args):
        return subprocess.run([sys.executable, "run.py", "calendar", *args], capture_output=True, text=True,
                              env={"DATABASE_URL": database_url, "PATH": "/usr/bin:/bin"})
    assert run("add", "2025-09-26", "20").stdout.strip() == "2025-10-30"
    assert run("is-workday", "2026-02-14").stdout.strip() == "yes"
    assert run("is-workday", "2026-02-16").stdout.strip() == "no"
    later = run("add", "2026-12-28", "10")  # the answer alone on stdout, as the contract gives it
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", later.stdout.strip()) and "provisional" in later.stderr
    ahead = run("is-workday", "2030-02-05")
    assert ahead.stdout.strip() in ("yes", "no") and "provisional" in ahead.stderr
    assert run("add", "not-a-date", "3").returncode != 0
    for args, says in ((("add", "2025-09-26", "-5"), "from 0 to 3650"), (("add", "9999-12-31", "5"), "after the year 9999"),
                       (("import", "/no/such/notice.yaml"), "no file /no/such/notice.yaml")):
        answer = run(*args)
        assert answer.returncode == 1 and says in answer.stderr and "Traceback" not in answer.stderr, args


def test_the_board_counts_a_departments_handling_of_a_case_once_as_the_report_does(org):
    """A case with the department's case clock and two step clocks: one handling, finished late if
    any of them was; open at the worst level of those still running."""
    deploy.deploy([("one.bpmn", ONE.encode())], org["designer"])
    finished, running = (cases.start_instance("one", org["clerk"])["id"] for _ in range(2))
    today = clock.today()
    with session_scope() as session:
        for instance_id in (finished, running):
            for label, started, promised in (("case", today - timedelta(days=20), 15), ("step 1", today - timedelta(days=20), 3),
                                             ("step 2", today, 5)):
                c = limits.start_clock(session, instance_id, label=label, promised_days=promised,
                                       statutory_days=promised * 2, started_on=started, department="housing",
                                       item_code="I-housing")
                if instance_id == finished or label == "step 1":
                    stopping.stop(session, c)
        session.flush()
        levels = {c.label: c.level for c in session.query(Clock).filter(Clock.instance_id == running)}
    housing = next(r for r in supervision.overview(org["supervisor"])["rows"] if r["department"] == "housing")
    assert (housing["finished"], housing["on_time"]) == (1, 0)  # step 1 was late
    assert sum(housing["open"].values()) == 1 and housing["open"][max(
        (levels[label] for label in ("case", "step 2")), key=LEVELS.index)] == 1
    [report] = [r for r in supervision.monthly(today.year, today.month) if r["department"] == "housing"]
    assert (report["finished"], report["on_time"]) == (housing["finished"], housing["on_time"])
