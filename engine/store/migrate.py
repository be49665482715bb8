"""Bringing the schema up to date with Alembic, from the CLI, `make run` and the tests."""
from alembic import command
from alembic.config import Config

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
