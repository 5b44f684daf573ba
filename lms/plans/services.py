"""The annual plan's rules at work: plans, quota rules, audiences, assignments, copy and seed.

Many-cadre questions are answered without a query per cadre, in one of two ways:

- **Quotas** (several rules, highest of each figure): the facts the rules look at are loaded
  for the whole subtree in one narrow query and the pure ``rules.resolve_quota`` is applied
  in Python. Rules are few and cadres many, so this is one scan; the pure function stays the
  single definition of "highest of each figure".
- **Who is in one audience** (preview counts, enrolments for assignments, hours in required
  courses): the audience becomes a SQL condition (``audience_clause``) built from the same
  boundary dates as the pure ``rules.matches``, so the database counts, selects and sums; a
  test checks both agree.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from babel.numbers import format_decimal
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import and_, false, func, insert, or_, select, true, update

from lms.accounts.models import User
from lms.core import statsyear
from lms.core.database import user_ids_filter
from lms.core.errors import LmsError
from lms.core.i18n import current_locale
from lms.courses.models import Course, Enrollment, Lesson
from lms.extensions import db
from lms.org.categories import ensure_default_categories
from lms.org.models import Cadre, CadreCategory, Unit
from lms.org.tree import tree_path_ids
from lms.org.visibility import can_see_unit
from lms.plans import rules
from lms.plans.models import Assignment, QuotaRule, TrainingYear
from lms.tracking.models import DailyCredit, LessonView

MAX_ONLINE_HOURS = 2000
MAX_OFFLINE_DAYS = 366
MAX_RANK = 100
ID_CHUNK = 500  # ids per IN (...) list in bulk updates


class PlanError(LmsError):
    """A plan rule was broken; the message is shown to the user."""


# --- plans and statistics years ----------------------------------------------------------


def get_plan(year: int) -> TrainingYear | None:
    return db.session.scalar(select(TrainingYear).where(TrainingYear.year == year))


def new_plan(year: int) -> TrainingYear:
    """An unsaved plan for ``year`` with the defaults from the settings."""
    config = current_app.config
    month, day = statsyear.setting_cutoff()
    return TrainingYear(
        year=year,
        cutoff_month=month,
        cutoff_day=day,
        hours_per_training_day=float(config["HOURS_PER_TRAINING_DAY"]),
        young_age_limit=int(config["YOUNG_CADRE_AGE"]),
        newly_promoted_months=int(config["NEWLY_PROMOTED_MONTHS"]),
    )


def ensure_plan(year: int) -> TrainingYear:
    """The year's plan, created with the defaults from the settings when missing."""
    plan = get_plan(year)
    if plan is None:
        plan = new_plan(year)
        db.session.add(plan)
        db.session.flush()
    return plan


def update_plan_settings(
    plan: TrainingYear,
    cutoff: str,
    hours_per_training_day: float,
    young_age_limit: int,
    newly_promoted_months: int,
) -> None:
    """Change a plan's cut-off and priority-group parameters."""
    try:
        plan.cutoff_month, plan.cutoff_day = statsyear.parse_cutoff(cutoff)
    except ValueError as exc:
        raise PlanError(_("Give the cut-off as month-day, for example 11-30.")) from exc
    plan.hours_per_training_day = float(hours_per_training_day)
    plan.young_age_limit = int(young_age_limit)
    plan.newly_promoted_months = int(newly_promoted_months)
    db.session.flush()


def plan_cutoff(year: int) -> tuple[int, int] | None:
    """The cut-off of ``year``'s plan, None without one (statsyear's source of cut-offs)."""
    plan = get_plan(year)
    return plan.cutoff if plan else None


def online_seconds(user_id: int, year: int) -> float:
    """Seconds credited to a cadre in ``year``'s statistics window (cut-off respected)."""
    start, end = statsyear.window(year)
    return float(
        db.session.scalar(
            select(func.coalesce(func.sum(DailyCredit.seconds), 0.0)).where(
                DailyCredit.user_id == user_id,
                DailyCredit.local_date >= start,
                DailyCredit.local_date <= end,
            )
        )
    )


