"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-22 14:23:17.107384
"""
from alembic import op
import sqlalchemy as sa


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('applicants',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('id_type', sa.String(length=32), nullable=False),
    sa.Column('id_number', sa.String(length=64), nullable=False),
    sa.Column('phone', sa.String(length=32), nullable=True),
    sa.Column('password_hash', sa.String(length=256), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('id_number')
    )
    with op.batch_alter_table('applicants', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_applicants_phone'), ['phone'], unique=False)

    op.create_table('calendar_closures',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('reason', sa.String(length=300), nullable=False),
    sa.PrimaryKeyConstraint('day')
    )
    op.create_table('departments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code')
    )
    op.create_table('regional_assessments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('zone', sa.String(length=64), nullable=False),
    sa.Column('zone_name', sa.String(length=200), nullable=False),
    sa.Column('assessment', sa.String(length=32), nullable=False),
    sa.Column('doc_no', sa.String(length=100), nullable=False),
    sa.Column('approved_on', sa.Date(), nullable=False),
    sa.Column('valid_until', sa.Date(), nullable=False),
    sa.Column('excluded_industries', sa.JSON(), nullable=False),
    sa.Column('max_land_ha', sa.Double(), nullable=True),
    sa.Column('revoked', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('zone', 'assessment', 'doc_no')
    )
    with op.batch_alter_table('regional_assessments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_regional_assessments_zone'), ['zone'], unique=False)

    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('login', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('password_hash', sa.String(length=256), nullable=True),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.Column('roles', sa.JSON(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('login')
    )
    op.create_table('api_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('token_hash')
    )
    op.create_table('calendar_years',
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('notice', sa.JSON(), nullable=False),
    sa.Column('imported_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('imported_by', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['imported_by'], ['users.id'], ),
    sa.PrimaryKeyConstraint('year')
    )
    op.create_table('deployments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('deployed_by', sa.Integer(), nullable=True),
    sa.Column('deployed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('files', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['deployed_by'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('drafts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('kind', 'key', 'author_id')
    )
    op.create_table('service_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('department', sa.String(length=64), nullable=False),
    sa.Column('case_type', sa.String(length=16), nullable=False),
    sa.Column('statutory_days', sa.Integer(), nullable=True),
    sa.Column('promised_days', sa.Integer(), nullable=False),
    sa.Column('process_key', sa.String(length=200), nullable=True),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('checksum', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code', 'version')
    )
    with op.batch_alter_table('service_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_service_items_code'), ['code'], unique=False)

    op.create_table('definitions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=True),
    sa.Column('filename', sa.String(length=300), nullable=False),
    sa.Column('checksum', sa.String(length=64), nullable=False),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('spec', sa.JSON(), nullable=True),
    sa.Column('forms', sa.JSON(), nullable=False),
    sa.Column('deployment_id', sa.Integer(), nullable=False),
    sa.Column('deployed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('suspended', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['deployment_id'], ['deployments.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('kind', 'key', 'version')
    )
    with op.batch_alter_table('definitions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_definitions_key'), ['key'], unique=False)

    op.create_table('instances',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('definition_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('business_key', sa.String(length=200), nullable=True),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('workflow_state', sa.JSON(), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('started_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['definition_id'], ['definitions.id'], ),
    sa.ForeignKeyConstraint(['started_by'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('instances', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_instances_business_key'), ['business_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_instances_definition_id'), ['definition_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_instances_key'), ['key'], unique=False)
        batch_op.create_index(batch_op.f('ix_instances_state'), ['state'], unique=False)

    op.create_table('cases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=40), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('item_code', sa.String(length=64), nullable=False),
    sa.Column('applicant_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('submitted_by', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=24), nullable=False),
    sa.Column('form', sa.JSON(), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('accepted_on', sa.Date(), nullable=True),
    sa.Column('deemed_accepted', sa.Boolean(), nullable=False),
    sa.Column('correction_rounds', sa.Integer(), nullable=False),
    sa.Column('instance_id', sa.Integer(), nullable=True),
    sa.Column('decision', sa.String(length=24), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('delivery', sa.JSON(), nullable=False),
    sa.Column('rating', sa.Integer(), nullable=True),
    sa.Column('rating_text', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['applicant_id'], ['applicants.id'], ),
    sa.ForeignKeyConstraint(['instance_id'], ['instances.id'], ),
    sa.ForeignKeyConstraint(['item_id'], ['service_items.id'], ),
    sa.ForeignKeyConstraint(['submitted_by'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('number')
    )
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cases_applicant_id'), ['applicant_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_cases_instance_id'), ['instance_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_cases_item_code'), ['item_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_cases_status'), ['status'], unique=False)

    op.create_table('events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('instance_id', sa.Integer(), nullable=True),
    sa.Column('task_id', sa.Integer(), nullable=True),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('type', sa.String(length=64), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], ),
    sa.ForeignKeyConstraint(['instance_id'], ['instances.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_events_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_events_instance_id'), ['instance_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_events_type'), ['type'], unique=False)

    op.create_table('instance_steps',
    sa.Column('instance_id', sa.Integer(), nullable=False),
    sa.Column('spiff_id', sa.String(length=36), nullable=False),
    sa.Column('owner', sa.String(length=36), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['instance_id'], ['instances.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('instance_id', 'spiff_id')
    )
    op.create_table('notifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('instance_id', sa.Integer(), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['instance_id'], ['instances.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notifications_user_id'), ['user_id'], unique=False)

    op.create_table('tasks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('instance_id', sa.Integer(), nullable=False),
    sa.Column('spiff_id', sa.String(length=36), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=True),
    sa.Column('group', sa.String(length=64), nullable=True),
    sa.Column('form', sa.String(length=300), nullable=True),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('assignee_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('completed_by', sa.Integer(), nullable=True),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['assignee_id'], ['users.id'], ),
    sa.ForeignKeyConstraint(['completed_by'], ['users.id'], ),
    sa.ForeignKeyConstraint(['instance_id'], ['instances.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('spiff_id')
    )
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.create_index('ix_tasks_assignee_state', ['assignee_id', 'state'], unique=False)
        batch_op.create_index(batch_op.f('ix_tasks_due_at'), ['due_at'], unique=False)
        batch_op.create_index('ix_tasks_group_state', ['group', 'state'], unique=False)
        batch_op.create_index(batch_op.f('ix_tasks_instance_id'), ['instance_id'], unique=False)

    op.create_table('clocks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('instance_id', sa.Integer(), nullable=False),
    sa.Column('task_id', sa.Integer(), nullable=True),
    sa.Column('department', sa.String(length=64), nullable=True),
    sa.Column('item_code', sa.String(length=64), nullable=True),
    sa.Column('label', sa.String(length=200), nullable=False),
    sa.Column('started_on', sa.Date(), nullable=False),
    sa.Column('statutory_days', sa.Integer(), nullable=True),
    sa.Column('promised_days', sa.Integer(), nullable=False),
    sa.Column('paused_days', sa.Integer(), nullable=False),
    sa.Column('extension_days', sa.Integer(), nullable=False),
    sa.Column('warn_ratio', sa.Double(), nullable=False),
    sa.Column('promised_due', sa.Date(), nullable=False),
    sa.Column('statutory_due', sa.Date(), nullable=True),
    sa.Column('promised_floor', sa.Date(), nullable=True),
    sa.Column('statutory_floor', sa.Date(), nullable=True),
    sa.Column('provisional', sa.Boolean(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('level', sa.String(length=16), nullable=False),
    sa.Column('paused_since', sa.Date(), nullable=True),
    sa.Column('stopped_on', sa.Date(), nullable=True),
    sa.Column('used_days', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['instance_id'], ['instances.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['task_id'], ['tasks.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('clocks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_clocks_department'), ['department'], unique=False)
        batch_op.create_index(batch_op.f('ix_clocks_instance_id'), ['instance_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_clocks_item_code'), ['item_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_clocks_promised_due'), ['promised_due'], unique=False)
        batch_op.create_index('ix_clocks_state_level', ['state', 'level'], unique=False)
        batch_op.create_index(batch_op.f('ix_clocks_stopped_on'), ['stopped_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_clocks_task_id'), ['task_id'], unique=False)

    op.create_table('materials',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('applicant_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('filename', sa.String(length=300), nullable=True),
    sa.Column('sha256', sa.String(length=64), nullable=True),
    sa.Column('size', sa.Integer(), nullable=True),
    sa.Column('reused_from', sa.Integer(), nullable=True),
    sa.Column('issued_by', sa.String(length=64), nullable=True),
    sa.Column('valid_until', sa.Date(), nullable=True),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['applicant_id'], ['applicants.id'], ),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reused_from'], ['materials.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('materials', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_materials_case_id'), ['case_id'], unique=False)
        batch_op.create_index('ix_materials_reuse', ['applicant_id', 'kind'], unique=False)

    op.create_table('notices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('number', sa.String(length=60), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('issued_by', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['issued_by'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('number')
    )
    with op.batch_alter_table('notices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notices_case_id'), ['case_id'], unique=False)

    op.create_table('special_procedures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('clock_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('started_on', sa.Date(), nullable=False),
    sa.Column('expected_days', sa.Integer(), nullable=False),
    sa.Column('ended_on', sa.Date(), nullable=True),
    sa.Column('result', sa.Text(), nullable=True),
    sa.Column('started_by', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['clock_id'], ['clocks.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['started_by'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('special_procedures', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_special_procedures_clock_id'), ['clock_id'], unique=False)

    op.create_table('supervision_orders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('clock_id', sa.Integer(), nullable=False),
    sa.Column('instance_id', sa.Integer(), nullable=False),
    sa.Column('department', sa.String(length=64), nullable=True),
    sa.Column('card', sa.String(length=8), nullable=False),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('feedback_due', sa.Date(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('feedback', sa.Text(), nullable=True),
    sa.Column('answered_by', sa.Integer(), nullable=True),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['answered_by'], ['users.id'], ),
    sa.ForeignKeyConstraint(['clock_id'], ['clocks.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['instance_id'], ['instances.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('supervision_orders', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_supervision_orders_clock_id'), ['clock_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_supervision_orders_department'), ['department'], unique=False)
        batch_op.create_index(batch_op.f('ix_supervision_orders_instance_id'), ['instance_id'], unique=False)

    op.create_table('timers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('instance_id', sa.Integer(), nullable=True),
    sa.Column('spiff_id', sa.String(length=36), nullable=True),
    sa.Column('clock_id', sa.Integer(), nullable=True),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('fired_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['clock_id'], ['clocks.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['instance_id'], ['instances.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('timers', schema=None) as batch_op:
        batch_op.create_index('ix_timers_due', ['state', 'due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_timers_instance_id'), ['instance_id'], unique=False)



def downgrade():
    with op.batch_alter_table('timers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_timers_instance_id'))
        batch_op.drop_index('ix_timers_due')

    op.drop_table('timers')
    with op.batch_alter_table('supervision_orders', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_supervision_orders_instance_id'))
        batch_op.drop_index(batch_op.f('ix_supervision_orders_department'))
        batch_op.drop_index(batch_op.f('ix_supervision_orders_clock_id'))

    op.drop_table('supervision_orders')
    with op.batch_alter_table('special_procedures', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_special_procedures_clock_id'))

    op.drop_table('special_procedures')
    with op.batch_alter_table('notices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notices_case_id'))

    op.drop_table('notices')
    with op.batch_alter_table('materials', schema=None) as batch_op:
        batch_op.drop_index('ix_materials_reuse')
        batch_op.drop_index(batch_op.f('ix_materials_case_id'))

    op.drop_table('materials')
    with op.batch_alter_table('clocks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_clocks_task_id'))
        batch_op.drop_index(batch_op.f('ix_clocks_stopped_on'))
        batch_op.drop_index('ix_clocks_state_level')
        batch_op.drop_index(batch_op.f('ix_clocks_promised_due'))
        batch_op.drop_index(batch_op.f('ix_clocks_item_code'))
        batch_op.drop_index(batch_op.f('ix_clocks_instance_id'))
        batch_op.drop_index(batch_op.f('ix_clocks_department'))

    op.drop_table('clocks')
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tasks_instance_id'))
        batch_op.drop_index('ix_tasks_group_state')
        batch_op.drop_index(batch_op.f('ix_tasks_due_at'))
        batch_op.drop_index('ix_tasks_assignee_state')

    op.drop_table('tasks')
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notifications_user_id'))

    op.drop_table('notifications')
    op.drop_table('instance_steps')
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_events_type'))
        batch_op.drop_index(batch_op.f('ix_events_instance_id'))
        batch_op.drop_index(batch_op.f('ix_events_at'))

    op.drop_table('events')
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cases_status'))
        batch_op.drop_index(batch_op.f('ix_cases_item_code'))
        batch_op.drop_index(batch_op.f('ix_cases_instance_id'))
        batch_op.drop_index(batch_op.f('ix_cases_applicant_id'))

    op.drop_table('cases')
    with op.batch_alter_table('instances', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_instances_state'))
        batch_op.drop_index(batch_op.f('ix_instances_key'))
        batch_op.drop_index(batch_op.f('ix_instances_definition_id'))
        batch_op.drop_index(batch_op.f('ix_instances_business_key'))

    op.drop_table('instances')
    with op.batch_alter_table('definitions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_definitions_key'))

    op.drop_table('definitions')
    with op.batch_alter_table('service_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_service_items_code'))

    op.drop_table('service_items')
    op.drop_table('drafts')
    op.drop_table('deployments')
    op.drop_table('calendar_years')
    op.drop_table('api_tokens')
    op.drop_table('users')
    with op.batch_alter_table('regional_assessments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_regional_assessments_zone'))

    op.drop_table('regional_assessments')
    op.drop_table('departments')
    op.drop_table('calendar_closures')
    with op.batch_alter_table('applicants', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_applicants_phone'))

    op.drop_table('applicants')
