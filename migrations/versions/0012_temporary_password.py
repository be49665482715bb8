"""temporary_password: a password the window gives an applicant, to be replaced at sign-in

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-28 11:00:00.000000

An applicant who forgot their password, or whose record the window made without one, is given
a temporary password at the window once their identity has been seen; it signs in until
temporary_until, and only to choose their own.
"""
from alembic import op
import sqlalchemy as sa


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('applicants', schema=None) as batch_op:
        batch_op.add_column(sa.Column('temporary_until', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('applicants', schema=None) as batch_op:
        batch_op.drop_column('temporary_until')
