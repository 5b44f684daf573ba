"""Supervisors' dashboards as SQL aggregations: overview, unit ranking, cadres, courses, API.

Every figure is computed by the database over one per-cadre subquery (``cadre_figures``):
each active cadre in scope with their hours in the year's statistics window, their quota
(the plan's rules as a SQL expression) and their forecast outlook (a CASE with the
constants of ``lms.tracking.forecast``). A page issues the same handful of queries however
many cadres it covers. The functions take a ``Scope`` and a ``Context`` and need no request,
so benchmarks and CLI commands can call them directly.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date

from flask import current_app
from sqlalchemy import and_, case, exists, func, literal, or_, select, true

from lms.accounts.models import User
from lms.core import statsyear
from lms.courses.models import Course, Enrollment, Lesson
from lms.extensions import db
from lms.offline.services import exempt_user_ids_query
from lms.org.models import Cadre, Unit
from lms.plans import rules as plan_rules
from lms.plans import services as plans
from lms.plans.models import TrainingYear
from lms.quizzes.models import Quiz, QuizResult
from lms.reports.sql import EXEMPT, ForecastClock, outlook_expression, quota_expression, rule_pairs
from lms.tracking.completion import completed_courses
from lms.tracking.forecast import Outlook
from lms.tracking.models import DailyCredit, LessonProgress

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
    from lms.core.timeutil import local_today

    plan = plans.get_plan(year) or plans.new_plan(year)  # unsaved: no rules, no query
    window = statsyear.window(year)
    config = current_app.config
    clock = ForecastClock.of(
        window, today or local_today(), config["FORECAST_WEEKS"], config["WEEKEND_HOURS_LIMIT"]
    )
    return Context(year, plan, window, clock)


# --- the per-cadre subquery ----------------------------------------------------------------


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
        conditions.append(plans.audience_clause(audience, plan.as_of, plan.limits))
    return conditions


def scoped_user_ids(scope: Scope, context: Context):
    """A select of the user ids of the scope's active cadres."""
    return (
        select(User.id)
        .select_from(Cadre)
        .join(User, User.id == Cadre.user_id)
        .join(Unit, Unit.id == User.unit_id)
        .where(*_scope_conditions(scope, context))
    )


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


def _credit_totals(scope: Scope, context: Context):
    """Seconds per cadre of the scope in the window, and in the forecast's recent weeks
    (summed per user; ``cadre_figures`` joins them to the scope's active cadres)."""
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


def cadre_figures(scope: Scope, context: Context):
    """A select of one row per active cadre in scope: user, unit, hours done, quota,
    exemption, outlook (callers make it a subquery, or a CTE when they read it twice)."""
    credit = _credit_totals(scope, context)
    plan = context.plan
    done = func.coalesce(credit.c.seconds, 0.0) / 3600.0
    recent = func.coalesce(credit.c.recent_seconds, 0.0) / 3600.0
    quota = quota_expression(rule_pairs(plan), plan.as_of, plan.limits, plans.audience_clause)
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
        )
        .select_from(Cadre)
        .join(User, User.id == Cadre.user_id)
        .join(Unit, Unit.id == User.unit_id)
        .outerjoin(credit, credit.c.user_id == User.id)
        .where(*_scope_conditions(scope, context))
        .subquery("cadre_base")
    )
    c = inner.c
    outlook = outlook_expression(
        c.done_hours, c.quota_hours, c.recent_hours, c.is_exempt, context.clock
    )
    return select(*inner.c, outlook.label("outlook"))


def _counted(condition):
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _tallies(figures) -> list:
    """The aggregates every unit row and the overview share, labelled."""
    expected = and_(figures.c.quota_hours > 0, figures.c.is_exempt == 0)
    return [
        func.count(figures.c.user_id).label("cadre_count"),
        _counted(figures.c.done_hours > 0).label("participants"),
        func.coalesce(func.sum(figures.c.done_hours), 0.0).label("credited_hours"),
        _counted(figures.c.outlook == Outlook.MET.value).label("meeting_quota"),
        _counted(expected).label("expected"),
        _counted(figures.c.is_exempt == 1).label("exempt"),
    ]


def _rate(part, whole) -> float | None:
    return part / whole if whole else None


