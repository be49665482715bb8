"""Migration 0008 turns the stored ratings over to GB/T 39046 A.8's codes (1 非常满意 ... 5 非常不满意),
and back; the case_rated events stay as they were recorded."""
import pytest
import sqlalchemy as sa
from alembic import command

from tests.test_schema_migrations import NOW, blank, migrate, seed_before_0003  # noqa: F401 (blank: a fixture)

pytestmark = pytest.mark.db  # runs again on PostgreSQL with -m db


def stored(engine) -> tuple:
    with engine.connect() as conn:
        cases = dict(conn.execute(sa.text("SELECT id, rating FROM cases ORDER BY id")).all())
        rectification = conn.execute(sa.text("SELECT rating FROM rectifications")).scalar()
        event = conn.execute(sa.text("SELECT data FROM events WHERE type = 'case_rated'")).scalar()
    return cases, rectification, event


def test_0008_recodes_ratings_both_ways_and_leaves_events_alone(blank):
    migrate(blank, command.upgrade, "0007")
    seed_before_0003(blank)
    with blank.begin() as conn:  # the old coding: case 1 非常满意 (5), case 2 不满意 (2) with its rectification
        conn.execute(sa.text("UPDATE cases SET rating = 5, status = 'delivered' WHERE id = 1"))
        conn.execute(sa.text("UPDATE cases SET rating = 2, status = 'delivered', rating_text = '等太久' WHERE id = 2"))
        conn.execute(sa.text("INSERT INTO rectifications (id, case_id, department, rating, due_on, state, created_at)"
                             " VALUES (1, 2, 'housing', 2, '2026-12-01', 'open', :now)"), {"now": NOW})
        conn.execute(sa.text("INSERT INTO events (id, type, at, data, case_id)"
                             " VALUES (7, 'case_rated', :now, :data, 1)"),
                     {"now": NOW, "data": '{"rating": 5, "label": "非常满意"}'})
    event = stored(blank)[2]
    migrate(blank, command.upgrade, "0008")
    assert stored(blank) == ({1: 1, 2: 4}, 4, event)
    migrate(blank, command.downgrade, "0007")
    assert stored(blank) == ({1: 5, 2: 2}, 2, event)
