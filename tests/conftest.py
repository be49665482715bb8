"""Test fixtures: a real database (SQLite by default, PostgreSQL with SHENPI_TEST_BACKEND=postgres)."""
import os
from functools import lru_cache
from pathlib import Path

import pytest
from flask import Flask
from jinja2 import BytecodeCache
from sqlalchemy import text
from werkzeug.routing import Rule

BACKEND = os.environ.get("SHENPI_TEST_BACKEND", "sqlite")
SHARED = Path(os.environ.get("SHENPI_SHARED", Path(__file__).resolve().parents[2] / "shared"))


class _CompiledTemplates(BytecodeCache):
    """Each test makes its own app, whose Jinja would compile every page it renders again: the
    compiled pages are kept for the whole run instead (by name and source checksum, so an edited
    template is compiled afresh)."""

    def __init__(self):
        self.compiled = {}

    def load_bytecode(self, bucket):
        if bucket.key in self.compiled:
            bucket.bytecode_from_string(self.compiled[bucket.key])

    def dump_bytecode(self, bucket):
        self.compiled[bucket.key] = bucket.bytecode_to_string()


Flask.jinja_options = {**Flask.jinja_options, "bytecode_cache": _CompiledTemplates()}


def _builders_kept(compile_builder):
    """Werkzeug compiles Python code to build each route's URLs, a fifth of a second for an app's
    two hundred routes: the builders are kept for the whole run too. A builder is made from the
    rule's parsed parts and defaults only; it reaches its rule's converters through the rule it
    is bound to."""
    kept = {}

    def compiled(rule, append_unknown=True):
        key = (rule.rule, tuple(rule._trace), repr(sorted((rule.defaults or {}).items())),
               tuple((name, type(converter)) for name, converter in rule._converters.items()),
               append_unknown)
        if key not in kept:
            kept[key] = compile_builder(rule, append_unknown)
        return kept[key]
    return compiled


Rule._compile_builder = _builders_kept(Rule._compile_builder)


def pytest_configure(config):
    config.addinivalue_line("markers", "db: uses the database; runs on SQLite and on PostgreSQL")


def pytest_collection_modifyitems(items):
    for item in items:
        if "db" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.db)


def _postgres_url() -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        pytest.exit("SHENPI_TEST_BACKEND=postgres needs TEST_DATABASE_URL", 2)
    return url.replace("postgresql://", "postgresql+psycopg://", 1) if url.startswith("postgresql://") else url


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    from engine.store import get_engine, reset_engine
    from engine.store.migrate import upgrade
    from engine.store.models import Base
    if BACKEND == "postgres":
        url = _postgres_url()
        engine = get_engine(url)
        with engine.begin() as conn:  # a clean schema each session, whatever an earlier run left
            Base.metadata.drop_all(conn)
            conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'shenpi.db'}"
    os.environ["DATABASE_URL"] = url
    os.environ["SHENPI_FILES_DIR"] = str(tmp_path_factory.mktemp("files"))
    reset_engine()
    upgrade(url)
    yield url
    reset_engine()


@pytest.fixture
def db(database_url):
    """An empty database for each test, schema kept."""
    from engine import rules
    from engine.bpmn import runtime
    from engine.services import calendars
    from engine.store import get_engine
    from engine.store.models import Base
    engine = get_engine(database_url)
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    with engine.begin() as conn:
        # DELETE, not TRUNCATE: on a handful of rows it is ten times quicker, and a thousand tests
        # each begin here.
        for table in tables:
            conn.execute(text(f'DELETE FROM "{table}"'))
        if BACKEND == "postgres":
            conn.execute(text("SELECT setval(oid, 1, false) FROM pg_class WHERE relkind = 'S'"))
        elif conn.execute(text("SELECT 1 FROM sqlite_master WHERE name='sqlite_sequence'")).first():
            conn.execute(text("DELETE FROM sqlite_sequence"))
    runtime.clear_caches()
    rules.clear_cache()  # a table an earlier test deployed under the same id is gone too
    calendars.invalidate()  # a notice an earlier test imported is gone with its table's rows
    yield database_url


@pytest.fixture(scope="session", autouse=True)
def passwords_hashed_once():
    """scrypt spends a tenth of a second on a password by design, and most tests set up a dozen
    people: in this process each password is hashed, and each hash checked, once per run. The
    hashes are the real ones, only reused (servers the tests start hash and check as always)."""
    from werkzeug import security

    from engine import signin
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(signin, "generate_password_hash", lru_cache(maxsize=None)(security.generate_password_hash))
        patch.setattr(signin, "check_password_hash", lru_cache(maxsize=None)(security.check_password_hash))
        yield


@pytest.fixture(autouse=True)
def rows_match_memory(monkeypatch):
    """Every step of every test also checks that its saved rows rebuild the same workflow.

    On the SQLite pass only: the rows are the same on both databases, and the check doubles the
    cost of a step.
    """
    if BACKEND == "postgres":
        return
    from engine.bpmn import persistence
    from tests.rows_check import checking
    monkeypatch.setattr(persistence, "save", checking(persistence.save))


@pytest.fixture
def org(db):
    """Departments and one user per role, as engine User objects keyed by login."""
    from engine.services import users
    people = {
        "admin": ("supervision", ["admin"]),
        "clerk": ("window", ["clerk"]),
        "reviewer": ("housing", ["reviewer"]),
        "reviewer2": ("housing", ["reviewer"]),
        "taxman": ("tax", ["reviewer"]),
        "lead": ("devreform", ["lead", "reviewer"]),
        "supervisor": ("supervision", ["supervisor"]),
        "designer": ("supervision", ["designer"]),
    }
    return {login: users.add_user(login, login, dept, roles, "pass-" + login)
            for login, (dept, roles) in people.items()}


@pytest.fixture(autouse=True)
def api_answers_match_openapi(monkeypatch):
    """Every JSON answer under /api/ that a test gets through Flask's test client is checked
    against /api/openapi.json (tests/api_contract.py): an unlisted status or a body that does
    not match its schema fails the test, at the call; in another thread, which may swallow the
    error, at the test's end."""
    import threading

    from flask.testing import FlaskClient

    from tests.api_contract import problems
    found = []
    plain_open = FlaskClient.open

    def checked_open(client, *args, **kwargs):
        response = plain_open(client, *args, **kwargs)
        wrong = problems(client.application, response)
        if wrong and threading.current_thread() is threading.main_thread():
            raise AssertionError("The answer breaks the OpenAPI document:\n" + "\n".join(wrong))
        found.extend(wrong)
        return response

    monkeypatch.setattr(FlaskClient, "open", checked_open)
    yield
    assert not found, "Answers broke the OpenAPI document:\n" + "\n".join(found)
