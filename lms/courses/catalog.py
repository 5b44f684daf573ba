"""The course menu (选课菜单), My courses and enrolments."""

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import exists, func, or_, select, true

from lms.accounts.models import User
from lms.courses.access import _taught_by, visible_course_clause
from lms.courses.errors import CourseError
from lms.courses.labels import LENGTH_BUCKETS
from lms.courses.models import Course, Enrollment, Lesson, course_instructor
from lms.extensions import db

# --- the menu ----------------------------------------------------------------------------


@dataclass
class MenuFilters:
    q: str = ""
    category_id: int | None = None
    method: str = ""
    length: str = ""
    instructor_id: int | None = None


def lesson_count_column():
    """A correlated count of a course's lessons, to select beside the course in one query."""
    return (
        select(func.count(Lesson.id))
        .where(Lesson.course_id == Course.id)
        .correlate(Course)
        .scalar_subquery()
    )


def menu_query(filters: MenuFilters):
    """A select of (Course, lesson count) for the published courses matching ``filters``."""
    query = select(Course, lesson_count_column().label("lesson_count")).where(
        Course.is_published.is_(True)
    )
    if filters.q:
        like = f"%{filters.q}%"
        by_instructor = exists().where(
            course_instructor.c.course_id == Course.id,
            course_instructor.c.user_id == User.id,
            User.display_name.ilike(like),
        )
        query = query.where(or_(Course.title.ilike(like), by_instructor))
    if filters.category_id is not None:
        query = query.where(Course.content_category_id == filters.category_id)
    if filters.method:
        query = query.where(Course.teaching_method == filters.method)
    if filters.length in LENGTH_BUCKETS:
        _label, low, high = LENGTH_BUCKETS[filters.length]
        if low is not None:
            query = query.where(Course.duration_seconds >= low)
        if high is not None:
            query = query.where(Course.duration_seconds < high)
    if filters.instructor_id is not None:
        query = query.where(_taught_by(filters.instructor_id))
    return query.order_by(Course.title, Course.id)


def menu_instructors() -> list[User]:
    """The instructors who teach at least one published course (for the menu's filter)."""
    return list(
        db.session.scalars(
            select(User)
            .where(
                exists().where(
                    course_instructor.c.user_id == User.id,
                    course_instructor.c.course_id == Course.id,
                    Course.is_published.is_(True),
                )
            )
            .order_by(User.display_name, User.id)
        )
    )


def enrollments_for(user, course_ids) -> dict[int, Enrollment]:
    """The user's enrolments among these courses, by course id; one query."""
    ids = list(course_ids)
    if not ids:
        return {}
    rows = db.session.scalars(
        select(Enrollment).where(Enrollment.user_id == user.id, Enrollment.course_id.in_(ids))
    )
    return {row.course_id: row for row in rows}


# --- enrolments --------------------------------------------------------------------------


def enroll(user: User, course: Course) -> Enrollment:
    """Add a published course to the cadre's "My courses" as an elective (idempotent)."""
    if not course.is_published:
        raise CourseError(_("This course is not open yet."))
    enrollment = db.session.scalar(
        select(Enrollment).where(Enrollment.user_id == user.id, Enrollment.course_id == course.id)
    )
    if enrollment is None:
        enrollment = Enrollment(user_id=user.id, course_id=course.id, is_required=False)
        db.session.add(enrollment)
        db.session.flush()
    return enrollment


def unenroll(user: User, course: Course) -> None:
    """Drop an elective from "My courses"; assigned (required) courses cannot be dropped."""
    enrollment = db.session.scalar(
        select(Enrollment).where(Enrollment.user_id == user.id, Enrollment.course_id == course.id)
    )
    if enrollment is None:
        return
    if enrollment.is_required:
        raise CourseError(_("This course is required for you and cannot be removed."))
    db.session.delete(enrollment)
    db.session.flush()


def teaching_query(user: User):
    """A select of (Course, lesson count) the user may edit: theirs, or all for admins."""
    query = select(Course, lesson_count_column().label("lesson_count"))
    query = query.where(true() if user.is_admin else _taught_by(user.id))
    return query.order_by(Course.is_published, Course.title, Course.id)


def visible_courses_query(user: User):
    """A select of the courses ``user`` may see, for the API."""
    return select(Course).where(visible_course_clause(user)).order_by(Course.id)
