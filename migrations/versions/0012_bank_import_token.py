"""remember the last import applied to each question bank

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-28 16:45:00

A confirm claims its preview by writing the preview's token here with a conditional UPDATE:
a second confirm of the same preview (a double click, another tab) changes no row and
adds nothing.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("question_bank", schema=None) as batch_op:
        batch_op.add_column(sa.Column("last_import_token", sa.String(length=32), nullable=True))


def downgrade():
    with op.batch_alter_table("question_bank", schema=None) as batch_op:
        batch_op.drop_column("last_import_token")
