"""中介超市 guards, and 操作日志 by type in id order

Revision ID: 0022
Revises: 0021
Create Date: 2026-11-28 23:40:00.000000

At most one open commission of a kind per case (a partial unique index: the service's check could
be passed by two requests at the same moment). Events by (type, id): 操作日志 reads each type's
newest events in id order, which the (type, at) index made a sort; that index stays for the
monthly report, which reads a month's events of a type by their time.
"""
from alembic import op
import sqlalchemy as sa


revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None

OPEN = sa.text("state = 'open'")


def upgrade():
    op.create_index('ux_agency_commissions_open', 'agency_commissions', ['case_id', 'kind'], unique=True,
                    postgresql_where=OPEN, sqlite_where=OPEN)
    op.create_index('ix_events_type_id', 'events', ['type', 'id'])


def downgrade():
    op.drop_index('ix_events_type_id', table_name='events')
    op.drop_index('ux_agency_commissions_open', table_name='agency_commissions')
