"""rectifications: what a bad rating concerns, the late mark, the applicant's 回访

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-29 10:00:00.000000

A bad rating concerns the window's service (acceptance, delivery) or the department's handling;
those made before said nothing and went to the item's department, so they read as its handling.
overdue_at is set by the tick when due_on passes unanswered; satisfied and revisited_at keep the
applicant's answer to the follow-up (回访) after the department answered. The rectifications
open now get the timer that watches their date, as new ones do: one already past it is marked
at the next tick.
"""
from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from alembic import op
import sqlalchemy as sa


revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('rectifications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('concerns', sa.String(length=16), nullable=False, server_default='handling'))
        batch_op.add_column(sa.Column('overdue_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('satisfied', sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column('revisited_at', sa.DateTime(timezone=True), nullable=True))
    bind = op.get_bind()
    now = datetime.now(timezone.utc)
    rows = bind.execute(sa.text("SELECT r.case_id, c.instance_id, r.due_on FROM rectifications r "
                                "JOIN cases c ON c.id = r.case_id WHERE r.state = 'open'")).all()
    timers = sa.table('timers', sa.column('kind', sa.String), sa.column('case_id', sa.Integer),
                      sa.column('instance_id', sa.Integer), sa.column('due_at', sa.DateTime(timezone=True)),
                      sa.column('state', sa.String), sa.column('attempts', sa.Integer),
                      sa.column('created_at', sa.DateTime(timezone=True)))
    if rows:  # late from the first moment after due_on, in Shanghai (engine/ratings.py late_from)
        op.bulk_insert(timers, [{'kind': 'rectification', 'case_id': case_id, 'instance_id': instance_id,
                                 'due_at': _day_after(due_on), 'state': 'pending', 'attempts': 0,
                                 'created_at': now} for case_id, instance_id, due_on in rows])


def _day_after(due_on) -> datetime:
    day = due_on if not isinstance(due_on, str) else datetime.strptime(due_on, '%Y-%m-%d').date()
    return datetime.combine(day + timedelta(days=1), time(0), ZoneInfo('Asia/Shanghai')).astimezone(timezone.utc)


def downgrade():
    op.execute("DELETE FROM timers WHERE kind = 'rectification'")
    with op.batch_alter_table('rectifications', schema=None) as batch_op:
        batch_op.drop_column('revisited_at')
        batch_op.drop_column('satisfied')
        batch_op.drop_column('overdue_at')
        batch_op.drop_column('concerns')
