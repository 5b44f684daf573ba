"""The day's sums of the forecast's recent weeks

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06 01:40:00

``recent_credit`` holds each cadre's ledger seconds in the forecast's recent weeks before
today, summed by the hourly ``tracking.recent_weeks`` job; ``recent_credit_state`` says which
days they hold and whether they still equal the ledger (lms/tracking/recent.py). Both start
empty but for the state row: the dashboards sum the ledger until the first build.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "recent_credit",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("seconds", sa.Double(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name="fk_recent_credit_user_id_user", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", name="pk_recent_credit"),
    )
    op.create_table(
        "recent_credit_state",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("from_date", sa.Date(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("valid", sa.Boolean(), nullable=False),
        sa.Column("built_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_recent_credit_state"),
    )
    # The one state row, not yet valid: a build locks it (lms/tracking/recent.py).
    op.execute(
        "INSERT INTO recent_credit_state (id, from_date, as_of, valid, built_at) "
        "VALUES (1, '2000-01-01', '2000-01-01', false, CURRENT_TIMESTAMP)"
    )


def downgrade():
    op.drop_table("recent_credit_state")
    op.drop_table("recent_credit")
