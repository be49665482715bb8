"""renewal: a case's business kind, the licence it renews, the day its licence expires

Revision ID: 0037
Revises: 0036
Create Date: 2026-12-01 14:00:00.000000

延续 (Art. 50 of the Administrative Licensing Law, engine/licences.py): a case is new (新设) or the
renewal of the licence an earlier granted case gave; a grant records when its licence expires.
Cases granted before keep what their grant filed for the applicant: the issued licence's validity
(materials.valid_until, counted the same way) becomes their licence's expiry, so a holder can renew
a licence granted before the upgrade.
"""
from alembic import op
import sqlalchemy as sa


revision = '0037'
down_revision = '0036'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('business_kind', sa.String(length=16), nullable=False, server_default='new'))
        batch_op.add_column(sa.Column('renews_case_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('licence_expires_on', sa.Date(), nullable=True))
        batch_op.create_foreign_key('fk_cases_renews_case_id_cases', 'cases', ['renews_case_id'], ['id'])
        batch_op.create_index('ix_cases_renews_case_id', ['renews_case_id'])
    op.execute("UPDATE cases SET licence_expires_on = (SELECT max(materials.valid_until) FROM materials "
               "WHERE materials.case_id = cases.id AND materials.state = 'issued') "
               "WHERE decision IN ('approve', 'approve_with_conditions')")


def downgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index('ix_cases_renews_case_id')
        batch_op.drop_constraint('fk_cases_renews_case_id_cases', type_='foreignkey')
        batch_op.drop_column('licence_expires_on')
        batch_op.drop_column('renews_case_id')
        batch_op.drop_column('business_kind')
