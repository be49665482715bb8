"""Alembic environment: the database is whatever engine.store connects to (DATABASE_URL)."""
from alembic import context

from engine.store import get_engine
from engine.store.models import Base

connectable = context.config.attributes.get("connection")


def run(connection):
    context.configure(connection=connection, target_metadata=Base.metadata,
                      render_as_batch=connection.dialect.name == "sqlite")
    with context.begin_transaction():
        context.run_migrations()


if connectable is not None:
    run(connectable)
else:
    with get_engine().connect() as connection:
        run(connection)
        connection.commit()
