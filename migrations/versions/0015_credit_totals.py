"""Credit totals per cadre and statistics year, kept with the ledger

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-05 12:40:00

Each beat now adds what it books to the daily ledger (daily_credit) to the cadre's total of
the statistics year too (credit_total: seconds, weekend seconds, seconds per calendar month
of the year's window); the dashboards read the totals. This builds them from the ledger, by
each year's cut-off (its plan's, else LMS_STATS_CUTOFF), as lms/tracking/totals.py does.

The rules are copied, not imported: a migration keeps meaning what it meant when written.
Needs a live database (no --sql mode): the years come from the rows.
`flask --app lms totals check` compares the totals with the ledger afterwards. The ledger's
index by date now covers the user and the seconds (ix_daily_credit_date_user_seconds).
"""

import calendar
from datetime import date, timedelta

import sqlalchemy as sa
from alembic import op
from flask import current_app

# revision identifiers, used by Alembic.
revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

MONTHS = 24
daily = sa.table(
    "daily_credit",
    sa.column("user_id", sa.Integer),
    sa.column("local_date", sa.Date),
    sa.column("seconds", sa.Float),
)


def upgrade():
    columns = [
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("seconds", sa.Double(), nullable=False),
        sa.Column("weekend_seconds", sa.Double(), nullable=False),
    ]
    columns += [
        sa.Column(f"month_{n:02d}", sa.Double(), server_default="0", nullable=False)
        for n in range(MONTHS)
    ]
    op.create_table(
        "credit_total",
        *columns,
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id", "year"),
    )
    op.create_index(
        "ix_credit_total_year_user", "credit_total", ["year", "user_id", "seconds"], unique=False
    )
    _backfill(op.get_bind())
    # The ledger by date covers the user and the seconds: the forecast's recent weeks of a
    # province are read from the index alone.
    op.drop_index("ix_daily_credit_local_date", table_name="daily_credit")
    op.create_index(
        "ix_daily_credit_date_user_seconds",
        "daily_credit",
        ["local_date", "user_id", "seconds"],
        unique=False,
    )


def downgrade():
    op.drop_index("ix_daily_credit_date_user_seconds", table_name="daily_credit")
    op.create_index("ix_daily_credit_local_date", "daily_credit", ["local_date"], unique=False)
    op.drop_index("ix_credit_total_year_user", table_name="credit_total")
    op.drop_table("credit_total")


# --- the backfill: lms/core/statsyear.py and lms/tracking/totals.py as of this revision ----


def _clamp(year, month, day):
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))


def _backfill(bind) -> None:
    setting = tuple(int(part) for part in current_app.config["STATS_CUTOFF"].split("-"))
    plans = {
        year: (month, day)
        for year, month, day in bind.execute(
            sa.text("SELECT year, cutoff_month, cutoff_day FROM training_year")
        )
    }

    def cutoff(year):
        return plans.get(year, setting)

    def year_of(day):
        return day.year + 1 if day > _clamp(day.year, *cutoff(day.year)) else day.year

    def window(year):
        return _clamp(year - 1, *cutoff(year - 1)) + timedelta(days=1), _clamp(year, *cutoff(year))

    first, last = bind.execute(
        sa.select(sa.func.min(daily.c.local_date), sa.func.max(daily.c.local_date))
    ).one()
    if first is None:
        return
    if bind.dialect.name == "postgresql":
        weekend = sa.func.extract("isodow", daily.c.local_date) >= 6
    else:
        weekend = sa.cast(sa.func.strftime("%w", daily.c.local_date), sa.Integer).in_((0, 6))
    total = sa.table("credit_total", *(sa.column(name) for name in _names()))
    for year in range(year_of(first), year_of(last) + 1):
        start, end = window(year)
        starts, cursor = [start], date(start.year, start.month, 1)
        while (cursor := (cursor + timedelta(days=32)).replace(day=1)) <= end:
            starts.append(cursor)
        selected = [
            daily.c.user_id,
            sa.literal(year),
            sa.func.sum(daily.c.seconds),
            sa.func.sum(sa.case((weekend, daily.c.seconds), else_=0.0)),
        ]
        for n in range(MONTHS):
            if n >= len(starts):
                selected.append(sa.literal(0.0))
                continue
            in_month = daily.c.local_date >= starts[n]
            if n + 1 < len(starts):
                in_month = sa.and_(in_month, daily.c.local_date < starts[n + 1])
            selected.append(sa.func.sum(sa.case((in_month, daily.c.seconds), else_=0.0)))
        query = (
            sa.select(*selected)
            .where(daily.c.local_date >= start, daily.c.local_date <= end)
            .group_by(daily.c.user_id)
        )
        bind.execute(total.insert().from_select(_names(), query))


def _names():
    return ["user_id", "year", "seconds", "weekend_seconds"] + [
        f"month_{n:02d}" for n in range(MONTHS)
    ]
