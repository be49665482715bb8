"""Bringing the schema up to date with Alembic, from the CLI, `make run` and the tests."""
from contextlib import contextmanager, nullcontext
from functools import lru_cache

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from engine.config import ROOT

from .db import get_engine


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(ROOT / "migrations"))
    return config


@contextmanager
def _foreign_keys_off(connection):
    """SQLite changes a table by rebuilding it (copy, drop, rename). With foreign keys on, the
    drop first deletes every row that points at the table with ON DELETE CASCADE: adding a
    column to tasks took every step's clocks with it. Off while the schema changes (outside the
    transaction, where SQLite reads the pragma), on again afterwards."""
    raw = connection.connection.dbapi_connection
    raw.execute("PRAGMA foreign_keys=OFF")
    try:
        yield
    finally:
        raw.execute("PRAGMA foreign_keys=ON")


def migrate(engine, action, revision: str) -> None:
    """Run an Alembic command (command.upgrade, command.downgrade) to `revision` in one
    transaction; on SQLite, refuse to commit rows left pointing at nothing."""
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        with _foreign_keys_off(connection) if sqlite else nullcontext(), connection.begin():
            config = alembic_config()
            config.attributes["connection"] = connection
            action(config, revision)
            broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all() if sqlite else []
            if broken:
                raise RuntimeError(f"the migration would leave rows pointing at nothing: {broken[:5]}")


def upgrade(url: str | None = None) -> None:
    migrate(get_engine(url), command.upgrade, "head")


def scripts() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config())


@lru_cache(maxsize=1)  # read from migrations/ once: a load balancer asks /healthz every few seconds
def head() -> str:
    return scripts().get_current_head()


def revision(url: str | None = None) -> str | None:
    """The migration the database's schema is at; None for a database never migrated."""
    with get_engine(url).connect() as connection:
        # A read, never SQLite's write lock: /healthz asks every few seconds, and a long write (a
        # roster's import) would hold the probe until the load balancer gave the server up.
        connection.info["read_only"] = True
        try:
            return MigrationContext.configure(connection).get_current_revision()
        finally:
            connection.rollback()
            connection.info.pop("read_only", None)


def is_current(url: str | None = None) -> bool:
    """Whether the database's schema is at the newest migration (a server on an older one
    would answer every request with an error)."""
    return revision(url) == head()
