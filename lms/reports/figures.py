"""The ground every dashboard stands on: the scope, the year's context and the per-cadre figures.

Every figure is computed by the database over one per-cadre subquery (``cadre_figures``):
each active cadre in scope with their hours in the year's statistics window (read from the
totals kept with the ledger, ``lms.tracking.totals``: one row per cadre), their quota
(the plan's rules as a SQL expression) and their forecast outlook (a CASE with the
constants of ``lms.tracking.forecast``). A page issues the same handful of queries however
many cadres it covers. The functions take a ``Scope`` and a ``Context`` and need no request,
so benchmarks and CLI commands can call them directly.
"""

from dataclasses import dataclass
from datetime import date

from flask import current_app, g
from sqlalchemy import Numeric, and_, case, cast, exists, func, select

from lms.accounts.models import User
from lms.core import statsyear
from lms.core.timeutil import local_today
from lms.extensions import db
from lms.offline.figures import exempt_user_ids_query
from lms.org.models import Cadre, Unit
from lms.plans import rules as plan_rules
from lms.plans.audiences import audience_clause
from lms.plans.models import TrainingYear
from lms.plans.years import get_plan, new_plan
from lms.reports.sql import EXEMPT, ForecastClock, outlook_expression, quota_expression, rule_pairs
from lms.tracking import recent as recent_sums
from lms.tracking.forecast import Outlook
from lms.tracking.models import CreditTotal, DailyCredit, RecentCredit

OUTLOOKS = (
    Outlook.MET.value,
    Outlook.ON_TRACK.value,
    Outlook.AT_RISK.value,
    Outlook.BEHIND.value,
    Outlook.EARLY.value,
    Outlook.NO_QUOTA.value,
    EXEMPT,
)
REQUIRED, ELECTIVE = "required", "elective"


@dataclass(frozen=True)
class Scope:
    """Whose figures: a subtree (None: everyone, for admins) and the cadre filters."""

    unit: Unit | None = None
    category_id: int | None = None
    priority_group: str | None = None
    course_kind: str | None = None  # REQUIRED, ELECTIVE or None (both), for course figures
    whole_tree: bool = False  # ``unit`` is the only top-level unit: its subtree is every unit

    @classmethod
    def of(cls, unit: Unit | None, **filters) -> "Scope":
        """The scope of ``unit``'s subtree, noting when that subtree is the whole tree (a
        province's organization department): its figures need no filter by unit."""
        return cls(unit=unit, whole_tree=spans_whole_tree(unit), **filters)

    @property
    def is_everyone(self) -> bool:
        """No cadre filter and no unit, or the whole tree's: every active cadre."""
        unfiltered = self.category_id is None and not self.priority_group
        return unfiltered and (self.unit is None or self.whole_tree)


def spans_whole_tree(unit: Unit | None) -> bool:
    """Whether ``unit``'s subtree holds every unit: None, or the only top-level unit."""
    if unit is None:
        return True
    if unit.parent_id is not None:
        return False
    other_roots = select(Unit.id).where(Unit.parent_id.is_(None), Unit.id != unit.id)
    return not db.session.scalar(select(exists(other_roots)))


@dataclass(frozen=True)
class Context:
    """The year's constants: plan (saved or the settings' defaults), window, forecast clock."""

    year: int
    plan: TrainingYear
    window: tuple[date, date]
    clock: ForecastClock


def make_context(year: int, today: date | None = None) -> Context:
    """The context of ``year``'s figures, seen on ``today`` (default: the local date)."""
    plan = get_plan(year) or new_plan(year)  # unsaved: no rules, no query
    window = statsyear.window(year)
    config = current_app.config
    clock = ForecastClock.of(
        window, today or local_today(), config["FORECAST_WEEKS"], config["WEEKEND_HOURS_LIMIT"]
    )
    return Context(year, plan, window, clock)


def _scope_conditions(scope: Scope, context: Context) -> list:
    """Conditions on Cadre/User/Unit for the active cadres of the scope."""
    conditions = [User.is_active_account.is_(True)]
    if scope.unit is not None and not scope.whole_tree:
        conditions.append(Unit.tree_path.like(scope.unit.tree_path + "%"))
    if scope.category_id is not None:
        conditions.append(Cadre.category_id == scope.category_id)
    if scope.priority_group:
        audience = plan_rules.Audience(priority_group=scope.priority_group)
        plan = context.plan
        conditions.append(audience_clause(audience, plan.as_of, plan.limits))
    return conditions