def online_seconds_by_user(year: int, unit: Unit | None = None) -> dict[int, float]:
    """Seconds in ``year``'s window per user of a subtree (everyone: None); one query."""
    start, end = statsyear.window(year)
    query = (
        select(DailyCredit.user_id, func.sum(DailyCredit.seconds))
        .where(DailyCredit.local_date >= start, DailyCredit.local_date <= end)
        .group_by(DailyCredit.user_id)
    )
    if unit is not None:
        # A semi-join, not a join: SQLite then reads the ledger cadre by cadre through the
        # (user, date) index instead of the whole window by date (a province: 45 ms, not 470).
        in_subtree = (
            select(User.id)
            .join(Unit, Unit.id == User.unit_id)
            .where(Unit.tree_path.like(unit.tree_path + "%"))
        )
        query = query.where(DailyCredit.user_id.in_(in_subtree))
    return {user_id: float(seconds or 0) for user_id, seconds in db.session.execute(query)}


def required_seconds(user, year: int) -> float:
    """Seconds credited in the year's window on courses assigned to the cadre that year."""
    plan = get_plan(year)
    if plan is None:
        return 0.0
    return required_seconds_by_user(plan, [user.id]).get(user.id, 0.0)


def required_seconds_by_user(plan: TrainingYear, users, window=None) -> dict[int, float]:
    """Seconds credited in ``window`` (default: the plan's statistics window) on courses the
    plan assigns to each cadre of ``users`` (a select of user ids, or a few ids).

    The one definition of hours in required courses, for one cadre and for a province: a
    viewing session counts when its course is assigned by an assignment whose audience holds
    for the viewer (``audience_clause``, the SQL twin of ``rules.matches``). Two queries
    however many cadres: the plan's course assignments, then one grouped sum. Cadres with
    nothing to count are left out.
    """
    of_users = user_ids_filter(LessonView.user_id, users)
    if of_users is None:
        return {}
    audiences: dict[int, list] = defaultdict(list)  # course id -> audience conditions
    for assignment in db.session.scalars(
        select(Assignment).where(
            Assignment.training_year_id == plan.id, Assignment.course_id.is_not(None)
        )
    ):
        clause = audience_clause(assignment.audience, plan.as_of, plan.limits)
        audiences[assignment.course_id].append(clause)
    if not audiences:
        return {}
    assigned = or_(
        *(
            and_(Lesson.course_id == course_id, or_(*clauses))
            for course_id, clauses in sorted(audiences.items())
        )
    )
    start, end = statsyear.utc_bounds(window or plan.window)
    rows = db.session.execute(
        select(LessonView.user_id, func.sum(LessonView.credited_seconds))
        .join(Lesson, Lesson.id == LessonView.lesson_id)
        .join(User, User.id == LessonView.user_id)
        .join(Cadre, Cadre.user_id == User.id)
        .outerjoin(Unit, Unit.id == User.unit_id)
        .where(
            of_users,
            Lesson.course_id.in_(sorted(audiences)),
            LessonView.opened_at >= start,
            LessonView.opened_at < end,
            assigned,
        )
        .group_by(LessonView.user_id)
    )
    return {user_id: float(seconds or 0) for user_id, seconds in rows}


# --- cadre facts and quotas --------------------------------------------------------------


def _facts_query():
    return (
        select(
            User.id,
            User.unit_id,
            Unit.tree_path,
            Cadre.category_id,
            Cadre.rank,
            Cadre.date_of_birth,
            Cadre.is_reserve,
            Cadre.last_promoted_on,
            Cadre.is_key_position,
        )
        .join(User, User.id == Cadre.user_id)
        .outerjoin(Unit, Unit.id == User.unit_id)
    )


