"""cases.note and cases.statement: the applicant's words, the decision's reasons

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27 19:45:00.000000

cases.note holds what the applicant adds beside the form (申请说明); cases.statement the
decision's reasons and conditions, which the window and the portal hand over with the decision.

The portal kept the note inside the case's form data, which must now hold only the form's
fields. The upgrade moves a stored note out of the form into its own column.
"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


CASES = sa.table('cases', sa.column('id', sa.Integer()), sa.column('form', sa.JSON()), sa.column('note', sa.Text()),
                 sa.column('channel', sa.String()))


def upgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('note', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('statement', sa.Text(), nullable=True))
    connection = op.get_bind()
    # Only the portal kept a note in the form; a window case's form may have a field named so.
    online = sa.select(CASES.c.id, CASES.c.form).where(CASES.c.channel == 'online')
    for case_id, form in connection.execute(online).all():
        if isinstance(form, dict) and isinstance(form.get('note'), str):
            rest = {k: v for k, v in form.items() if k != 'note'}
            connection.execute(CASES.update().where(CASES.c.id == case_id).values(note=form['note'], form=rest))


def downgrade():
    connection = op.get_bind()  # the note goes back where the earlier release kept it
    for case_id, form, note in connection.execute(sa.select(CASES.c.id, CASES.c.form, CASES.c.note)
                                                  .where(CASES.c.note.is_not(None))).all():
        connection.execute(CASES.update().where(CASES.c.id == case_id).values(form={**(form or {}), 'note': note}))
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_column('statement')
        batch_op.drop_column('note')