def scoped_user_ids(scope: Scope, context: Context):
    """A select of the user ids of the scope's active cadres.

    It reads a CTE made once per scope and context (kept for the app context): a statement
    that filters several of its parts by the scope names one CTE, which the database
    computes once and hashes, rather than finding the subtree's cadres for each part."""
    cache = g.setdefault("_scoped_user_ids", {})
    key = (scope, context)
    cte = cache.get(key)
    if cte is None:
        cte = cache[key] = (
            select(User.id.label("user_id"))
            .select_from(Cadre)
            .join(User, User.id == Cadre.user_id)
            .join(Unit, Unit.id == User.unit_id)
            .where(*_scope_conditions(scope, context))
            .cte("scoped_users")
        )
    return select(cte.c.user_id)


def _limited_to_scope(column, scope: Scope, context: Context) -> list:
    """``column IN (the scope's cadres)`` for a grouped subquery that a join to the scope's
    cadres filters again anyway, so a small unit never sums a whole province's rows.

    For every cadre (the whole tree, unfiltered) PostgreSQL is spared the list: hashing each
    ledger row against every cadre costs more than the join it repeats. SQLite keeps it: the
    list is what makes it read the ledger through the (user, date, seconds) index, cadre by
    cadre, rather than by date through the table (five times slower on a province's year).
    """
    if scope.is_everyone and db.session.get_bind().dialect.name == "postgresql":
        return []
    return [column.in_(scoped_user_ids(scope, context))]


def reads_totals(context: Context) -> bool:
    """Whether the context's window is its statistics year's whole window, whose hours the
    totals kept with the ledger hold (``lms.tracking.totals``). A window cut short (the
    monthly report, as of a month's end) is summed from the ledger's days."""
    return context.window == statsyear.window(context.year)


def _ledger_credit(scope: Scope, context: Context):
    """Seconds per cadre of the scope in the window, and in the forecast's recent weeks,
    summed from the ledger (per user; ``cadre_figures`` joins them to the scope's cadres)."""
    start, end = context.window
    recent = case(
        (DailyCredit.local_date >= context.clock.recent_from, DailyCredit.seconds), else_=0.0
    )
    return (
        select(
            DailyCredit.user_id,
            func.sum(DailyCredit.seconds).label("seconds"),
            func.sum(recent).label("recent_seconds"),
        )
        .where(
            DailyCredit.local_date >= start,
            DailyCredit.local_date <= end,
            *_limited_to_scope(DailyCredit.user_id, scope, context),
        )
        .group_by(DailyCredit.user_id)
        .subquery("credit")
    )


def _credit_sources(scope: Scope, context: Context, columns: tuple[str, ...] = ()):
    """(subquery with ``user_id`` and ``seconds``, [(subquery, column of recent seconds)]):
    the year's totals and the forecast's recent weeks, or one ledger sum for both when the
    window is cut short (``reads_totals``). ``columns`` names more columns of the totals to
    carry along (the overview's months). A cadre's recent seconds are the sum of the
    columns (each NULL without rows)."""
    if not reads_totals(context):
        credit = _ledger_credit(scope, context)
        return credit, [(credit, "recent_seconds")]
    more = [CreditTotal.__table__.c[name] for name in columns]
    totals = (
        select(CreditTotal.user_id, CreditTotal.seconds, *more)
        .where(
            CreditTotal.year == context.year,
            *_limited_to_scope(CreditTotal.user_id, scope, context),
        )
        .subquery("credit")
    )
    return totals, _recent_sources(scope, context)


def _recent_sources(scope: Scope, context: Context) -> list:
    """The forecast's pace: the last weeks' days, a sliding window no total can hold. When
    today's sums of the days before today are built and valid (``lms.tracking.recent``),
    those and today's ledger days; otherwise the ledger's days of the whole window."""
    clock = context.clock
    ledger_from = clock.recent_from
    parts = []
    if recent_sums.is_valid_for(db.session, clock.recent_from, clock.today):
        kept = (
            select(RecentCredit.user_id, RecentCredit.seconds.label("kept_seconds"))
            .where(*_limited_to_scope(RecentCredit.user_id, scope, context))
            .subquery("recent_kept")
        )
        parts.append((kept, "kept_seconds"))
        ledger_from = clock.today
    days = (
        select(DailyCredit.user_id, func.sum(DailyCredit.seconds).label("recent_seconds"))
        .where(
            DailyCredit.local_date >= ledger_from,
            DailyCredit.local_date <= context.window[1],
            *_limited_to_scope(DailyCredit.user_id, scope, context),
        )
        .group_by(DailyCredit.user_id)
        .subquery("recent")
    )
    return [*parts, (days, "recent_seconds")]