def cadre_facts(user) -> rules.CadreFacts | None:
    """The facts the rules look at for one user (None when they have no cadre record)."""
    row = db.session.execute(_facts_query().where(User.id == user.id)).first()
    return rules.CadreFacts(*row) if row else None


def facts_in_subtree(unit: Unit | None = None) -> list[rules.CadreFacts]:
    """Facts of every active cadre below ``unit`` (everyone: None), in one query."""
    query = _facts_query().where(User.is_active_account.is_(True))
    if unit is not None:
        query = query.where(Unit.tree_path.like(unit.tree_path + "%"))
    return [rules.CadreFacts(*row) for row in db.session.execute(query)]


def rule_figures(plan: TrainingYear) -> list[rules.RuleFigures]:
    return [rule.figures for rule in plan.quota_rules]


def quotas_for_cadres(plan: TrainingYear, unit: Unit | None = None) -> dict[int, rules.Quota]:
    """Every active cadre's quota in a subtree, by user id: one query, then the pure rules."""
    figures = rule_figures(plan)
    return {
        facts.user_id: rules.resolve_quota(figures, facts, plan.as_of, plan.limits)
        for facts in facts_in_subtree(unit)
    }


def quota_for_user(user, year: int) -> rules.Quota | None:
    """A cadre's quota for ``year``; None when the year has no plan or they are no cadre."""
    plan = get_plan(year)
    facts = cadre_facts(user)
    if plan is None or facts is None:
        return None
    return rules.resolve_quota(rule_figures(plan), facts, plan.as_of, plan.limits)


def quota_summary(user, year: int) -> dict:
    """The quota figures the API and "My learning" show beside a year's hours.

    ``counted_hours`` are the hours in the year's statistics window (the cut-off applied),
    the figure the quota is measured against; ``quota_hours`` is None without a plan. An
    approved exemption reduces the quota in proportion to the part of the year it covers
    (to 0 when it waives the year), as the assessment counts it.
    """
    from lms.offline.figures import quota_factors

    quota = quota_for_user(user, year)
    factor = quota_factors([user.id], *statsyear.window(year)).get(user.id, 1.0) if quota else 1
    return {
        "quota_hours": round(quota.online_hours * factor, 1) if quota else None,
        "required_quota_hours": round(quota.required_hours * factor, 1) if quota else None,
        "required_hours_done": round(required_seconds(user, year) / 3600, 1),
        "counted_hours": round(online_seconds(user.id, year) / 3600, 1),
    }


def forecast_for(user, today: date, year: int | None = None):
    """A cadre's forecast for ``year`` (default: the one ``today`` counts toward), or None.

    None when the year has no online quota for them, or an approved exemption overlaps the
    year (an exempted cadre owes a reduced or no quota: no forecast, as on the dashboards).
    A past year is seen from its cut-off, a future one from its first day.
    """
    from lms.offline.figures import exempt_user_ids_query
    from lms.tracking.forecast import forecast

    year = year or statsyear.current_year(today)
    quota = quota_for_user(user, year)
    if quota is None or quota.online_hours <= 0:
        return None
    start, end = statsyear.window(year)
    exempt = exempt_user_ids_query(start, end)
    if db.session.scalar(exempt.where(exempt.selected_columns.user_id == user.id)) is not None:
        return None
    today = min(max(today, start), end)
    weeks = current_app.config["FORECAST_WEEKS"]
    recent_from = max(start, today - timedelta(days=weeks * 7 - 1))
    rows = db.session.execute(
        select(DailyCredit.local_date, DailyCredit.seconds).where(
            DailyCredit.user_id == user.id,
            DailyCredit.local_date >= start,
            DailyCredit.local_date <= today,
        )
    ).all()
    done = sum(seconds for _day, seconds in rows) / 3600
    recent = sum(seconds for day, seconds in rows if day >= recent_from) / 3600
    return forecast(
        done_hours=round(done, 2),
        quota_hours=quota.online_hours,
        recent_hours=recent,
        recent_days=(today - recent_from).days + 1,
        today=today,
        cutoff=end,
        weekend_limit_hours=current_app.config["WEEKEND_HOURS_LIMIT"],
        is_early=statsyear.just_begun((start, end), today, weeks * 7),
    )


