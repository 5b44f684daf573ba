"""covering index of daily credit for the dashboards

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-28 12:45:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('daily_credit', schema=None) as batch_op:
        batch_op.create_index(
            'ix_daily_credit_user_date_seconds', ['user_id', 'local_date', 'seconds'], unique=False
        )


def downgrade():
    with op.batch_alter_table('daily_credit', schema=None) as batch_op:
        batch_op.drop_index('ix_daily_credit_user_date_seconds')
