"""One playback per account, and the evidence and risk level of each viewing session

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06 01:40:00

``credit_clock`` names the one view of the user playing now (``playing_view_id``, since
``playing_since``) and keeps the night's credited seconds; ``lesson_view`` gains the device
id its browser keeps, when another view took over from it, its evidence and risk level
(lms/tracking/playback.py, signals.py, risk.py). Existing views start at low risk.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("lesson_view") as batch:
        batch.add_column(sa.Column("device_id", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("superseded_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("handover_from", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("evidence", sa.JSON(), nullable=False, server_default="{}"))
        batch.add_column(
            sa.Column("risk_level", sa.String(length=8), nullable=False, server_default="low")
        )
        batch.add_column(sa.Column("risk_signals", sa.JSON(), nullable=False, server_default="[]"))
    op.create_index(
        "ix_lesson_view_device_opened", "lesson_view", ["device_id", "opened_at"], unique=False
    )
    op.create_index(
        "ix_lesson_view_address_opened", "lesson_view", ["address", "opened_at"], unique=False
    )
    op.create_index(
        "ix_lesson_view_user_opened", "lesson_view", ["user_id", "opened_at"], unique=False
    )
    with op.batch_alter_table("credit_clock") as batch:
        batch.add_column(sa.Column("playing_view_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("playing_since", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("night_date", sa.Date(), nullable=True))
        batch.add_column(
            sa.Column("night_seconds", sa.Double(), nullable=False, server_default="0")
        )
        batch.create_foreign_key(
            "fk_credit_clock_playing_view_id_lesson_view",
            "lesson_view",
            ["playing_view_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade():
    with op.batch_alter_table("credit_clock") as batch:
        batch.drop_constraint("fk_credit_clock_playing_view_id_lesson_view", type_="foreignkey")
        batch.drop_column("night_seconds")
        batch.drop_column("night_date")
        batch.drop_column("playing_since")
        batch.drop_column("playing_view_id")
    op.drop_index("ix_lesson_view_user_opened", table_name="lesson_view")
    op.drop_index("ix_lesson_view_address_opened", table_name="lesson_view")
    op.drop_index("ix_lesson_view_device_opened", table_name="lesson_view")
    with op.batch_alter_table("lesson_view") as batch:
        batch.drop_column("risk_signals")
        batch.drop_column("risk_level")
        batch.drop_column("evidence")
        batch.drop_column("handover_from")
        batch.drop_column("superseded_at")
        batch.drop_column("device_id")
