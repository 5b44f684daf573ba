"""Classes the platform runs: classes, their sessions, blackout periods, seat quotas, members

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06 01:19:21

``training_class`` carries its audience as the plan's rules (unit, category, rank, priority
group); ``class_member`` is a cadre's place, from sign-up or nomination to a seat, the
waiting list or an end (lms/classes/seats.py).
"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "class_blackout",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(length=300), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user.id"],
            name=op.f("fk_class_blackout_created_by_id_user"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_class_blackout")),
    )
    op.create_table(
        "training_class",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("class_type", sa.String(length=30), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("organizer_unit_id", sa.Integer(), nullable=False),
        sa.Column("institution", sa.String(length=200), nullable=False),
        sa.Column("manager_id", sa.Integer(), nullable=True),
        sa.Column("venue", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("enrol_opens_on", sa.Date(), nullable=False),
        sa.Column("enrol_closes_on", sa.Date(), nullable=False),
        sa.Column("cancel_until", sa.Date(), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("include_sub_units", sa.Boolean(), nullable=False),
        sa.Column("rank", sa.String(length=100), nullable=True),
        sa.Column("priority_group", sa.String(length=20), nullable=True),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("category_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["category_id"],
            ["cadre_category.id"],
            name=op.f("fk_training_class_category_id_cadre_category"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user.id"],
            name=op.f("fk_training_class_created_by_id_user"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["manager_id"],
            ["user.id"],
            name=op.f("fk_training_class_manager_id_user"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["organizer_unit_id"],
            ["unit.id"],
            name=op.f("fk_training_class_organizer_unit_id_unit"),
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"],
            ["unit.id"],
            name=op.f("fk_training_class_unit_id_unit"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_class")),
    )
    with op.batch_alter_table("training_class", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_training_class_manager_id"), ["manager_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_training_class_organizer_unit_id"), ["organizer_unit_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_training_class_unit_id"), ["unit_id"], unique=False)

    op.create_table(
        "class_member",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("class_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("quota_unit_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("nominated_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("waiting_since", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["class_id"],
            ["training_class.id"],
            name=op.f("fk_class_member_class_id_training_class"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["user.id"],
            name=op.f("fk_class_member_decided_by_id_user"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["nominated_by_id"],
            ["user.id"],
            name=op.f("fk_class_member_nominated_by_id_user"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["quota_unit_id"],
            ["unit.id"],
            name=op.f("fk_class_member_quota_unit_id_unit"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_class_member_user_id_user"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_class_member")),
    )
    with op.batch_alter_table("class_member", schema=None) as batch_op:
        batch_op.create_index("ix_class_member_class_status", ["class_id", "status"], unique=False)
        batch_op.create_index(batch_op.f("ix_class_member_user_id"), ["user_id"], unique=False)

    op.create_table(
        "class_seat_quota",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("class_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("seats", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["class_id"],
            ["training_class.id"],
            name=op.f("fk_class_seat_quota_class_id_training_class"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"],
            ["unit.id"],
            name=op.f("fk_class_seat_quota_unit_id_unit"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_class_seat_quota")),
        sa.UniqueConstraint("class_id", "unit_id", name=op.f("uq_class_seat_quota_class_id")),
    )
    op.create_table(
        "class_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("class_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("starts_at", sa.Time(), nullable=False),
        sa.Column("ends_at", sa.Time(), nullable=False),
        sa.Column("room", sa.String(length=200), nullable=False),
        sa.Column("teacher", sa.String(length=200), nullable=False),
        sa.Column("topic", sa.String(length=300), nullable=False),
        sa.ForeignKeyConstraint(
            ["class_id"],
            ["training_class.id"],
            name=op.f("fk_class_session_class_id_training_class"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_class_session")),
    )
    with op.batch_alter_table("class_session", schema=None) as batch_op:
        batch_op.create_index("ix_class_session_class_day", ["class_id", "day"], unique=False)
        batch_op.create_index(batch_op.f("ix_class_session_day"), ["day"], unique=False)


def downgrade():
    with op.batch_alter_table("class_session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_class_session_day"))
        batch_op.drop_index("ix_class_session_class_day")

    op.drop_table("class_session")
    op.drop_table("class_seat_quota")
    with op.batch_alter_table("class_member", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_class_member_user_id"))
        batch_op.drop_index("ix_class_member_class_status")

    op.drop_table("class_member")
    with op.batch_alter_table("training_class", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_training_class_unit_id"))
        batch_op.drop_index(batch_op.f("ix_training_class_organizer_unit_id"))
        batch_op.drop_index(batch_op.f("ix_training_class_manager_id"))

    op.drop_table("training_class")
    op.drop_table("class_blackout")
