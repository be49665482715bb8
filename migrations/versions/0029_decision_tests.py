"""试算用例: the test cases a designer keeps with a decision's key

Revision ID: 0029
Revises: 0028
Create Date: 2026-11-30 12:00:00.000000

Each holds a decision's inputs and the result expected on them; the designer's deployment of a
table tries it on every one of its key's (engine/services/decision_tests.py).
"""
from alembic import op
import sqlalchemy as sa


revision = '0029'
down_revision = '0028'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'decision_tests',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=200), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('inputs', sa.JSON(), nullable=False),
        sa.Column('expected', sa.JSON(), nullable=True),
        sa.Column('created_by', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_by', sa.Integer(), nullable=True),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['created_by'], ['users.id']),
        sa.ForeignKeyConstraint(['updated_by'], ['users.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('key', 'name'))


def downgrade():
    op.drop_table('decision_tests')
