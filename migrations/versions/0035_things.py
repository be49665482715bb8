"""一件事: things (several items applied for at once) and their applications

Revision ID: 0035
Revises: 0034
Create Date: 2026-12-01 12:00:00.000000

A thing is versioned like a service item; an application of it files one case per item, each
case naming it (cases.application_id), and its notices of the whole (one 受理通知书 listing every
item) name it too (notices.application_id). Cases and notices filed before have none.
"""
from alembic import op
import sqlalchemy as sa


revision = '0035'
down_revision = '0034'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'things',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=64), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=300), nullable=False),
        sa.Column('department', sa.String(length=64), nullable=False),
        sa.Column('data', sa.JSON(), nullable=False),
        sa.Column('checksum', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('created_by', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['created_by'], ['users.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('code', 'version'))
    op.create_index('ix_things_code', 'things', ['code'])
    op.create_table(
        'thing_applications',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('number', sa.String(length=40), nullable=False),
        sa.Column('thing_id', sa.Integer(), nullable=False),
        sa.Column('thing_code', sa.String(length=64), nullable=False),
        sa.Column('applicant_id', sa.Integer(), nullable=False),
        sa.Column('channel', sa.String(length=16), nullable=False),
        sa.Column('submitted_by', sa.Integer(), nullable=True),
        sa.Column('form', sa.JSON(), nullable=False),
        sa.Column('note', sa.Text(), nullable=True),
        sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['thing_id'], ['things.id']),
        sa.ForeignKeyConstraint(['applicant_id'], ['applicants.id']),
        sa.ForeignKeyConstraint(['submitted_by'], ['users.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('number'))
    op.create_index('ix_thing_applications_thing_code', 'thing_applications', ['thing_code'])
    op.create_index('ix_thing_applications_applicant_id', 'thing_applications', ['applicant_id'])
    for table in ('cases', 'notices'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('application_id', sa.Integer(), nullable=True))
            batch_op.create_index(f'ix_{table}_application_id', ['application_id'], unique=False)
            batch_op.create_foreign_key(f'fk_{table}_application_id_thing_applications', 'thing_applications',
                                        ['application_id'], ['id'])


def downgrade():
    for table in ('notices', 'cases'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(f'fk_{table}_application_id_thing_applications', type_='foreignkey')
            batch_op.drop_index(f'ix_{table}_application_id')
            batch_op.drop_column('application_id')
    op.drop_table('thing_applications')
    op.drop_table('things')
