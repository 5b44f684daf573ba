"""plans: training years, quota rules and assignments

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28 12:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('training_year',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('cutoff_month', sa.Integer(), nullable=False),
    sa.Column('cutoff_day', sa.Integer(), nullable=False),
    sa.Column('hours_per_training_day', sa.Double(), nullable=False),
    sa.Column('young_age_limit', sa.Integer(), nullable=False),
    sa.Column('newly_promoted_months', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_year')),
    sa.UniqueConstraint('year', name=op.f('uq_training_year_year'))
    )
    op.create_table('quota_rule',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('training_year_id', sa.Integer(), nullable=False),
    sa.Column('online_hours', sa.Double(), nullable=False),
    sa.Column('required_hours', sa.Double(), nullable=False),
    sa.Column('offline_days', sa.Double(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('include_sub_units', sa.Boolean(), nullable=False),
    sa.Column('rank', sa.String(length=100), nullable=True),
    sa.Column('priority_group', sa.String(length=20), nullable=True),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('category_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['category_id'], ['cadre_category.id'], name=op.f('fk_quota_rule_category_id_cadre_category')),
    sa.ForeignKeyConstraint(['training_year_id'], ['training_year.id'], name=op.f('fk_quota_rule_training_year_id_training_year'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_quota_rule_unit_id_unit'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quota_rule'))
    )
    with op.batch_alter_table('quota_rule', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_quota_rule_training_year_id'), ['training_year_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_quota_rule_unit_id'), ['unit_id'], unique=False)

    op.create_table('plan_assignment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('training_year_id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=True),
    sa.Column('quiz_id', sa.Integer(), nullable=True),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('include_sub_units', sa.Boolean(), nullable=False),
    sa.Column('rank', sa.String(length=100), nullable=True),
    sa.Column('priority_group', sa.String(length=20), nullable=True),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('category_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['category_id'], ['cadre_category.id'], name=op.f('fk_plan_assignment_category_id_cadre_category')),
    sa.ForeignKeyConstraint(['course_id'], ['course.id'], name=op.f('fk_plan_assignment_course_id_course'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_plan_assignment_created_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['quiz_id'], ['quiz.id'], name=op.f('fk_plan_assignment_quiz_id_quiz'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['training_year_id'], ['training_year.id'], name=op.f('fk_plan_assignment_training_year_id_training_year'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_plan_assignment_unit_id_unit'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_assignment'))
    )
    with op.batch_alter_table('plan_assignment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_assignment_course_id'), ['course_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_plan_assignment_quiz_id'), ['quiz_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_plan_assignment_training_year_id'), ['training_year_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_plan_assignment_unit_id'), ['unit_id'], unique=False)


def downgrade():
    with op.batch_alter_table('plan_assignment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_assignment_unit_id'))
        batch_op.drop_index(batch_op.f('ix_plan_assignment_training_year_id'))
        batch_op.drop_index(batch_op.f('ix_plan_assignment_quiz_id'))
        batch_op.drop_index(batch_op.f('ix_plan_assignment_course_id'))

    op.drop_table('plan_assignment')
    with op.batch_alter_table('quota_rule', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_quota_rule_unit_id'))
        batch_op.drop_index(batch_op.f('ix_quota_rule_training_year_id'))

    op.drop_table('quota_rule')
    op.drop_table('training_year')
    # ### end Alembic commands ###
