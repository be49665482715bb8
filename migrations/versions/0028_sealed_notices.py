"""sealed_notices: a written notice's electronic seal

Revision ID: 0028
Revises: 0027
Create Date: 2026-11-30 10:00:00.000000

Every notice is sealed as it is issued (engine/notice_seals.py): a verification code anyone can
check, and the signed facts, signature and salt. Notices issued before stay unsealed: signing them
now would give them today's seal, not the one of the day they were issued.
"""
from alembic import op
import sqlalchemy as sa


revision = '0028'
down_revision = '0027'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('notices', schema=None) as batch_op:
        batch_op.add_column(sa.Column('seal_code', sa.String(length=19), nullable=True))
        batch_op.add_column(sa.Column('seal', sa.JSON(), nullable=True))
        batch_op.create_unique_constraint('uq_notices_seal_code', ['seal_code'])


def downgrade():
    with op.batch_alter_table('notices', schema=None) as batch_op:
        batch_op.drop_constraint('uq_notices_seal_code', type_='unique')
        batch_op.drop_column('seal')
        batch_op.drop_column('seal_code')
