"""Assignments: courses (required for their audience) and exams given with a due date, and
the sync that keeps required enrolments in step with the audiences."""

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import false, insert, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from lms.core import statsyear
from lms.courses.models import Course, Enrollment
from lms.extensions import db
from lms.org.models import Unit
from lms.org.tree import tree_path_ids
from lms.org.visibility import can_see_unit
from lms.plans import rules
from lms.plans.audiences import AudienceInput, apply_audience, audience_user_ids
from lms.plans.errors import PlanError
from lms.plans.models import Assignment, TrainingYear
from lms.plans.quotas import cadre_facts
from lms.plans.years import get_plan, plan_window

ID_CHUNK = 500  # ids per IN (...) list in bulk updates


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
    start, end = plan_window(plan)
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
    apply_audience(assignment, audience)
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
        return pg_insert(model).on_conflict_do_nothing()
    if dialect == "sqlite":
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
