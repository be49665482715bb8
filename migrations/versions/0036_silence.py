"""silence: a step whose department is deemed to agree when its limit ends unanswered

Revision ID: 0036
Revises: 0035
Create Date: 2026-12-01 12:00:00.000000

逾期未反馈书面审查意见，视为同意: a step its procedure marks so (silenceConsentsExpression) is
completed on its department's behalf at the end of its step clock's last working day. Steps
already open, and every other step, stay as they were: their silence consents to nothing.
"""
from alembic import op
import sqlalchemy as sa


revision = '0036'
down_revision = '0035'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('silence_consents', sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade():
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.drop_column('silence_consents')
