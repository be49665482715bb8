"""办件电子归档: ended cases' archive packages and their hand-over to the archives

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-01 10:00:00.000000

A package is kept in the file store by its SHA-256; its row says which case, who built it and when,
the newest event it holds (a later one makes it old) and, once handed over, the batch it went in.
"""
from alembic import op
import sqlalchemy as sa


revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'archive_handovers',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('handed_over_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('handed_over_by', sa.Integer(), nullable=True),
        sa.Column('receiver', sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(['handed_over_by'], ['users.id']),
        sa.PrimaryKeyConstraint('id'))
    op.create_table(
        'archive_packages',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('built_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('built_by', sa.Integer(), nullable=True),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('size', sa.BigInteger(), nullable=False),
        sa.Column('files', sa.Integer(), nullable=False),
        sa.Column('last_event_id', sa.Integer(), nullable=False),
        sa.Column('handover_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['built_by'], ['users.id']),
        sa.ForeignKeyConstraint(['handover_id'], ['archive_handovers.id']),
        sa.PrimaryKeyConstraint('id'))
    op.create_index('ix_archive_packages_case_id', 'archive_packages', ['case_id'])
    op.create_index('ix_archive_packages_handover_id', 'archive_packages', ['handover_id'])


def downgrade():
    op.drop_table('archive_packages')
    op.drop_table('archive_handovers')
