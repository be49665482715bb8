"""service ratings coded as GB/T 39046-2020 code list A.8

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-28 02:35:00.000000

满意度 was stored 5 非常满意 ... 1 非常不满意; the standard, which the national platform
exchanges, codes it 1 非常满意 ... 5 非常不满意. Both directions turn the stored ratings over
(6 - rating). The case_rated events are history and keep the codes they were recorded with;
their label names the level either way.
"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def _turn_over():
    for table in ('cases', 'rectifications'):
        op.execute(sa.text(f"UPDATE {table} SET rating = 6 - rating WHERE rating IS NOT NULL"))


def upgrade():
    _turn_over()


def downgrade():
    _turn_over()
