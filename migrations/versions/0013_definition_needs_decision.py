"""definition_needs_decision: a procedure's cases must end with a decision

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-28 11:40:00.000000

A procedure that ended without a `decision` used to grant its case; it now decides nothing and
its last step is kept as an incident. Versions deployed before keep the old way: cases running
on them finish as they would have.
"""
from alembic import op
import sqlalchemy as sa


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('definitions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('needs_decision', sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade():
    with op.batch_alter_table('definitions', schema=None) as batch_op:
        batch_op.drop_column('needs_decision')
