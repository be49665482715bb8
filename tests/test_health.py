"""Health: GET /healthz for a load balancer (no sign-in; 200, or 503 naming the check that failed:
the database, its schema at the migrations' head, the files store writable), and the
administrator's view (GET /api/health, a line on 系统管理) that adds whether timers fire and whether
a year's holiday notice is missing."""
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select, text

from engine import clock, timers
from engine.services import calendars, cases, deploy, tokens
from engine.store import get_engine, session_scope
from engine.store.migrate import head, scripts
from engine.store.models import Timer
from tests.conftest import BACKEND
from tests.bpmn_builder import process
from tests.web import element, signed_in
from web import create_app

WAIT = process("wait", [("start", "s", "s"), ("timer", "pause", "等待", {"date": "due"}), ("end", "e", "e")],
               [("s", "pause"), ("pause", "e")])
WAIT_THEN_FAIL = process("failing", [
    ("start", "s", "s"), ("timer", "wait", "等待", {"date": "due"}),
    ("script", "boom", "出错", {"script": "x = 1 / zero"}), ("end", "e", "e")],
    [("s", "wait"), ("wait", "boom"), ("boom", "e")])


@pytest.fixture
def app(db):
    return create_app({"TESTING": True, "WTF_CSRF_ENABLED": False})


def test_healthz_answers_a_load_balancer_without_sign_in_session_or_cache(app):
    answer = app.test_client().get("/healthz")
    assert answer.status_code == 200 and answer.json == {"status": "ok"}
    assert answer.headers["Cache-Control"] == "no-store" and "Set-Cookie" not in answer.headers


@pytest.fixture
def older_revision(db):
    """The database's schema one migration behind the code (as before `run.py migrate`)."""
    previous = scripts().get_revision(head()).down_revision
    with get_engine().begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": previous})
    yield previous
    with get_engine().begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": head()})


def test_healthz_fails_on_a_database_at_an_older_migration(app, older_revision):
    answer = app.test_client().get("/healthz")
    assert answer.status_code == 503 and answer.json == {"status": "unavailable", "failed": ["schema"]}
    assert answer.headers["Cache-Control"] == "no-store"


def test_healthz_fails_when_the_database_does_not_answer(app, database_url):
    get_engine("postgresql+psycopg://shenpi@127.0.0.1:1/none")  # no server listens there
    try:
        answer = app.test_client().get("/healthz")
    finally:
        get_engine(database_url)
    assert answer.status_code == 503 and answer.json == {"status": "unavailable", "failed": ["database"]}


def test_healthz_fails_when_the_files_store_takes_no_file(app, tmp_path, monkeypatch):
    # The tests run as root, whom no file mode stops: the store's path is taken by a plain file.
    (tmp_path / "not-a-folder").write_text("")
    monkeypatch.setenv("SHENPI_FILES_DIR", str(tmp_path / "not-a-folder"))
    answer = app.test_client().get("/healthz")
    assert answer.status_code == 503 and answer.json == {"status": "unavailable", "failed": ["files"]}


def test_the_administrators_health_says_whether_timers_fire(app, org):
    deploy.deploy([("w.bpmn", WAIT.encode()), ("f.bpmn", WAIT_THEN_FAIL.encode())], org["designer"])
    admin = {"Authorization": f"Bearer {tokens.issue_token('admin')}"}
    client = app.test_client()
    assert client.get("/api/health", headers={"Authorization": f"Bearer {tokens.issue_token('reviewer')}"}
                      ).status_code == 403
    health = client.get("/api/health", headers=admin).json
    assert health["status"] == "ok" and health["failed"] == [] and health["schema"] == {"revision": head(), "head": head()}
    assert health["timers"] == {"overdue": 0, "overdue_since": None, "overdue_minutes": 5, "incidents": 0,
                                "last_fired_at": None}

    now = datetime.now(timezone.utc)
    moment = now + timedelta(hours=1)
    failing = cases.start_instance("failing", org["clerk"], data={"due": moment.isoformat(), "zero": 0})
    while cases.get_instance(failing["id"], org["admin"])["state"] != "error":  # tried again, then an incident
        moment += timedelta(minutes=2)
        timers.tick(now=moment)
    # Two timers fell due, one a minute ago and one ten: nothing ticks in the tests, as with no scheduler.
    late = now - timedelta(minutes=10)
    for due in (now - timedelta(minutes=1), late):
        instance = cases.start_instance("wait", org["clerk"], data={"due": (now + timedelta(days=1)).isoformat()})
        with session_scope() as session:
            session.scalars(select(Timer).where(Timer.instance_id == instance["id"])).one().due_at = due

    health = client.get("/api/health", headers=admin).json
    assert health["status"] == "failing" and health["failed"] == ["timers"]
    assert health["timers"]["overdue"] == 1 and health["timers"]["incidents"] == 1  # not the one due a minute ago
    assert datetime.fromisoformat(health["timers"]["overdue_since"]) == late
    page = signed_in(app, "admin").get("/admin/").get_data(as_text=True)
    line = element(page, "health")
    assert 'class="health failing"' in line and "1 个定时器到期超过 5 分钟仍未触发" in line
    assert "定时器异常 1 个" in line

    fired_at = datetime.now(timezone.utc)
    timers.tick()
    health = client.get("/api/health", headers=admin).json
    assert health["status"] == "ok" and health["timers"]["overdue"] == 0
    assert datetime.fromisoformat(health["timers"]["last_fired_at"]) >= fired_at
    line = element(signed_in(app, "admin").get("/admin/").get_data(as_text=True), "health")
    assert 'class="health"' in line and "正常" in line and "最近一次定时器触发" in line


def test_the_administrators_health_says_a_years_holiday_notice_is_missing(app, org, monkeypatch):
    """The pages' calendar alert (calendars.next_year_warning), which fails no check, in the last
    months of the last year the package has a notice for."""
    missing = next(year for year in range(2026, 2100) if calendars.current().year_status(year) == "estimated")
    admin = {"Authorization": f"Bearer {tokens.issue_token('admin')}"}
    client = app.test_client()
    monkeypatch.setattr(clock, "today", lambda: date(missing - 1, 9, 30))
    assert client.get("/api/health", headers=admin).json["calendar"] is None
    monkeypatch.setattr(clock, "today", lambda: date(missing - 1, 12, 1))
    health = client.get("/api/health", headers=admin).json
    assert health["calendar"] == {"year": missing, "level": "urgent", "begun": False}
    assert health["status"] == "ok" and health["failed"] == []


@pytest.mark.skipif(BACKEND != "sqlite", reason="SQLite's write lock: PostgreSQL's readers never wait for a writer")
def test_healthz_answers_while_another_holds_the_databases_write_lock(app):
    writer = get_engine().raw_connection()
    try:
        writer.cursor().execute("BEGIN IMMEDIATE")  # a long write, as a roster's import is
        answer = app.test_client().get("/healthz")
        assert answer.status_code == 200 and answer.json == {"status": "ok"}
    finally:
        writer.rollback()
        writer.close()
