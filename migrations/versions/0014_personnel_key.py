"""hE: personnel numbers in one normal form, unique on both databases

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05 12:40:00

``cadre.personnel_key`` holds each personnel number in the normal form of
lms/core/personnel.py (NFKC, no spaces or invisible characters, case-folded) under a unique
index: ``wy0003``, ``WY0003`` and ``Ｗ０００３`` are one cadre. Before this, the unique
constraint on ``personnel_number`` was case-sensitive on SQLite, and the roster import matched
exactly, so such variants could become second cadres.

The upgrade refuses, changing nothing, while two existing cadres share a normal form; the
error names them (ids, usernames, units, numbers). Give one of each group another personnel
number (the admin's user form of the running version, or SQL), run the upgrade again, and then
merge the two records with ``flask --app lms cadres duplicates`` / ``cadres merge`` (README,
"Duplicate cadres").
"""

import unicodedata

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def _key(number) -> str:
    # A frozen copy of lms.core.personnel.personnel_key: a migration must keep computing what
    # it computed when it was written, whatever the application's function becomes.
    text = unicodedata.normalize("NFKC", "" if number is None else str(number))
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf" and not ch.isspace())
    return unicodedata.normalize("NFKC", text.casefold())


class PersonnelNumberCollision(RuntimeError):
    """Existing cadres share a personnel number in the normal form: resolve them first."""


def _collisions(rows) -> list[list]:
    groups = {}
    for row in rows:
        groups.setdefault(_key(row.personnel_number), []).append(row)
    return [group for key, group in sorted(groups.items()) if len(group) > 1]


def _describe(groups) -> str:
    lines = [
        f"{len(groups)} group(s) of cadres have personnel numbers that are the same once case, "
        "width and spaces are ignored; the upgrade changed nothing:"
    ]
    for group in groups:
        lines.append(
            "  "
            + "; ".join(
                f"cadre id {row.id} (user id {row.user_id}, username {row.username!r}, "
                f"unit {row.unit_path or '-'!s}, number {row.personnel_number!r})"
                for row in group
            )
        )
    lines.append(
        "Give one cadre of each group another personnel number (the admin's user form, or "
        "SQL), run the upgrade again, then merge the records: flask --app lms cadres "
        "duplicates; flask --app lms cadres merge KEEP_ID OTHER_ID."
    )
    return "\n".join(lines)


def upgrade():
    conn = op.get_bind()
    rows = conn.execute(
        sa.text(
            'SELECT c.id, c.user_id, c.personnel_number, u.username, n.name_path AS unit_path '
            'FROM cadre c JOIN "user" u ON u.id = c.user_id '
            "LEFT JOIN unit n ON n.id = u.unit_id ORDER BY c.id"
        )
    ).all()
    # Checked before any change: SQLite runs DDL outside a transaction, so a refusal after
    # the new column was added would leave it behind.
    groups = _collisions(rows)
    if groups:
        raise PersonnelNumberCollision(_describe(groups))
    with op.batch_alter_table("cadre", schema=None) as batch_op:
        batch_op.add_column(sa.Column("personnel_key", sa.String(length=80), nullable=True))
    cadre = sa.table("cadre", sa.column("id", sa.Integer), sa.column("personnel_key", sa.String))
    if rows:
        conn.execute(
            cadre.update().where(cadre.c.id == sa.bindparam("cadre_id")),
            [{"cadre_id": row.id, "personnel_key": _key(row.personnel_number)} for row in rows],
        )
    with op.batch_alter_table("cadre", schema=None) as batch_op:
        batch_op.alter_column(
            "personnel_key", existing_type=sa.String(length=80), nullable=False
        )
        batch_op.create_index(batch_op.f("ix_cadre_personnel_key"), ["personnel_key"], unique=True)


def downgrade():
    with op.batch_alter_table("cadre", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cadre_personnel_key"))
        batch_op.drop_column("personnel_key")
