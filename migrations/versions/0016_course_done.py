"""Lessons completed per user and course, kept with the lesson progress

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-05 19:20:00

``course_done`` holds, for each user and course, how many of the course's lessons the user has
completed and when the latest was (lms/tracking/course_totals.py). The completion rule reads
it instead of grouping every lesson-progress row. This builds it from ``lesson_progress``;
``flask --app lms totals check`` compares the two afterwards.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "course_done",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("lessons_done", sa.Integer(), nullable=False),
        sa.Column("last_done_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["course_id"], ["course.id"], name="fk_course_done_course_id_course", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name="fk_course_done_user_id_user", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", "course_id", name="pk_course_done"),
    )
    op.create_index("ix_course_done_course_id", "course_done", ["course_id"], unique=False)
    op.execute(
        "INSERT INTO course_done (user_id, course_id, lessons_done, last_done_at) "
        "SELECT p.user_id, l.course_id, count(p.completed_at), max(p.completed_at) "
        "FROM lesson_progress p JOIN lesson l ON l.id = p.lesson_id "
        "WHERE p.completed_at IS NOT NULL GROUP BY p.user_id, l.course_id"
    )


def downgrade():
    op.drop_index("ix_course_done_course_id", table_name="course_done")
    op.drop_table("course_done")
