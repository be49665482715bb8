"""events_by_actor: an index on events by actor and type

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-28 09:00:00.000000

The inbox's 我已办 list reads the steps a person passed on (转办, 退回) from their events on every
load: without an index it read every such event of everyone.
"""
from alembic import op


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.create_index('ix_events_actor_type', ['actor_id', 'type', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_index('ix_events_actor_type')
