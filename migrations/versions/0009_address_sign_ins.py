"""address_sign_ins: wrong sign-ins counted per account and network address

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-28 03:00:00.000000

Five wrong passwords from anyone locked an account for everyone, so anyone could keep anyone's
account (an administrator's too) locked. Now five from one address lock only that address out
of the account (address_sign_ins, keyed by a digest of the account and the address; `subject`
is the account's digest, for an administrator's unlock), and the account itself locks only after
twenty from all addresses together, and then not where its right password was given within the
last 30 days (signed_in_at) (engine/signin.py).
"""
from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'address_sign_ins',
        sa.Column('id', sa.String(length=64), nullable=False),
        sa.Column('subject', sa.String(length=64), nullable=False),
        sa.Column('failed_sign_ins', sa.Integer(), server_default='0', nullable=False),
        sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True),
        sa.Column('last_attempt_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('signed_in_at', sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('address_sign_ins', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_address_sign_ins_last_attempt_at'), ['last_attempt_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_address_sign_ins_subject'), ['subject'], unique=False)


def downgrade():
    op.drop_table('address_sign_ins')
