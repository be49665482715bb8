"""dates counted in working days keep what they were counted from

Revision ID: 0024
Revises: 0023
Create Date: 2026-11-29 12:00:00.000000

A supervision order's feedback date, a rectification's date, an agency's promised date and
Art. 32's five days (the `deemed` timer) keep the day they were counted from and the number of
working days, and so do a correction or payment notice's date (in its data; a special
procedure's notice keeps the day it counts its expected days from): a calendar change counts the
date again from them (engine/recount.py) instead of from the date itself, which an earlier change
may have kept later. Rows made before are given them from what they hold: the day they were
issued, created or chosen in China, the product's numbers of days (3 for an order's feedback, 5
for a rectification and for Art. 32, 10 for a correction or payment notice) and the agency's
promise for the kind as it stands now (or, where it no longer offers the kind, the weekdays from
the day chosen to the date).
"""
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from alembic import op
import sqlalchemy as sa


revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None

SHANGHAI = ZoneInfo('Asia/Shanghai')
FEEDBACK_DAYS, RECTIFY_DAYS, ART32_DAYS, NOTICE_DAYS = 3, 5, 5, 10


def upgrade():
    with op.batch_alter_table('supervision_orders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('counted_from', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('working_days', sa.Integer(), nullable=True))
    with op.batch_alter_table('rectifications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('counted_from', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('working_days', sa.Integer(), nullable=True))
    with op.batch_alter_table('agency_commissions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('working_days', sa.Integer(), nullable=True))
    with op.batch_alter_table('timers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('counted_from', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('working_days', sa.Integer(), nullable=True))
    bind = op.get_bind()
    _from_day(bind, 'supervision_orders', 'issued_at', FEEDBACK_DAYS)
    _from_day(bind, 'rectifications', 'created_at', RECTIFY_DAYS)
    _from_day(bind, 'timers', 'created_at', ART32_DAYS, kind='deemed')
    _promised(bind)
    _notices(bind)
    for table in ('supervision_orders', 'rectifications'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column('counted_from', existing_type=sa.Date(), nullable=False)
            batch_op.alter_column('working_days', existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table('agency_commissions', schema=None) as batch_op:
        batch_op.alter_column('working_days', existing_type=sa.Integer(), nullable=False)


def _china_day(moment) -> date:
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    if moment.tzinfo is None:  # stored in UTC
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(SHANGHAI).date()


def _from_day(bind, name: str, moment: str, days: int, kind: str | None = None) -> None:
    table = sa.table(name, sa.column('id', sa.Integer), sa.column(moment, sa.DateTime(timezone=True)),
                     sa.column('counted_from', sa.Date), sa.column('working_days', sa.Integer),
                     *([sa.column('kind', sa.String)] if kind else []))
    query = sa.select(table.c.id, table.c[moment])
    for row_id, at in bind.execute(query.where(table.c.kind == kind) if kind else query).all():
        bind.execute(table.update().where(table.c.id == row_id).values(counted_from=_china_day(at),
                                                                       working_days=days))


def _promised(bind) -> None:
    commissions = sa.table('agency_commissions', sa.column('id', sa.Integer), sa.column('agency_id', sa.Integer),
                           sa.column('kind', sa.String), sa.column('chosen_on', sa.Date),
                           sa.column('due_on', sa.Date), sa.column('working_days', sa.Integer))
    agencies = sa.table('agencies', sa.column('id', sa.Integer), sa.column('services', sa.JSON))
    services = dict(bind.execute(sa.select(agencies.c.id, agencies.c.services)).all())
    for row_id, agency_id, kind, chosen_on, due_on in bind.execute(sa.select(
            commissions.c.id, commissions.c.agency_id, commissions.c.kind, commissions.c.chosen_on,
            commissions.c.due_on)).all():
        days = (services.get(agency_id) or {}).get(kind)
        if days is None:
            days = sum((chosen_on + timedelta(days=i)).weekday() < 5 for i in range(1, (due_on - chosen_on).days + 1))
        bind.execute(commissions.update().where(commissions.c.id == row_id).values(working_days=days))


def _notices(bind) -> None:
    notices = sa.table('notices', sa.column('id', sa.Integer), sa.column('kind', sa.String),
                       sa.column('data', sa.JSON), sa.column('issued_at', sa.DateTime(timezone=True)))
    for row_id, kind, data, issued_at in bind.execute(sa.select(
            notices.c.id, notices.c.kind, notices.c.data, notices.c.issued_at).where(
            notices.c.kind.in_(('review_correction', 'payment', 'special')))).all():
        basis = {'counted_from': _china_day(issued_at).isoformat()}
        if kind != 'special':
            basis['working_days'] = NOTICE_DAYS
        bind.execute(notices.update().where(notices.c.id == row_id).values(data={**basis, **data}))


def downgrade():
    notices = sa.table('notices', sa.column('id', sa.Integer), sa.column('kind', sa.String), sa.column('data', sa.JSON))
    bind = op.get_bind()
    for row_id, data in bind.execute(sa.select(notices.c.id, notices.c.data).where(
            notices.c.kind.in_(('review_correction', 'payment', 'special')))).all():
        if 'counted_from' in data:
            kept = {k: v for k, v in data.items() if k not in ('counted_from', 'working_days')}
            bind.execute(notices.update().where(notices.c.id == row_id).values(data=kept))
    for table, columns in (('timers', ('working_days', 'counted_from')), ('agency_commissions', ('working_days',)),
                           ('rectifications', ('working_days', 'counted_from')),
                           ('supervision_orders', ('working_days', 'counted_from'))):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in columns:
                batch_op.drop_column(column)
