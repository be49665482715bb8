"""users and applicants: session_serial, which signing out raises

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27 15:10:00.000000

A session cookie names the serial its account had at sign-in; signing out raises it, so a copy of
the cookie (kept by a shared computer, or stolen) no longer signs anyone in.
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

TABLES = ('users', 'applicants')


def upgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('session_serial', sa.Integer(), nullable=False, server_default='0'))


def downgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('session_serial')
