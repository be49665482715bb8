"""users and applicants: sign-in protections

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27 15:00:00.000000

Guessing a password is slowed down per account (engine/signin.py): failed_sign_ins counts wrong
passwords in a row, and after five, locked_until closes signing in for fifteen minutes. A session
cookie names the account's session_serial at sign-in; signing out raises it, so a copy of the
cookie (kept by a shared computer, or stolen) no longer signs anyone in.
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
            batch_op.add_column(sa.Column('session_serial', sa.Integer(), nullable=False, server_default='0'))


def downgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('session_serial')
            batch_op.drop_column('locked_until')
            batch_op.drop_column('failed_sign_ins')