class Rates:
    """The two rates every tally shows (on an object with the ``_tallies`` counts)."""

    @property
    def participation_rate(self) -> float | None:
        """Taking part: the share of the cadres with any credited hours in the year."""
        return _rate(self.participants, self.cadre_count)

    @property
    def meeting_rate(self) -> float | None:
        """Completion: the share of those who owe hours who have met their quota."""
        return _rate(self.meeting_quota, self.expected)


# --- the overview ------------------------------------------------------------------------


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


@dataclass(frozen=True)
class EnrollmentLine:
    kind: str  # REQUIRED or ELECTIVE
    enrolled: int
    completed: int

    @property
    def rate(self) -> float | None:
        return _rate(self.completed, self.enrolled)


@dataclass(frozen=True)
class QuizLine:
    quiz_id: int
    title: str
    results: int
    passed: int
    average_percent: float

    @property
    def pass_rate(self) -> float | None:
        return _rate(self.passed, self.results)


def build_overview(scope: Scope, context: Context) -> Overview:
    """Every figure of the overview page: four grouped queries, whatever the cadre count.

    The per-cadre rows are a CTE read twice in one statement (the tallies and the median),
    which PostgreSQL and SQLite compute once."""
    figures = cadre_figures(scope, context).cte("cadre_figures")
    outlook_counts = [_counted(figures.c.outlook == value).label(value) for value in OUTLOOKS]
    row = db.session.execute(
        select(
            *_tallies(figures),
            func.coalesce(func.avg(figures.c.done_hours), 0.0).label("average_hours"),
            func.coalesce(func.avg(figures.c.quota_hours), 0.0).label("average_quota"),
            *outlook_counts,
            median_hours(figures).label("median_hours"),
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
    overview.months, overview.weekend_hours, overview.weekday_hours = hours_by_month(scope, context)
    overview.enrollments = enrollment_completion(scope, context)
    overview.quizzes = quiz_pass_rates(scope, context)
    return overview


def median_hours(figures):
    """The median of the cadres' hours as a scalar subquery: the middle row (or the mean of
    the two middle rows) by window functions, which SQLite (3.25+) and PostgreSQL both have."""
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


def hours_by_month(scope: Scope, context: Context) -> tuple[list, float, float]:
    """Hours per month of the window (every month listed, empty ones as 0), and weekend
    (Saturday and Sunday) against weekday hours. The database sums per local date (at most
    366 rows, from the date index); those few rows are folded into months here, which is
    cheaper than date functions on every ledger row (SQLite's strftime is slow)."""
    start, end = context.window
    rows = db.session.execute(
        select(DailyCredit.local_date, func.sum(DailyCredit.seconds))
        .where(
            DailyCredit.local_date >= start,
            DailyCredit.local_date <= end,
            DailyCredit.user_id.in_(scoped_user_ids(scope, context)),
        )
        .group_by(DailyCredit.local_date)
    ).all()
    months = {}
    cursor = date(start.year, start.month, 1)
    while cursor <= end:
        months[cursor] = 0.0
        cursor = plan_rules.add_months(cursor, 1)
    weekend_hours = weekday_hours = 0.0
    for day, seconds in rows:
        hours = float(seconds or 0) / 3600
        months[day.replace(day=1)] += hours
        if day.weekday() >= 5:
            weekend_hours += hours
        else:
            weekday_hours += hours
    return sorted(months.items()), weekend_hours, weekday_hours


# --- courses -------------------------------------------------------------------------------


def _course_lessons():
    return (
        select(
            Lesson.course_id,
            func.count(Lesson.id).label("lessons"),
            func.coalesce(func.sum(Lesson.duration_seconds), 0.0).label("length"),
        )
        .group_by(Lesson.course_id)
        .subquery("course_lessons")
    )


def enrollment_rows(scope: Scope, context: Context):
    """One row per enrolment of a cadre in scope: course, kind, credited seconds, completed.

    Completed as on "My learning" and in the archive: the one rule of lms.tracking.completion.
    """
    progress = (
        select(
            LessonProgress.user_id,
            Lesson.course_id,
            func.count(LessonProgress.completed_at).label("done"),
            func.sum(LessonProgress.credited_seconds).label("credited"),
        )
        .join(Lesson, Lesson.id == LessonProgress.lesson_id)
        .where(*_limited_to_scope(LessonProgress.user_id, scope, context))
        .group_by(LessonProgress.user_id, Lesson.course_id)
        .subquery("course_progress")
    )
    lessons = _course_lessons()
    completion = completed_courses(lambda user: _limited_to_scope(user, scope, context))
    completed = completion.c.course_id.is_not(None)
    credited = func.coalesce(progress.c.credited, 0.0)
    length = func.coalesce(lessons.c.length, 0.0)
    coverage = case(
        (length <= 0, 0.0), (credited >= length, 1.0), else_=credited / case((length > 0, length))
    )
    query = (
        select(
            Enrollment.user_id,
            Enrollment.course_id,
            Enrollment.is_required,
            credited.label("credited"),
            coverage.label("coverage"),
            case((completed, 1), else_=0).label("completed"),
        )
        .outerjoin(
            progress,
            and_(
                progress.c.user_id == Enrollment.user_id,
                progress.c.course_id == Enrollment.course_id,
            ),
        )
        .outerjoin(lessons, lessons.c.course_id == Enrollment.course_id)
        .outerjoin(
            completion,
            and_(
                completion.c.user_id == Enrollment.user_id,
                completion.c.course_id == Enrollment.course_id,
            ),
        )
        .where(Enrollment.user_id.in_(scoped_user_ids(scope, context)))
    )
    if scope.course_kind == REQUIRED:
        query = query.where(Enrollment.is_required.is_(True))
    elif scope.course_kind == ELECTIVE:
        query = query.where(Enrollment.is_required.is_(False))
    return query.subquery("enrolments")


def enrollment_completion(scope: Scope, context: Context) -> list[EnrollmentLine]:
    """Enrolments and completed ones, required (assigned) and elective; one query."""
    rows = enrollment_rows(scope, context)
    found = {
        bool(is_required): (int(enrolled), int(completed or 0))
        for is_required, enrolled, completed in db.session.execute(
            select(rows.c.is_required, func.count(), func.sum(rows.c.completed)).group_by(
                rows.c.is_required
            )
        )
    }
    kinds = [(REQUIRED, True), (ELECTIVE, False)]
    if scope.course_kind:
        kinds = [k for k in kinds if k[0] == scope.course_kind]
    return [EnrollmentLine(kind, *found.get(flag, (0, 0))) for kind, flag in kinds]


@dataclass(frozen=True)
class CourseLine:
    course_id: int
    title: str
    enrolled: int
    in_progress: int
    completed: int
    average_coverage: float
    quiz_results: int = 0
    quiz_passed: int = 0
    quiz_average_percent: float | None = None

    @property
    def completion_rate(self) -> float | None:
        return _rate(self.completed, self.enrolled)

    @property
    def quiz_pass_rate(self) -> float | None:
        return _rate(self.quiz_passed, self.quiz_results)


def course_report(scope: Scope, context: Context) -> list[CourseLine]:
    """Per course with enrolled cadres in scope: enrolled, in progress, completed, average
    coverage, and the year's results of the course's quizzes; two grouped queries."""
    rows = enrollment_rows(scope, context)
    in_progress = and_(rows.c.completed == 0, rows.c.credited > 0)
    courses = db.session.execute(
        select(
            Course.id,
            Course.title,
            func.count(),
            _counted(in_progress),
            func.coalesce(func.sum(rows.c.completed), 0),
            func.coalesce(func.avg(rows.c.coverage), 0.0),
        )
        .join(rows, rows.c.course_id == Course.id)
        .group_by(Course.id, Course.title)
        .order_by(Course.title, Course.id)
    ).all()
    quizzes = {
        course_id: (int(results), int(passed or 0), float(average or 0))
        for course_id, results, passed, average in db.session.execute(
            _quiz_results([Quiz.course_id], scope, context).where(Quiz.course_id.is_not(None))
        )
    }
    lines = []
    for course_id, title, enrolled, progressing, completed, coverage in courses:
        results, passed, average = quizzes.get(course_id, (0, 0, None))
        lines.append(
            CourseLine(
                course_id,
                title,
                int(enrolled),
                int(progressing),
                int(completed),
                float(coverage),
                results,
                passed,
                average,
            )
        )
    return lines


@dataclass(frozen=True)
class LessonLine:
    """A lesson's figures among the cadres in scope, over all time (as its audience curve)."""

    lesson_id: int
    title: str
    duration_seconds: float
    viewers: int  # cadres in scope credited any time on the lesson
    completed: int
    credited_seconds: float

    @property
    def average_coverage(self) -> float | None:
        """The mean share of the lesson the viewers have really played."""
        return _rate(self.credited_seconds, self.viewers * self.duration_seconds)


def lesson_report(course: Course, scope: Scope, context: Context) -> list[LessonLine]:
    """Each lesson of ``course`` in order, with its viewers among the cadres in scope, those
    who completed it and their credited time; one grouped query."""
    progress = (
        select(
            LessonProgress.lesson_id,
            LessonProgress.credited_seconds,
            LessonProgress.completed_at,
        )
        .where(
            LessonProgress.credited_seconds > 0,
            LessonProgress.user_id.in_(scoped_user_ids(scope, context)),
        )
        .subquery("progress")
    )
    rows = db.session.execute(
        select(
            Lesson.id,
            Lesson.title,
            Lesson.duration_seconds,
            func.count(progress.c.lesson_id),
            func.count(progress.c.completed_at),
            func.coalesce(func.sum(progress.c.credited_seconds), 0.0),
        )
        .outerjoin(progress, progress.c.lesson_id == Lesson.id)
        .where(Lesson.course_id == course.id)
        .group_by(Lesson.id, Lesson.title, Lesson.duration_seconds, Lesson.position)
        .order_by(Lesson.position, Lesson.id)
    )
    return [
        LessonLine(lesson_id, title, float(length or 0), int(viewers), int(done), float(seconds))
        for lesson_id, title, length, viewers, done, seconds in rows
    ]


def _quiz_results(keys: list, scope: Scope, context: Context):
    """The year's quiz results of the cadres in scope grouped by ``keys``: the keys, then
    results, passed and average percent."""
    return (
        select(
            *keys,
            func.count(QuizResult.id),
            _counted(QuizResult.is_passed.is_(True)),
            func.avg(QuizResult.percent),
        )
        .join(QuizResult, QuizResult.quiz_id == Quiz.id)
        .where(
            QuizResult.year == context.year,
            QuizResult.user_id.in_(scoped_user_ids(scope, context)),
        )
        .group_by(*keys)
    )


def quiz_pass_rates(scope: Scope, context: Context) -> list[QuizLine]:
    """The year's results per quiz among the cadres in scope; one grouped query."""
    rows = db.session.execute(
        _quiz_results([Quiz.id, Quiz.title], scope, context).order_by(Quiz.title, Quiz.id)
    )
    return [
        QuizLine(quiz_id, title, int(results), int(passed), float(average or 0))
        for quiz_id, title, results, passed, average in rows
    ]


# --- units ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class UnitLine(Rates):
    """A unit's figures over its whole subtree."""

    id: int
    name: str
    path: str
    cadre_count: int
    participants: int
    credited_hours: float
    meeting_quota: int
    expected: int  # cadres with a quota and no exemption
    exempt: int
    has_children: bool = False


def _unit_lines(units_condition, scope: Scope, context: Context) -> list[UnitLine]:
    """Each unit matching ``units_condition`` with its subtree's figures, in one query: the
    cadres' figures are tallied per unit of their own first, and those few rows joined to
    the listed units by tree-path prefix (units x units, not units x cadres) and summed."""
    figures = cadre_figures(scope, context).subquery("cadre_figures")
    tallies = _tallies(figures)
    per_unit = (
        select(figures.c.tree_path, *tallies).group_by(figures.c.tree_path).subquery("per_unit")
    )
    parent_unit = Unit.__table__.alias("parent_unit")
    has_children = exists(
        select(parent_unit.c.id).where(parent_unit.c.parent_id == Unit.id)
    ).correlate(Unit)
    sums = [
        func.coalesce(func.sum(per_unit.c[tally.name]), 0).label(tally.name) for tally in tallies
    ]
    rows = db.session.execute(
        select(Unit.id, Unit.name, Unit.name_path, has_children.label("has_children"), *sums)
        .select_from(Unit)
        .outerjoin(per_unit, per_unit.c.tree_path.like(Unit.tree_path + literal("%")))
        .where(units_condition)
        .group_by(Unit.id, Unit.name, Unit.name_path)
        .order_by(Unit.name_path)
    ).all()
    return [
        UnitLine(
            row.id,
            row.name,
            row.name_path,
            int(row.cadre_count),
            int(row.participants),
            float(row.credited_hours),
            int(row.meeting_quota),
            int(row.expected),
            int(row.exempt),
            bool(row.has_children),
        )
        for row in rows
    ]


def rank_units(lines: list[UnitLine]) -> list[UnitLine]:
    """Best first: participation rate, then completion, then name (units without cadres last)."""
    return sorted(
        lines,
        key=lambda u: (
            -(u.participation_rate if u.participation_rate is not None else -1),
            -(u.meeting_rate if u.meeting_rate is not None else -1),
            u.path,
        ),
    )


def unit_ranking(parent: Unit | None, scope: Scope, context: Context) -> list[UnitLine]:
    """The direct sub-units of ``parent`` (top-level units for None), each over its subtree,
    ranked by participation and completion."""
    condition = Unit.parent_id.is_(None) if parent is None else Unit.parent_id == parent.id
    return rank_units(_unit_lines(condition, scope, context))


def units_in_scope(root: Unit | None, context: Context) -> list[UnitLine]:
    """Every unit of ``root``'s subtree (all units for None), each over its subtree."""
    condition = true() if root is None else Unit.tree_path.like(root.tree_path + "%")
    return _unit_lines(condition, Scope.of(root), context)


# --- cadres --------------------------------------------------------------------------------


@dataclass(frozen=True)
class CadreLine:
    user_id: int
    cadre_id: int
    name: str
    personnel_number: str
    unit_path: str
    done_hours: float
    quota_hours: float
    outlook: str


def cadres_query(unit: Unit | None, scope: Scope, context: Context, direct_only: bool = True):
    """The cadres of ``unit`` (directly in it, or in its whole subtree; None: everyone in
    scope) with their figures, those furthest behind first, then by name."""
    figures = cadre_figures(scope, context).subquery("cadre_figures")
    severity = case(
        {value: index for index, value in enumerate(reversed(OUTLOOKS[:4]))},
        value=figures.c.outlook,
        else_=len(OUTLOOKS),
    )
    query = (
        select(
            figures.c.user_id,
            figures.c.cadre_id,
            User.display_name,
            Cadre.personnel_number,
            Unit.name_path,
            figures.c.done_hours,
            figures.c.quota_hours,
            figures.c.outlook,
        )
        .join(User, User.id == figures.c.user_id)
        .join(Cadre, Cadre.id == figures.c.cadre_id)
        .join(Unit, Unit.id == figures.c.unit_id)
        .order_by(severity, User.display_name, User.id)
    )
    if unit is not None and direct_only:
        query = query.where(figures.c.unit_id == unit.id)
    elif unit is not None:
        query = query.where(figures.c.tree_path.like(unit.tree_path + "%"))
    return query


def iter_cadre_lines(query, batch: int = 500) -> Iterator[CadreLine]:
    """The rows of ``cadres_query`` read in batches, for exports of any size."""
    for row in db.session.execute(query.execution_options(yield_per=batch)):
        yield CadreLine(
            row[0], row[1], row[2], row[3], row[4], float(row[5]), float(row[6]), row[7]
        )


def cadre_lines(query) -> list[CadreLine]:
    return list(iter_cadre_lines(query))


def cadre_quotas_query(plan: TrainingYear):
    """(user id, online-hour quota) of every active cadre, the quota computed in SQL."""
    expression = quota_expression(rule_pairs(plan), plan.as_of, plan.limits, plans.audience_clause)
    return (
        select(User.id, expression.label("quota_hours"))
        .select_from(Cadre)
        .join(User, User.id == Cadre.user_id)
        .outerjoin(Unit, Unit.id == User.unit_id)
        .where(User.is_active_account.is_(True))
    )
