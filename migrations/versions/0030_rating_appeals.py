"""rating codes for rating without an account, and appeals against a bad rating

Revision ID: 0030
Revises: 0029
Create Date: 2026-11-30 12:00:00.000000

评价码: the one-time code the notice that closes a case carries, by which its applicant rates it
from their own phone without signing in. 申诉复核: a department's appeal against a bad rating,
decided by a supervisor; a granted one leaves its rectification `excused` (a new value of its
state, no column).
"""
from alembic import op
import sqlalchemy as sa


revision = '0030'
down_revision = '0029'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'rating_codes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=16), nullable=False),
        sa.Column('issued_by', sa.Integer(), nullable=True),
        sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['issued_by'], ['users.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('case_id'),
        sa.UniqueConstraint('code'))
    op.create_table(
        'rating_appeals',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('rectification_id', sa.Integer(), nullable=False),
        sa.Column('ground', sa.String(length=16), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('filed_by', sa.Integer(), nullable=False),
        sa.Column('filed_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('state', sa.String(length=16), nullable=False),
        sa.Column('decided_by', sa.Integer(), nullable=True),
        sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('note', sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(['rectification_id'], ['rectifications.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['filed_by'], ['users.id']),
        sa.ForeignKeyConstraint(['decided_by'], ['users.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('rectification_id'))
    op.create_index('ix_rating_appeals_state', 'rating_appeals', ['state'])


def downgrade():
    op.drop_table('rating_appeals')
    op.drop_table('rating_codes')
