"""Bringing the schema up to date with Alembic, from the CLI, `make run` and the tests."""
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


def upgrade(url: str | None = None) -> None:
    engine = get_engine(url)
    with engine.begin() as connection:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def is_current(url: str | None = None) -> bool:
    """Whether the database's schema is at the newest migration (a server on an older one
    would answer every request with an error)."""
    with get_engine(url).connect() as connection:
        revision = MigrationContext.configure(connection).get_current_revision()
    return revision == ScriptDirectory.from_config(alembic_config()).get_current_head()
