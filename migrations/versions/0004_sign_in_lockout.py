"""users and applicants: wrong passwords in a row, and until when sign-in is closed

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27 15:00:00.000000

Guessing a password is slowed down per account (engine/lockout.py): after five wrong passwords in
a row the account cannot sign in for fifteen minutes.
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

TABLES = ('users', 'applicants')


def upgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('failed_sign_ins', sa.Integer(), nullable=False, server_default='0'))
            batch_op.add_column(sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('locked_until')
            batch_op.drop_column('failed_sign_ins')
