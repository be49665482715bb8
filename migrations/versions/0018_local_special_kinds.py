"""现场踏勘 and 公告 become the office's special procedures, not the law's

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-28 20:00:00.000000

Art. 45 names neither: they stop a clock only where a local rule says so, so the office adds
them (special_procedure_kinds). A database whose cases already used one keeps it, as the office's,
still offered: its history keeps its name, and the administrator may withdraw it.
"""
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa


revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None

MOVED = {'site_survey': '现场踏勘', 'announcement': '公告'}


def upgrade():
    bind = op.get_bind()
    used = set(bind.execute(sa.text('SELECT DISTINCT kind FROM special_procedures')).scalars())
    known = bind.execute(sa.text('SELECT code, name FROM special_procedure_kinds')).all()
    taken = {code for code, _ in known} | {name for _, name in known}
    kinds = sa.table('special_procedure_kinds', sa.column('code', sa.String), sa.column('name', sa.String),
                     sa.column('active', sa.Boolean), sa.column('created_at', sa.DateTime(timezone=True)))
    rows = [{'code': code, 'name': name, 'active': True, 'created_at': datetime.now(timezone.utc)}
            for code, name in MOVED.items() if code in used and not {code, name} & taken]
    if rows:
        op.bulk_insert(kinds, rows)


def downgrade():
    pass  # the law's list in code names them again; rows the office kept do no harm
