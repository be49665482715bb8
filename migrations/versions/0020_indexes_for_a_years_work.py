"""indexes for a year's work: a person's finished steps, and events by type and time

Revision ID: 0020
Revises: 0019
Create Date: 2026-11-29 12:00:00.000000

With a county's year of cases (bench/pages.py), the inbox's 我已办 (the steps a person finished,
newest first) read every task on every load: tasks get an index by who completed them and when.
The monthly report read every acceptance and every rating of the year to count a month's: the
events' index on their type alone becomes one on type and time, which serves every lookup by
type as well.
"""
from alembic import op


revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.create_index('ix_tasks_completed_by', ['completed_by', 'completed_at'], unique=False)
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.create_index('ix_events_type_at', ['type', 'at'], unique=False)
        batch_op.drop_index('ix_events_type')


def downgrade():
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.create_index('ix_events_type', ['type'], unique=False)
        batch_op.drop_index('ix_events_type_at')
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.drop_index('ix_tasks_completed_by')
