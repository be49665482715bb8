"""limit units: a clock's limits in working days, calendar days or hours

Revision ID: 0034
Revises: 0033
Create Date: 2026-12-01 12:00:00.000000

Each limit of a clock has its unit (工作日, 自然日, 小时; engine/clock/units.py): the clocks already
there count in working days, as they always did. A limit in hours counts from the moment its clock
started and passes at a moment of its day, and its pauses are counted in seconds: the columns for
those stay empty (or zero) on the clocks already there, which have no limit in hours.
"""
from alembic import op
import sqlalchemy as sa


revision = '0034'
down_revision = '0033'
branch_labels = None
depends_on = None

MOMENTS = ('started_at', 'promised_due_at', 'statutory_due_at', 'paused_at', 'stopped_at')


def upgrade():
    with op.batch_alter_table('clocks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('promised_unit', sa.String(length=16), nullable=False,
                                      server_default='working_days'))
        batch_op.add_column(sa.Column('statutory_unit', sa.String(length=16), nullable=False,
                                      server_default='working_days'))
        batch_op.add_column(sa.Column('paused_calendar_days', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('paused_seconds', sa.Integer(), nullable=False, server_default='0'))
        for name in MOMENTS:
            batch_op.add_column(sa.Column(name, sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('clocks', schema=None) as batch_op:
        for name in (*MOMENTS, 'paused_seconds', 'paused_calendar_days', 'statutory_unit', 'promised_unit'):
            batch_op.drop_column(name)
