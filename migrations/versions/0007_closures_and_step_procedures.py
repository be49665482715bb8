"""calendar_closures.stops_clocks and special_procedures.step_clock_id

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27 22:15:00.000000

An office closure (maintenance, a typhoon) is recorded without stopping the legal clock, unless
it is also a decreed suspension (domain-reference 2.2, item 6). Closures entered before this
revision were entered as moving deadlines, and keep doing so. Going back down, the closures that
do not stop clocks are deleted: the earlier release would read them as stopping clocks.

A step's special procedure stops its case's clock too; the case clock's procedure names the
step (step_clock_id), so that it ends with the steps' procedures and no other ends it.
"""
from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('calendar_closures', schema=None) as batch_op:
        batch_op.add_column(sa.Column('stops_clocks', sa.Boolean(), nullable=False, server_default=sa.false()))
    op.execute(sa.text("UPDATE calendar_closures SET stops_clocks = :yes").bindparams(yes=True))
    with op.batch_alter_table('special_procedures', schema=None) as batch_op:
        batch_op.add_column(sa.Column('step_clock_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_special_procedures_step_clock_id_clocks', 'clocks', ['step_clock_id'], ['id'],
                                    ondelete='CASCADE')


def downgrade():
    with op.batch_alter_table('special_procedures', schema=None) as batch_op:
        batch_op.drop_constraint('fk_special_procedures_step_clock_id_clocks', type_='foreignkey')
        batch_op.drop_column('step_clock_id')
    # The earlier release moved deadlines on every closure: only those that did remain.
    op.execute(sa.text("DELETE FROM calendar_closures WHERE stops_clocks = :no").bindparams(no=False))
    with op.batch_alter_table('calendar_closures', schema=None) as batch_op:
        batch_op.drop_column('stops_clocks')
