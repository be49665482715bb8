"""pledge checks after a grant, and the credit record of a false pledge

Revision ID: 0033
Revises: 0032
Create Date: 2026-12-01 12:00:00.000000

核查: each pledge (告知承诺) of a granted case is checked by the department that decided it, by a
date in working days; 不实 lets it revoke the grant (the case's status `revoked`, a new value, no
column) and puts the applicant on a credit record (失信：虚假承诺) until it is repaired. A revoked
grant's document filed for reuse becomes a material in state `revoked`, a pledge check's evidence
one in state `evidence` (new values, no column).
"""
from alembic import op
import sqlalchemy as sa


revision = '0033'
down_revision = '0032'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'pledge_checks',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('material_id', sa.Integer(), nullable=False),
        sa.Column('department', sa.String(length=64), nullable=False),
        sa.Column('due_on', sa.Date(), nullable=False),
        sa.Column('counted_from', sa.Date(), nullable=False),
        sa.Column('working_days', sa.Integer(), nullable=False),
        sa.Column('state', sa.String(length=16), nullable=False),
        sa.Column('finding', sa.Text(), nullable=True),
        sa.Column('evidence_id', sa.Integer(), nullable=True),
        sa.Column('checked_by', sa.Integer(), nullable=True),
        sa.Column('checked_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('overdue_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['material_id'], ['materials.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['evidence_id'], ['materials.id']),
        sa.ForeignKeyConstraint(['checked_by'], ['users.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('material_id'))
    op.create_index('ix_pledge_checks_case_id', 'pledge_checks', ['case_id'])
    op.create_index('ix_pledge_checks_department', 'pledge_checks', ['department'])
    op.create_index('ix_pledge_checks_state', 'pledge_checks', ['state'])
    op.create_table(
        'credit_records',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('applicant_id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('check_id', sa.Integer(), nullable=False),
        sa.Column('recorded_on', sa.Date(), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('repaired_by', sa.Integer(), nullable=True),
        sa.Column('repaired_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('repair_reason', sa.Text(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['applicant_id'], ['applicants.id']),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['check_id'], ['pledge_checks.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['repaired_by'], ['users.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('check_id'))
    op.create_index('ix_credit_records_applicant_id', 'credit_records', ['applicant_id'])
    op.create_index('ix_credit_records_case_id', 'credit_records', ['case_id'])
    op.create_index('ix_credit_records_active', 'credit_records', ['active'])


def downgrade():
    op.drop_table('credit_records')
    op.drop_table('pledge_checks')
    # What the revocation left that the code before it does not know: a revoked case is its grant
    # again (delivered if it was), a revoked document filed for reuse is issued again, and a
    # check's evidence (its file stays in the store) goes with the checks.
    op.execute("UPDATE cases SET status = CASE WHEN EXISTS (SELECT 1 FROM events WHERE events.case_id = cases.id "
               "AND events.type = 'case_delivered') THEN 'delivered' ELSE 'decided' END WHERE status = 'revoked'")
    op.execute("UPDATE materials SET state = 'issued' WHERE state = 'revoked'")
    op.execute("DELETE FROM materials WHERE state = 'evidence'")