# --- audiences in SQL --------------------------------------------------------------------


def audience_clause(audience: rules.Audience, as_of: date, limits: rules.Limits):
    """The SQL twin of ``rules.matches`` over Cadre joined with User and Unit."""
    conditions = []
    if audience.unit_id is not None:
        if audience.include_sub_units:
            conditions.append(Unit.tree_path.like((audience.unit_tree_path or "\0") + "%"))
        else:
            conditions.append(User.unit_id == audience.unit_id)
    if audience.category_id is not None:
        conditions.append(Cadre.category_id == audience.category_id)
    if rules.normalize_rank(audience.rank):
        conditions.append(func.trim(Cadre.rank) == rules.normalize_rank(audience.rank))
    group = audience.priority_group
    if group == rules.RESERVE:
        conditions.append(Cadre.is_reserve.is_(True))
    elif group == rules.KEY_POSITION:
        conditions.append(Cadre.is_key_position.is_(True))
    elif group == rules.YOUNG:
        conditions.append(
            Cadre.date_of_birth > rules.young_born_after(as_of, limits.young_age_limit)
        )
    elif group == rules.NEWLY_PROMOTED:
        conditions.append(
            Cadre.last_promoted_on >= rules.promoted_since(as_of, limits.newly_promoted_months)
        )
    elif group:
        conditions.append(false())
    return and_(*conditions) if conditions else true()


def _audience_users(audience: rules.Audience, plan: TrainingYear):
    """A select of the active cadres' user ids in the audience."""
    return (
        select(User.id)
        .select_from(Cadre)
        .join(User, User.id == Cadre.user_id)
        .outerjoin(Unit, Unit.id == User.unit_id)
        .where(User.is_active_account.is_(True))
        .where(audience_clause(audience, plan.as_of, plan.limits))
    )


def count_audience(audience: rules.Audience, plan: TrainingYear, within: Unit | None = None) -> int:
    """How many active cadres an audience matches (below ``within`` when given)."""
    query = _audience_users(audience, plan)
    if within is not None:
        query = query.where(Unit.tree_path.like(within.tree_path + "%"))
    return db.session.scalar(select(func.count()).select_from(query.subquery()))


def audience_user_ids(audience: rules.Audience, plan: TrainingYear) -> set[int]:
    return set(db.session.scalars(_audience_users(audience, plan)))


# --- editing audiences and rules ---------------------------------------------------------


@dataclass
class AudienceInput:
    """An audience as submitted: objects already looked up, text not yet checked."""

    unit: Unit | None = None
    include_sub_units: bool = True
    category: CadreCategory | None = None
    rank: str | None = None
    priority_group: str | None = None

    def as_audience(self) -> rules.Audience:
        return rules.Audience(
            unit_id=self.unit.id if self.unit else None,
            unit_tree_path=self.unit.tree_path if self.unit else None,
            include_sub_units=self.include_sub_units,
            category_id=self.category.id if self.category else None,
            rank=rules.normalize_rank(self.rank) or None,
            priority_group=self.priority_group or None,
        )


def _apply_audience(target, audience: AudienceInput) -> None:
    rank = rules.normalize_rank(audience.rank)
    if len(rank) > MAX_RANK:
        raise PlanError(_("A rank can have at most %(count)d characters.", count=MAX_RANK))
    if audience.priority_group and audience.priority_group not in rules.PRIORITY_GROUPS:
        raise PlanError(_("Choose one of the priority groups."))
    target.unit = audience.unit
    target.unit_id = audience.unit.id if audience.unit else None
    target.include_sub_units = bool(audience.include_sub_units)
    target.category = audience.category
    target.category_id = audience.category.id if audience.category else None
    target.rank = rank or None
    target.priority_group = audience.priority_group or None


