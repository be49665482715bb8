"""material_seal: a result document's electronic seal

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-28 14:20:00.000000

Result documents of a decided case are sealed (engine/seals.py): a verification code anyone can
check, and the signed facts. Documents of cases decided before stay unsealed.
"""
from alembic import op
import sqlalchemy as sa


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('materials', schema=None) as batch_op:
        batch_op.add_column(sa.Column('seal_code', sa.String(length=19), nullable=True))
        batch_op.add_column(sa.Column('seal', sa.JSON(), nullable=True))
        batch_op.create_unique_constraint('uq_materials_seal_code', ['seal_code'])


def downgrade():
    with op.batch_alter_table('materials', schema=None) as batch_op:
        batch_op.drop_constraint('uq_materials_seal_code', type_='unique')
        batch_op.drop_column('seal')
        batch_op.drop_column('seal_code')
