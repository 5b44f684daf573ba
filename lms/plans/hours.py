"""Hours the plan counts: a year's online hours per cadre and hours in required courses."""

from collections import defaultdict

from sqlalchemy import and_, func, or_, select

from lms.accounts.models import User
from lms.core import statsyear
from lms.core.database import user_ids_filter
from lms.courses.models import Lesson
from lms.extensions import db
from lms.org.models import Cadre, Unit
from lms.plans.audiences import audience_clause
from lms.plans.models import Assignment, TrainingYear
from lms.plans.years import get_plan, plan_window
from lms.tracking.models import DailyCredit, LessonView


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
    start, end = statsyear.utc_bounds(window or plan_window(plan))
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