def _check_figures(online_hours: float, required_hours: float, offline_days: float) -> None:
    if not 0 <= online_hours <= MAX_ONLINE_HOURS:
        raise PlanError(_("Online hours must be between 0 and %(max)d.", max=MAX_ONLINE_HOURS))
    if not 0 <= required_hours <= online_hours:
        raise PlanError(_("The hours from required courses cannot exceed the online hours."))
    if not 0 <= offline_days <= MAX_OFFLINE_DAYS:
        raise PlanError(_("Training days must be between 0 and %(max)d.", max=MAX_OFFLINE_DAYS))
    if online_hours == 0 and offline_days == 0:
        raise PlanError(_("A rule must ask for online hours or training days."))


def save_rule(
    plan: TrainingYear,
    rule: QuotaRule | None,
    audience: AudienceInput,
    online_hours: float,
    required_hours: float,
    offline_days: float,
) -> QuotaRule:
    """Create (``rule`` None) or change a quota rule of ``plan``."""
    _check_figures(float(online_hours), float(required_hours), float(offline_days))
    if rule is None:
        rule = QuotaRule(training_year=plan)
        db.session.add(rule)
    _apply_audience(rule, audience)
    rule.online_hours = float(online_hours)
    rule.required_hours = float(required_hours)
    rule.offline_days = float(offline_days)
    db.session.flush()
    return rule


def delete_rule(rule: QuotaRule) -> None:
    db.session.delete(rule)
    db.session.flush()


# --- assignments -------------------------------------------------------------------------


def can_manage_assignment(actor, assignment: Assignment) -> bool:
    """Admins manage every assignment; supervisors those aimed inside their subtree."""
    if actor.is_admin:
        return True
    return assignment.unit is not None and can_see_unit(actor, assignment.unit)


def create_assignment(
    actor,
    plan: TrainingYear,
    audience: AudienceInput,
    due_on: date | None,
    course: Course | None = None,
    quiz=None,
) -> Assignment:
    """Assign a course (it becomes required) or an exam to an audience with a due date.

    Supervisors assign within their own subtree only; admins anywhere, "everyone" included.
    The caller runs ``sync_assignments`` afterwards (one pass for the whole year).
    """
    if (course is None) == (quiz is None):
        raise PlanError(_("Choose either a course or an exam."))
    if audience.unit is None and not actor.is_admin:
        raise PlanError(_("Choose a unit in your scope."))
    if audience.unit is not None and not can_see_unit(actor, audience.unit):
        raise PlanError(_("Choose a unit in your scope."))
    if due_on is None:
        raise PlanError(_("Give a due date."))
    start, end = plan.window
    if not start <= due_on <= end:
        raise PlanError(
            _(
                "The due date must fall within the plan year (%(start)s to %(end)s).",
                start=start.isoformat(),
                end=end.isoformat(),
            )
        )
    assignment = Assignment(
        training_year_id=plan.id,
        course=course,
        course_id=course.id if course else None,
        quiz=quiz,
        quiz_id=quiz.id if quiz else None,
        due_on=due_on,
        created_by_id=actor.id if actor else None,
    )
    _apply_audience(assignment, audience)
    db.session.add(assignment)
    db.session.flush()
    return assignment


def delete_assignment(assignment: Assignment) -> set[int]:
    """Delete an assignment; returns the course ids to release in the next sync."""
    released = {assignment.course_id} if assignment.course_id else set()
    db.session.delete(assignment)
    db.session.flush()
    return released


def year_assignments(year: int) -> list[Assignment]:
    plan = get_plan(year)
    if plan is None:
        return []
    return list(
        db.session.scalars(
            select(Assignment)
            .where(Assignment.training_year_id == plan.id)
            .order_by(Assignment.due_on, Assignment.id)
        )
    )


