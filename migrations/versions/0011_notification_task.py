"""notification_task: the step a notification is about

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-28 09:30:00.000000

A notification named only its case, and its link guessed a step of it; a copy (抄送) of one step
opened another. It now keeps the step it is about; older ones keep guessing.
"""
from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('task_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_notifications_task_id_tasks', 'tasks', ['task_id'], ['id'],
                                    ondelete='SET NULL')


def downgrade():
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_constraint('fk_notifications_task_id_tasks', type_='foreignkey')
        batch_op.drop_column('task_id')
