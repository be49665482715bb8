"""events.case_id: a case's events found by the case, also before acceptance (no instance yet)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 10:00:00.000000

Until now a case's events were found by the case number in the JSON data (data->'case'), a scan
over every event. The upgrade fills case_id for the existing rows whose data->'case' is the
number of a case; events of a procedure keep being found by instance_id as well.
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('case_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_events_case_id'), ['case_id'], unique=False)
        batch_op.create_foreign_key('fk_events_case_id_cases', 'cases', ['case_id'], ['id'], ondelete='CASCADE')

    # One UPDATE with a correlated subquery; the JSON path compiles per dialect
    # (SQLite: JSON_EXTRACT(data, '$."case"'), PostgreSQL: data ->> 'case').
    events = sa.table('events', sa.column('case_id', sa.Integer()), sa.column('data', sa.JSON()))
    cases = sa.table('cases', sa.column('id', sa.Integer()), sa.column('number', sa.String()))
    number = events.c.data['case'].as_string()
    case_id = sa.select(cases.c.id).where(cases.c.number == number).scalar_subquery()
    op.execute(events.update().where(events.c.case_id.is_(None), number.is_not(None)).values(case_id=case_id))


def downgrade():
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_constraint('fk_events_case_id_cases', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_events_case_id'))
        batch_op.drop_column('case_id')