def visible_assignments_query(actor, plan: TrainingYear):
    """Assignments the actor sees: admins all; supervisors those aimed in their subtree and
    those set above them that reach their cadres (the latter read-only)."""
    query = (
        select(Assignment)
        .outerjoin(Unit, Unit.id == Assignment.unit_id)
        .where(Assignment.training_year_id == plan.id)
        .order_by(Assignment.due_on, Assignment.id)
    )
    if actor.is_admin:
        return query
    if actor.unit is None:
        return query.where(false())
    ancestors = tree_path_ids(actor.unit.tree_path)
    return query.where(
        or_(
            Assignment.unit_id.is_(None),
            Unit.tree_path.like(actor.unit.tree_path + "%"),
            Assignment.unit_id.in_(ancestors) & Assignment.include_sub_units.is_(True),
        )
    )


def assignments_for_user(user, year: int | None = None) -> list[Assignment]:
    """The year's assignments whose audience includes ``user`` (current year by default)."""
    year = year or statsyear.current_year()
    plan = get_plan(year)
    facts = cadre_facts(user)
    if plan is None or facts is None:
        return []
    return [
        assignment
        for assignment in year_assignments(year)
        if rules.matches(assignment.audience, facts, plan.as_of, plan.limits)
    ]


def assigned_course_ids(user, year: int | None = None) -> set[int]:
    """Courses assigned to ``user`` in the year (required for them)."""
    return {a.course_id for a in assignments_for_user(user, year) if a.course_id}


def assigned_quiz_ids(user, year: int | None = None) -> set[int]:
    """Exams and quizzes assigned to ``user`` in the year."""
    return {a.quiz_id for a in assignments_for_user(user, year) if a.quiz_id}


@dataclass
class SyncResult:
    enrolled: int = 0  # new required enrolments
    made_required: int = 0  # electives that became required
    released: int = 0  # required enrolments no assignment asks for any more (kept, elective)


def sync_assignments(year: int, released_course_ids=()) -> SyncResult:
    """Make the year's assigned courses required for exactly the cadres their audiences match.

    Set-based: one query per assignment for its audience, one for the enrolments, then
    bulk inserts and updates. Audiences are rules, so cadres who joined an audience since
    (a new cadre, a move, a changed category) are enrolled here; those who left it keep the
    course as an elective with their progress. Only courses this year assigns (and
    ``released_course_ids``, of deleted assignments) are touched, so other years' required
    courses stay as they are. Run after saving or deleting an assignment, after roster
    imports and cadre edits, and nightly (``flask --app lms plan-sync``).
    """
    plan = get_plan(year)
    assignments = [a for a in year_assignments(year) if a.course_id] if plan else []
    wanted: set[tuple[int, int]] = set()
    for assignment in assignments:
        for user_id in audience_user_ids(assignment.audience, plan):
            wanted.add((user_id, assignment.course_id))
    course_ids = {a.course_id for a in assignments} | set(released_course_ids)
    if not course_ids:
        return SyncResult()
    existing = {
        (user_id, course_id): (enrollment_id, is_required)
        for enrollment_id, user_id, course_id, is_required in db.session.execute(
            select(
                Enrollment.id, Enrollment.user_id, Enrollment.course_id, Enrollment.is_required
            ).where(Enrollment.course_id.in_(course_ids))
        )
    }
    new_rows = [
        {"user_id": user_id, "course_id": course_id, "is_required": True}
        for user_id, course_id in sorted(wanted - existing.keys())
    ]
    to_require = [eid for pair, (eid, req) in existing.items() if pair in wanted and not req]
    to_release = [eid for pair, (eid, req) in existing.items() if pair not in wanted and req]
    if new_rows:
        db.session.execute(_insert_ignoring_duplicates(Enrollment), new_rows)
    _set_required(to_require, True)
    _set_required(to_release, False)
    db.session.flush()
    return SyncResult(len(new_rows), len(to_require), len(to_release))


