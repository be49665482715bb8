"""temporary_staff_passwords: a password an administrator gives a person is theirs to replace

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-01 12:00:00.000000

A password an administrator sets for someone else (the people page, `run.py user password`, a
roster import's generated one) signs in until temporary_until, and only to choose one's own, as
the window's temporary password does for an applicant (0012). Passwords given before keep working
as they are: nobody is asked to change one they may have chosen themselves.
"""
from alembic import op
import sqlalchemy as sa


revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('temporary_until', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('temporary_until')
