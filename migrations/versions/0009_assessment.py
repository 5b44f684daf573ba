"""assessment formulas, runs and results

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-28 13:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('assessment_formula',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('online_weight', sa.Double(), nullable=False),
    sa.Column('required_weight', sa.Double(), nullable=False),
    sa.Column('offline_weight', sa.Double(), nullable=False),
    sa.Column('quiz_weight', sa.Double(), nullable=False),
    sa.Column('excellent_from', sa.Double(), nullable=False),
    sa.Column('competent_from', sa.Double(), nullable=False),
    sa.Column('basic_from', sa.Double(), nullable=False),
    sa.Column('quota_unmet_fails', sa.Boolean(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_assessment_formula_created_by_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assessment_formula')),
    sa.UniqueConstraint('version', name=op.f('uq_assessment_formula_version'))
    )
    op.create_table('assessment_run',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('scope_key', sa.String(length=40), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('scope_name', sa.String(length=500), nullable=False),
    sa.Column('formula_id', sa.Integer(), nullable=False),
    sa.Column('formula', sa.JSON(), nullable=False),
    sa.Column('window_start', sa.Date(), nullable=False),
    sa.Column('window_end', sa.Date(), nullable=False),
    sa.Column('run_by_id', sa.Integer(), nullable=True),
    sa.Column('run_at', sa.DateTime(), nullable=False),
    sa.Column('cadre_count', sa.Integer(), nullable=False),
    sa.Column('band_counts', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['formula_id'], ['assessment_formula.id'], name=op.f('fk_assessment_run_formula_id_assessment_formula')),
    sa.ForeignKeyConstraint(['run_by_id'], ['user.id'], name=op.f('fk_assessment_run_run_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_assessment_run_unit_id_unit'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assessment_run')),
    sa.UniqueConstraint('year', 'scope_key', 'version', name=op.f('uq_assessment_run_year'))
    )
    with op.batch_alter_table('assessment_run', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assessment_run_year'), ['year'], unique=False)

    op.create_table('assessment_result',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('display_name', sa.String(length=100), nullable=False),
    sa.Column('personnel_number', sa.String(length=40), nullable=False),
    sa.Column('unit_path', sa.String(length=500), nullable=False),
    sa.Column('inputs', sa.JSON(), nullable=False),
    sa.Column('terms', sa.JSON(), nullable=False),
    sa.Column('total', sa.Double(), nullable=False),
    sa.Column('band', sa.String(length=20), nullable=False),
    sa.Column('lines', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['run_id'], ['assessment_run.id'], name=op.f('fk_assessment_result_run_id_assessment_run'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_assessment_result_user_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assessment_result')),
    sa.UniqueConstraint('run_id', 'user_id', name=op.f('uq_assessment_result_run_id'))
    )
    with op.batch_alter_table('assessment_result', schema=None) as batch_op:
        batch_op.create_index('ix_assessment_result_user', ['user_id', 'run_id'], unique=False)


def downgrade():
    with op.batch_alter_table('assessment_result', schema=None) as batch_op:
        batch_op.drop_index('ix_assessment_result_user')

    op.drop_table('assessment_result')
    with op.batch_alter_table('assessment_run', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assessment_run_year'))

    op.drop_table('assessment_run')
    op.drop_table('assessment_formula')
