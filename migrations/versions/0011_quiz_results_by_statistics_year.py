"""file quiz results under the statistics year of their attempts

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-28 16:00:00

A result used to be filed under the local calendar year of its attempts; it is now filed
under the statistics year, like the hours: an attempt submitted after its calendar year's
cut-off (that year's plan, else LMS_STATS_CUTOFF) counts toward the next year. This
re-files the results of every (user, quiz) with such an attempt, recomputing each year's
figures from the graded attempts by the quiz's counting rule (the rule of
lms/quizzes/grading.py, copied here so the migration does not change with the app code).
Attempts are not touched; a result left without attempts in its year is removed, as the
app would never have made it. The downgrade files them by calendar year again.

The rules are copied, not imported: a migration keeps meaning what it meant when written.
Needs a live database (no --sql mode): the years come from the rows.
"""

import calendar
from collections import defaultdict
from datetime import UTC, date, datetime
from itertools import groupby
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import context, op
from flask import current_app

# revision identifiers, used by Alembic.
revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

attempt = sa.table(
    "quiz_attempt",
    sa.column("user_id", sa.Integer),
    sa.column("quiz_id", sa.Integer),
    sa.column("number", sa.Integer),
    sa.column("status", sa.String),
    sa.column("submitted_at", sa.DateTime),
    sa.column("percent", sa.Float),
)
quiz = sa.table(
    "quiz",
    sa.column("id", sa.Integer),
    sa.column("counting_rule", sa.String),
    sa.column("pass_percent", sa.Float),
)
result = sa.table(
    "quiz_result",
    sa.column("id", sa.Integer),
    sa.column("user_id", sa.Integer),
    sa.column("quiz_id", sa.Integer),
    sa.column("year", sa.Integer),
    sa.column("percent", sa.Float),
    sa.column("is_passed", sa.Boolean),
    sa.column("attempt_count", sa.Integer),
    sa.column("updated_at", sa.DateTime),
)
training_year = sa.table(
    "training_year",
    sa.column("year", sa.Integer),
    sa.column("cutoff_month", sa.Integer),
    sa.column("cutoff_day", sa.Integer),
)


def _counted(rule, percents):
    if rule == "last":
        return percents[-1]
    if rule == "average":
        return round(sum(percents) / len(percents), 2)
    return max(percents)


class _Years:
    """Local calendar year and statistics year of a naive-UTC submission time."""

    def __init__(self, conn):
        config = current_app.config
        self.zone = ZoneInfo(config.get("TIMEZONE", "Asia/Shanghai"))
        month, day = (config.get("STATS_CUTOFF") or "11-30").strip().split("-")
        self.default = (int(month), int(day))
        self.cutoffs = {
            year: (month, day)
            for year, month, day in conn.execute(
                sa.select(
                    training_year.c.year, training_year.c.cutoff_month, training_year.c.cutoff_day
                )
            )
        }

    def local_date(self, moment):
        return moment.replace(tzinfo=UTC).astimezone(self.zone).date()

    def statistics(self, day):
        month, cut = self.cutoffs.get(day.year, self.default)
        cutoff = date(day.year, month, min(cut, calendar.monthrange(day.year, month)[1]))
        return day.year + 1 if day > cutoff else day.year


def _wanted(conn, years, by_statistics_year):
    """{(user_id, quiz_id): {year: [percent, ...] oldest first}} of each (user, quiz) with an
    attempt whose calendar and statistics years differ (the only ones that change)."""
    rows = conn.execute(
        sa.select(attempt.c.user_id, attempt.c.quiz_id, attempt.c.submitted_at, attempt.c.percent)
        .where(attempt.c.status == "graded", attempt.c.submitted_at.is_not(None))
        .order_by(attempt.c.user_id, attempt.c.quiz_id, attempt.c.submitted_at, attempt.c.number)
    )
    wanted = {}
    for pair, attempts in groupby(rows, key=lambda row: (row.user_id, row.quiz_id)):
        by_year, moved = {}, False
        for row in attempts:
            day = years.local_date(row.submitted_at)
            statistics = years.statistics(day)
            moved = moved or statistics != day.year
            year = statistics if by_statistics_year else day.year
            by_year.setdefault(year, []).append(row.percent or 0.0)
        if moved:
            wanted[pair] = by_year
    return wanted


def _refile(by_statistics_year):
    if context.is_offline_mode():
        raise RuntimeError("0011 re-files quiz results from the rows: run it on a live database")
    conn = op.get_bind()
    wanted = _wanted(conn, _Years(conn), by_statistics_year)
    if not wanted:
        return
    quizzes = {
        quiz_id: (rule, pass_percent)
        for quiz_id, rule, pass_percent in conn.execute(
            sa.select(quiz.c.id, quiz.c.counting_rule, quiz.c.pass_percent)
        )
    }
    existing = defaultdict(dict)  # (user_id, quiz_id) -> {year: result id}
    for result_id, user_id, quiz_id, year in conn.execute(
        sa.select(result.c.id, result.c.user_id, result.c.quiz_id, result.c.year)
    ):
        if (user_id, quiz_id) in wanted:
            existing[user_id, quiz_id][year] = result_id
    now = datetime.now(UTC).replace(tzinfo=None)
    deletes, updates, inserts = [], [], []
    for (user_id, quiz_id), by_year in wanted.items():
        rule, pass_percent = quizzes[quiz_id]
        have = existing.get((user_id, quiz_id), {})
        deletes += [{"result_id": rid} for year, rid in have.items() if year not in by_year]
        for year, percents in by_year.items():
            percent = _counted(rule, percents)
            figures = {
                "percent": percent,
                "is_passed": percent + 1e-9 >= pass_percent,
                "attempt_count": len(percents),
                "updated_at": now,
            }
            if year in have:
                updates.append(
                    {"result_id": have[year], **{f"new_{k}": v for k, v in figures.items()}}
                )
            else:
                inserts.append({"user_id": user_id, "quiz_id": quiz_id, "year": year, **figures})
    if deletes:
        conn.execute(result.delete().where(result.c.id == sa.bindparam("result_id")), deletes)
    if updates:
        conn.execute(
            result.update()
            .where(result.c.id == sa.bindparam("result_id"))
            .values(
                percent=sa.bindparam("new_percent"),
                is_passed=sa.bindparam("new_is_passed"),
                attempt_count=sa.bindparam("new_attempt_count"),
                updated_at=sa.bindparam("new_updated_at"),
            ),
            updates,
        )
    if inserts:
        conn.execute(result.insert(), inserts)


def upgrade():
    _refile(by_statistics_year=True)


def downgrade():
    _refile(by_statistics_year=False)
