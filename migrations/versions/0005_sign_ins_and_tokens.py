"""unknown_sign_ins: wrong sign-ins under names no account has; api_tokens: label, last use

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27 19:30:00.000000

Until now only accounts counted wrong passwords, so a name that locked after five guesses was
known to be an account (a 429 where an unknown name kept answering 401). Names no account has
are now counted and locked the same way (engine/signin.py), each row keyed by a digest of the
name. Every count, an account's too (users.last_attempt_at, applicants.last_attempt_at), starts
again a day after its last attempt, and the scheduler drops unknown names' rows by then.

API tokens get a label (what system calls with it) and the time of their last use, so an
administrator can tell them apart and revoke the one that leaked (engine/services/tokens.py).
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

ACCOUNTS = ('users', 'applicants')


def upgrade():
    op.create_table(
        'unknown_sign_ins',
        sa.Column('id', sa.String(length=64), nullable=False),
        sa.Column('failed_sign_ins', sa.Integer(), server_default='0', nullable=False),
        sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True),
        sa.Column('last_attempt_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('unknown_sign_ins', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_unknown_sign_ins_last_attempt_at'), ['last_attempt_at'], unique=False)
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.add_column(sa.Column('label', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True))
    for table in ACCOUNTS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('last_attempt_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    for table in ACCOUNTS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('last_attempt_at')
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_column('last_used_at')
        batch_op.drop_column('label')
    with op.batch_alter_table('unknown_sign_ins', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_unknown_sign_ins_last_attempt_at'))
    op.drop_table('unknown_sign_ins')
