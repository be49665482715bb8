"""中介超市: a delivered commission keeps the report it brought

Revision ID: 0023
Revises: 0022
Create Date: 2026-11-29 10:00:00.000000

The report an agency delivers is handed in with the delivery and kept among the case's materials
(kind report:<kind of report>), where the departments reviewing the case read it; the commission
names it. Commissions delivered before keep none.
"""
from alembic import op
import sqlalchemy as sa


revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('agency_commissions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('report_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_agency_commissions_report_id_materials', 'materials', ['report_id'], ['id'])


def downgrade():
    with op.batch_alter_table('agency_commissions', schema=None) as batch_op:
        batch_op.drop_constraint('fk_agency_commissions_report_id_materials', type_='foreignkey')
        batch_op.drop_column('report_id')

