"""中介超市: registered agencies and the applicants' commissions of them

Revision ID: 0021
Revises: 0020
Create Date: 2026-11-28 23:00:00.000000

A commission's due date is the agency's own promise, kept apart from the government clocks.
"""
from alembic import op
import sqlalchemy as sa


revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'agencies',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('credit_code', sa.String(length=18), nullable=False),
        sa.Column('services', sa.JSON(), nullable=False),
        sa.Column('qualification', sa.Text(), nullable=False),
        sa.Column('contact', sa.String(length=200), nullable=False),
        sa.Column('price_note', sa.Text(), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('suspended_reason', sa.Text(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('credit_code'))
    op.create_index('ix_agencies_active', 'agencies', ['active'])
    op.create_table(
        'agency_commissions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('agency_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=32), nullable=False),
        sa.Column('chosen_on', sa.Date(), nullable=False),
        sa.Column('due_on', sa.Date(), nullable=False),
        sa.Column('state', sa.String(length=16), nullable=False),
        sa.Column('delivered_on', sa.Date(), nullable=True),
        sa.Column('cancel_reason', sa.Text(), nullable=True),
        sa.Column('rating', sa.Integer(), nullable=True),
        sa.Column('rating_comment', sa.Text(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['agency_id'], ['agencies.id']),
        sa.PrimaryKeyConstraint('id'))
    for column in ('case_id', 'agency_id', 'due_on', 'state'):
        op.create_index(f'ix_agency_commissions_{column}', 'agency_commissions', [column])


def downgrade():
    op.drop_table('agency_commissions')
    op.drop_table('agencies')
