"""a delivery decided on the spot keeps the working days it was counted with

Revision ID: 0027
Revises: 0026
Create Date: 2026-11-29 15:00:00.000000

The working days promised for handing a result over are a setting now (DELIVERY_DAYS): a case
decided on the spot, which has no delivery clock, keeps the number its date was counted with in
its `delivery`, as engine/recount.py counts the date again from it. The cases decided before were
all counted with one working day.
"""
from alembic import op
import sqlalchemy as sa


revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None

DELIVERY_DAYS = 1
CASES = sa.table('cases', sa.column('id', sa.Integer), sa.column('instance_id', sa.Integer),
                 sa.column('delivery', sa.JSON))


def _decided_on_the_spot(bind):
    """Only a case decided without a procedure keeps a delivery date of its own."""
    return bind.execute(sa.select(CASES.c.id, CASES.c.delivery).where(CASES.c.instance_id.is_(None))).all()


def upgrade():
    bind = op.get_bind()
    for case_id, delivery in _decided_on_the_spot(bind):
        if delivery and 'due_on' in delivery and 'working_days' not in delivery:
            bind.execute(CASES.update().where(CASES.c.id == case_id).values(
                delivery={**delivery, 'working_days': DELIVERY_DAYS}))


def downgrade():
    bind = op.get_bind()
    for case_id, delivery in _decided_on_the_spot(bind):
        if delivery and 'working_days' in delivery:
            kept = {k: v for k, v in delivery.items() if k != 'working_days'}
            bind.execute(CASES.update().where(CASES.c.id == case_id).values(delivery=kept))
