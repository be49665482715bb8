"""task_lead_only: a step its department's head decides

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-28 14:20:00.000000

A step marked leadDecides (the lead department's final decision) is taken only by people of its
group who have the lead role; other steps, and those already open, stay as they were.
"""
from alembic import op
import sqlalchemy as sa


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lead_only', sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade():
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.drop_column('lead_only')
