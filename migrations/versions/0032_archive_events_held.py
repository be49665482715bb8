"""archive_events_held: how many of its case's events an archive package holds

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-02 12:00:00.000000

A package was older than its case when the case had an event past the package's last one; on
PostgreSQL an event may commit after the package was built with an id below that one, and went
unseen. A package now keeps how many events it holds (its own archiving aside), and one more of
them makes it old. A package built before is taken to hold the events up to its last one.
"""
from alembic import op
import sqlalchemy as sa


revision = '0032'
down_revision = '0031'
branch_labels = None
depends_on = None

OWN_EVENTS = ('case_archived', 'archive_handed_over')  # engine/archive_package.py's, as they are now


def upgrade():
    with op.batch_alter_table('archive_packages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('events_held', sa.Integer(), nullable=True))
    packages, cases, events = (sa.table('archive_packages', sa.column('id'), sa.column('case_id'),
                                        sa.column('last_event_id'), sa.column('events_held')),
                               sa.table('cases', sa.column('id'), sa.column('instance_id')),
                               sa.table('events', sa.column('id'), sa.column('case_id'), sa.column('instance_id'),
                                        sa.column('type')))
    of_case = sa.or_(events.c.case_id == cases.c.id,
                     sa.and_(cases.c.instance_id.is_not(None), events.c.instance_id == cases.c.instance_id))
    held = (sa.select(sa.func.count(events.c.id)).select_from(cases).join(events, of_case)
            .where(cases.c.id == packages.c.case_id, events.c.id <= packages.c.last_event_id,
                   events.c.type.not_in(OWN_EVENTS)).scalar_subquery())
    op.get_bind().execute(packages.update().values(events_held=held))
    with op.batch_alter_table('archive_packages', schema=None) as batch_op:
        batch_op.alter_column('events_held', existing_type=sa.Integer(), nullable=False)


def downgrade():
    with op.batch_alter_table('archive_packages', schema=None) as batch_op:
        batch_op.drop_column('events_held')
