"""notification_message: a notification read in its reader's language

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-28 12:30:00.000000

A notification stored its sentence in Chinese, so a reader of the English pages read Chinese. It
now keeps the sentence's template and values too; older ones keep their Chinese text.
"""
from alembic import op
import sqlalchemy as sa


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('message', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_column('message')
