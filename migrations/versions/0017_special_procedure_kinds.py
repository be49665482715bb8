"""special_procedure_kinds: the special procedures an office adds to the law's

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-28 17:00:00.000000

Art. 45's special procedures are the product's own (engine.clock.SPECIAL_KINDS); an office adds
its local ones (联合踏勘, 公示) on the administration page.
"""
from alembic import op
import sqlalchemy as sa


revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'special_procedure_kinds',
        sa.Column('code', sa.String(length=32), nullable=False),
        sa.Column('name', sa.String(length=40), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('code'),
        sa.UniqueConstraint('name'),
    )


def downgrade():
    op.drop_table('special_procedure_kinds')