def cadre_figures(scope: Scope, context: Context, totals_columns: tuple[str, ...] = ()):
    """A select of one row per active cadre in scope: user, unit, hours done, quota,
    exemption, outlook (callers make it a subquery, or a CTE when they read it twice).

    ``totals_columns``: columns of the totals kept with the ledger to add as they are (0 for
    a cadre without totals), for a whole year's window only (``reads_totals``)."""
    credit, recent_parts = _credit_sources(scope, context, totals_columns)
    carried = [credit.c[name] for name in totals_columns]  # NULL without totals: sums skip it
    plan = context.plan
    done = func.coalesce(credit.c.seconds, 0.0) / 3600.0
    recent_seconds = [func.coalesce(part.c[name], 0.0) for part, name in recent_parts]
    recent = sum(recent_seconds[1:], recent_seconds[0]) / 3600.0
    quota = quota_expression(rule_pairs(plan), plan.as_of, plan.limits, audience_clause)
    start, end = context.window
    is_exempt = case((User.id.in_(exempt_user_ids_query(start, end)), 1), else_=0)
    inner = (
        select(
            User.id.label("user_id"),
            User.unit_id.label("unit_id"),
            Unit.tree_path.label("tree_path"),
            Cadre.id.label("cadre_id"),
            done.label("done_hours"),
            recent.label("recent_hours"),
            quota.label("quota_hours"),
            is_exempt.label("is_exempt"),
            *carried,
        )
        .select_from(Cadre)
        .join(User, User.id == Cadre.user_id)
        .join(Unit, Unit.id == User.unit_id)
        .outerjoin(credit, credit.c.user_id == User.id)
    )
    for part, _name in recent_parts:
        if part is not credit:
            inner = inner.outerjoin(part, part.c.user_id == User.id)
    inner = inner.where(*_scope_conditions(scope, context)).subquery("cadre_base")
    c = inner.c
    outlook = outlook_expression(
        c.done_hours, c.quota_hours, c.recent_hours, c.is_exempt, context.clock
    )
    return select(
        *inner.c, shown_hours(c.done_hours).label("shown_hours"), outlook.label("outlook")
    )


def shown_hours(done_hours):
    """Hours as the pages show them (one decimal), so a figure never contradicts its number."""
    return func.round(cast(done_hours, Numeric), 1)


def took_part(figures_columns):
    """THE definition of taking part (参学), the one SQL condition every page counts with.

    A cadre took part in the year when they are not exempted and their credited hours, as
    shown (one decimal), are above zero and at least ``PARTICIPATION_MIN_SHARE`` (10 %) of
    their quota. A cadre whom no rule gives a quota takes part with any credited hours
    (their quota is 0). Exempted cadres neither take part nor count in the rate's base
    (``Rates.participation_rate``: participants over cadres less the exempted).
    """
    c = figures_columns
    shown = c.shown_hours
    share = current_app.config["PARTICIPATION_MIN_SHARE"]
    return and_(c.is_exempt == 0, shown > 0, shown >= c.quota_hours * share)


def _counted(condition):
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _tallies(figures) -> list:
    """The aggregates every unit row and the overview share, labelled."""
    expected = and_(figures.c.quota_hours > 0, figures.c.is_exempt == 0)
    return [
        func.count(figures.c.user_id).label("cadre_count"),
        _counted(took_part(figures.c)).label("participants"),
        func.coalesce(func.sum(figures.c.done_hours), 0.0).label("credited_hours"),
        _counted(figures.c.outlook == Outlook.MET.value).label("meeting_quota"),
        _counted(expected).label("expected"),
        _counted(figures.c.is_exempt == 1).label("exempt"),
    ]


def _rate(part, whole) -> float | None:
    return part / whole if whole else None


def rate_of(part: str, whole: str, doc: str | None = None) -> property:
    """A read-only attribute: the attribute ``part`` over ``whole`` (None when it is 0)."""
    return property(lambda line: _rate(getattr(line, part), getattr(line, whole)), doc=doc)


class Rates:
    """The two rates every tally shows (on an object with the ``_tallies`` counts)."""

    @property
    def participation_rate(self) -> float | None:
        """参学率: the share of the cadres not exempted who took part (``took_part``)."""
        return _rate(self.participants, self.cadre_count - self.exempt)

    meeting_rate = rate_of(
        "meeting_quota",
        "expected",
        "Completion: the share of those who owe hours who have met their quota.",
    )
