"""blank forms and filled-in examples of an item's materials

Revision ID: 0031
Revises: 0030
Create Date: 2026-11-29 08:00:00.000000

表格下载 / 填表示例 (the 办事指南's 空白表格 and 示例样表 of a material): files the guide offers,
kept by item and material code across the item's versions.
"""
from alembic import op
import sqlalchemy as sa


revision = '0031'
down_revision = '0030'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'material_templates',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('item_code', sa.String(length=64), nullable=False),
        sa.Column('material_code', sa.String(length=64), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('filename', sa.String(length=300), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('uploaded_by', sa.Integer(), nullable=True),
        sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['uploaded_by'], ['users.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('item_code', 'material_code', 'kind'))


def downgrade():
    op.drop_table('material_templates')
