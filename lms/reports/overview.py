"""The overview page's figures: tallies, rates, the median and the hours by month."""

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, or_, select

from lms.extensions import db
from lms.plans import rules as plan_rules
from lms.reports.course_figures import enrollment_completion, quiz_pass_rates
from lms.reports.figures import (
    OUTLOOKS,
    Context,
    Rates,
    Scope,
    _counted,
    _rate,
    _tallies,
    cadre_figures,
    reads_totals,
    scoped_user_ids,
)
from lms.tracking.models import CreditTotal, DailyCredit
from lms.tracking.totals import MONTH_COLUMNS


@dataclass
class Overview(Rates):
    cadre_count: int = 0
    participants: int = 0
    exempt: int = 0
    expected: int = 0  # cadres with a quota and no exemption
    meeting_quota: int = 0
    credited_hours: float = 0.0
    average_hours: float = 0.0
    median_hours: float = 0.0
    average_quota: float = 0.0
    outlooks: dict = field(default_factory=dict)  # outlook -> cadres
    months: list = field(default_factory=list)  # (date of the month's first day, hours)
    weekend_hours: float = 0.0
    weekday_hours: float = 0.0
    enrollments: list = field(default_factory=list)  # EnrollmentLine per kind
    quizzes: list = field(default_factory=list)  # QuizLine

    def outlook_share(self, outlook: str) -> float | None:
        """Share of the cadres who owe hours (quota, no exemption) with this outlook."""
        return _rate(self.outlooks.get(outlook, 0), self.expected)


def build_overview(scope: Scope, context: Context) -> Overview:
    """Every figure of the overview page: three grouped queries, whatever the cadre count.

    The per-cadre rows are a CTE read twice in one statement (the tallies and the median),
    which PostgreSQL and SQLite compute once. For a whole statistics year the same statement
    sums the months and weekends from the totals kept with the ledger; a window cut short
    sums the ledger's days in one more query (``hours_by_month``)."""
    months = _months_of(context)
    from_totals = reads_totals(context)
    carried = ("weekend_seconds", *MONTH_COLUMNS[: len(months)]) if from_totals else ()
    # A CTE: each row's outlook and exemption are computed once, however often tallied.
    # (PostgreSQL 12+ would inline a CTE read once, computing the expressions per reference.)
    figures = (
        cadre_figures(scope, context, carried)
        .cte("cadre_figures")
        .prefix_with("MATERIALIZED", dialect="postgresql")
    )
    outlook_counts = [_counted(figures.c.outlook == value).label(value) for value in OUTLOOKS]
    sums = [func.coalesce(func.sum(figures.c[name]), 0.0) for name in carried]
    row = db.session.execute(
        select(
            *_tallies(figures),
            func.coalesce(func.avg(figures.c.done_hours), 0.0).label("average_hours"),
            func.coalesce(func.avg(figures.c.quota_hours), 0.0).label("average_quota"),
            *outlook_counts,
            median_hours(figures).label("median_hours"),
            *sums,
        )
    ).one()
    overview = Overview(
        cadre_count=int(row.cadre_count),
        participants=int(row.participants),
        exempt=int(row.exempt),
        expected=int(row.expected),
        meeting_quota=int(row.meeting_quota),
        credited_hours=float(row.credited_hours),
        average_hours=float(row.average_hours),
        average_quota=float(row.average_quota),
        median_hours=float(row.median_hours or 0.0),
        outlooks={value: int(getattr(row, value)) for value in OUTLOOKS},
    )
    if from_totals:
        weekend, *per_month = (float(value) / 3600 for value in row[len(row) - len(sums) :])
        overview.months = list(zip(sorted(months), per_month, strict=True))
        overview.weekend_hours = weekend
        overview.weekday_hours = overview.credited_hours - weekend
    else:
        overview.months, overview.weekend_hours, overview.weekday_hours = hours_by_month(
            scope, context
        )
    overview.enrollments = enrollment_completion(scope, context)
    overview.quizzes = quiz_pass_rates(scope, context)
    return overview


def median_hours(figures):
    """The median of the cadres' hours: on PostgreSQL an ordered-set aggregate of the rows
    being tallied; on SQLite a scalar subquery, the middle row (or the mean of the two
    middle rows) by window functions (SQLite 3.25+)."""
    if db.session.get_bind().dialect.name == "postgresql":
        return func.percentile_cont(0.5).within_group(figures.c.done_hours)
    ranked = select(
        figures.c.done_hours,
        func.row_number().over(order_by=figures.c.done_hours).label("position"),
        func.count().over().label("total"),
    ).subquery("ranked")
    return (
        select(func.avg(ranked.c.done_hours))
        .where(
            or_(
                ranked.c.position == (ranked.c.total + 1) // 2,
                ranked.c.position == (ranked.c.total + 2) // 2,
            )
        )
        .scalar_subquery()
    )


def _months_of(context: Context) -> dict:
    """The first day of every month of the window, each with 0 hours."""
    start, end = context.window
    months = {}
    cursor = date(start.year, start.month, 1)
    while cursor <= end:
        months[cursor] = 0.0
        cursor = plan_rules.add_months(cursor, 1)
    return months


def hours_by_month(scope: Scope, context: Context) -> tuple[list, float, float]:
    """Hours per month of the window (every month listed, empty ones as 0), and weekend
    (Saturday and Sunday) against weekday hours.

    For a whole statistics year they are sums of the totals kept with the ledger (one row per
    cadre: ``month_NN`` is the NN-th calendar month of the window). For a window cut short
    (the monthly report) the database sums per local date (at most 366 rows, from the date
    index) and those few rows are folded into months here, which is cheaper than date
    functions on every ledger row (SQLite's strftime is slow)."""
    start, end = context.window
    months = _months_of(context)
    if reads_totals(context):
        return _hours_from_totals(scope, context, months)
    rows = db.session.execute(
        select(DailyCredit.local_date, func.sum(DailyCredit.seconds))
        .where(
            DailyCredit.local_date >= start,
            DailyCredit.local_date <= end,
            DailyCredit.user_id.in_(scoped_user_ids(scope, context)),
        )
        .group_by(DailyCredit.local_date)
    ).all()
    weekend_hours = weekday_hours = 0.0
    for day, seconds in rows:
        hours = float(seconds or 0) / 3600
        months[day.replace(day=1)] += hours
        if day.weekday() >= 5:
            weekend_hours += hours
        else:
            weekday_hours += hours
    return sorted(months.items()), weekend_hours, weekday_hours


def _hours_from_totals(scope: Scope, context: Context, months: dict) -> tuple[list, float, float]:
    firsts = sorted(months)
    row = db.session.execute(
        select(
            func.coalesce(func.sum(CreditTotal.seconds), 0.0),
            func.coalesce(func.sum(CreditTotal.weekend_seconds), 0.0),
            *(
                func.coalesce(func.sum(CreditTotal.__table__.c[name]), 0.0)
                for name in MONTH_COLUMNS[: len(firsts)]
            ),
        ).where(
            CreditTotal.year == context.year,
            CreditTotal.user_id.in_(scoped_user_ids(scope, context)),
        )
    ).one()
    total, weekend = float(row[0]), float(row[1])
    for first, seconds in zip(firsts, row[2:], strict=True):
        months[first] = float(seconds) / 3600
    return sorted(months.items()), weekend / 3600, (total - weekend) / 3600