def _insert_ignoring_duplicates(model):
    """An INSERT that skips rows a concurrent request (a cadre enrolling, another sync) has
    just added; the next sync makes such a row required if it is not yet."""
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(model).on_conflict_do_nothing()
    if dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        return sqlite_insert(model).on_conflict_do_nothing()
    return insert(model)


def _set_required(enrollment_ids: list[int], value: bool) -> None:
    for start in range(0, len(enrollment_ids), ID_CHUNK):
        db.session.execute(
            update(Enrollment)
            .where(Enrollment.id.in_(enrollment_ids[start : start + ID_CHUNK]))
            .values(is_required=value)
            .execution_options(synchronize_session=False)
        )


# --- copying and seeding -----------------------------------------------------------------


def copy_plan(to_year: int, actor=None) -> TrainingYear:
    """Copy last year's plan into ``to_year``: settings, rules, and assignments with their
    due dates moved on a year. The target must not have rules or assignments yet."""
    source = get_plan(to_year - 1)
    if source is None:
        raise PlanError(_("There is no plan for %(year)d to copy.", year=to_year - 1))
    target = get_plan(to_year)
    if target is not None and (target.quota_rules or year_assignments(to_year)):
        raise PlanError(
            _(
                "The plan for %(year)d already has rules or assignments; delete them before "
                "copying.",
                year=to_year,
            )
        )
    target = target or ensure_plan(to_year)
    for name in (
        "cutoff_month",
        "cutoff_day",
        "hours_per_training_day",
        "young_age_limit",
        "newly_promoted_months",
    ):
        setattr(target, name, getattr(source, name))
    audience_columns = ("unit_id", "include_sub_units", "category_id", "rank", "priority_group")
    for rule in source.quota_rules:
        copy = QuotaRule(
            training_year=target,
            online_hours=rule.online_hours,
            required_hours=rule.required_hours,
            offline_days=rule.offline_days,
            **{name: getattr(rule, name) for name in audience_columns},
        )
        db.session.add(copy)
    for assignment in year_assignments(source.year):
        db.session.add(
            Assignment(
                training_year_id=target.id,
                course_id=assignment.course_id,
                quiz_id=assignment.quiz_id,
                due_on=rules.add_years(assignment.due_on, 1),
                created_by_id=actor.id if actor else assignment.created_by_id,
                **{name: getattr(assignment, name) for name in audience_columns},
            )
        )
    db.session.flush()
    db.session.expire(target)
    return target


DISTRICT_MANAGEMENT = "district_management"
# docs/domain.md: "civil servants below department level owe at least two months of training a
# year"; department-level cadres are the district-management category, so these categories
# are the ones below it.
TRAINING_DAY_CATEGORIES = ("civil_servant", "professional_technical")
DEFAULT_ONLINE_HOURS, DEFAULT_REQUIRED_HOURS = 50.0, 10.0
DISTRICT_ONLINE_HOURS, DISTRICT_REQUIRED_HOURS = 70.0, 20.0
DEFAULT_TRAINING_DAYS = 60.0


def seed_default_plan(year: int) -> TrainingYear:
    """The default plan: district-management cadres 70 online hours (20 from required
    courses), everyone else 50 (10); civil servants and professional-technical staff 60
    training days online and offline together. Adds rules only to a plan without any."""
    plan = ensure_plan(year)
    if plan.quota_rules:
        return plan
    ensure_default_categories()
    categories = {c.code: c for c in db.session.scalars(select(CadreCategory))}
    defaults = [
        (None, DEFAULT_ONLINE_HOURS, DEFAULT_REQUIRED_HOURS, 0.0),
        (DISTRICT_MANAGEMENT, DISTRICT_ONLINE_HOURS, DISTRICT_REQUIRED_HOURS, 0.0),
    ] + [(code, 0.0, 0.0, DEFAULT_TRAINING_DAYS) for code in TRAINING_DAY_CATEGORIES]
    for code, online, required, days in defaults:
        save_rule(plan, None, AudienceInput(category=categories.get(code)), online, required, days)
    db.session.expire(plan)
    return plan


