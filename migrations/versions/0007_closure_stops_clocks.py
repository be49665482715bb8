"""calendar_closures.stops_clocks: a closure day moves time limits only when decreed so

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27 22:15:00.000000

An office closure (maintenance, a typhoon) keeps the hall shut but does not stop the legal
clock, unless it is also a decreed suspension (domain-reference 2.2, item 6). Closures entered
before this revision were entered as moving deadlines, and keep doing so.
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


def downgrade():
    # The earlier release moved deadlines on every closure: only those that did remain.
    op.execute(sa.text("DELETE FROM calendar_closures WHERE stops_clocks = :no").bindparams(no=False))
    with op.batch_alter_table('calendar_closures', schema=None) as batch_op:
        batch_op.drop_column('stops_clocks')