def seed_demo_plan(root: Unit, year: int | None = None) -> TrainingYear:
    """The demo's plan: the default rules, the first published course required for every
    unit below ``root`` and a published exam for its young cadres; idempotent."""
    from lms.quizzes.models import Quiz

    year = year or statsyear.current_year()
    plan = seed_default_plan(year)
    if not year_assignments(year):
        due = plan.window[1]
        course = db.session.scalar(
            select(Course).where(Course.is_published.is_(True)).order_by(Course.id)
        )
        exam = db.session.scalar(
            select(Quiz).where(Quiz.is_published.is_(True)).order_by(Quiz.is_exam.desc(), Quiz.id)
        )
        if course is not None:
            db.session.add(
                Assignment(
                    training_year_id=plan.id, course_id=course.id, unit_id=root.id, due_on=due
                )
            )
        if exam is not None:
            db.session.add(
                Assignment(
                    training_year_id=plan.id,
                    quiz_id=exam.id,
                    unit_id=root.id,
                    priority_group=rules.YOUNG,
                    due_on=due,
                )
            )
        db.session.flush()
    sync_assignments(year)
    return plan


# --- plain words -------------------------------------------------------------------------


def format_number(value: float) -> str:
    return format_decimal(value, format="0.#", locale=current_locale())


def priority_group_labels(limits: rules.Limits) -> dict[str, str]:
    return {
        rules.RESERVE: _("reserve cadres"),
        rules.YOUNG: _("young cadres (aged %(age)d or under)", age=limits.young_age_limit),
        rules.NEWLY_PROMOTED: _(
            "newly promoted cadres (within %(months)d months)",
            months=limits.newly_promoted_months,
        ),
        rules.KEY_POSITION: _("cadres in key positions"),
    }


def describe_audience(target, limits: rules.Limits) -> str:
    """An audience in plain words, e.g. "District-management cadre, in 区委组织部 and below"."""
    parts = [target.category.display_name(current_locale()) if target.category else None]
    if target.priority_group:
        parts.append(priority_group_labels(limits).get(target.priority_group))
    if target.rank:
        parts.append(_("rank %(rank)s", rank=target.rank))
    if target.unit is not None:
        if target.include_sub_units:
            parts.append(_("in %(unit)s and all units below it", unit=target.unit.name_path))
        else:
            parts.append(_("in %(unit)s only (not its sub-units)", unit=target.unit.name_path))
    text = _(", ").join(part for part in parts if part)
    return text[:1].upper() + text[1:] if text else _("Everyone")


def describe_figures(rule: QuotaRule) -> str:
    parts = []
    if rule.online_hours:
        parts.append(_("%(hours)s online hours", hours=format_number(rule.online_hours)))
        if rule.required_hours:
            parts.append(
                _("%(hours)s from required courses", hours=format_number(rule.required_hours))
            )
    if rule.offline_days:
        parts.append(
            _(
                "%(days)s training days online and offline",
                days=format_number(rule.offline_days),
            )
        )
    return _(", ").join(parts)


def describe_rule(rule: QuotaRule, plan: TrainingYear) -> str:
    """A rule in plain words: who, then what they owe."""
    return _(
        "%(audience)s: %(figures)s",
        audience=describe_audience(rule, plan.limits),
        figures=describe_figures(rule),
    )


def rule_cadre_counts(plan: TrainingYear, within: Unit | None = None) -> dict[int, int]:
    """How many active cadres each rule matches (one count per rule; rules are few)."""
    return {rule.id: count_audience(rule.audience, plan, within) for rule in plan.quota_rules}


def quota_distribution(quotas: dict[int, rules.Quota]) -> dict[float, int]:
    """Cadres per online-hour quota (a small summary for the overview)."""
    counts: dict[float, int] = defaultdict(int)
    for quota in quotas.values():
        counts[quota.online_hours] += 1
    return dict(sorted(counts.items()))
