"""My courses: the courses a cadre was assigned, chose, or has studied, with where each
stands (completed, in progress, not available yet) and where to go on.

A course studied from the menu without adding it, and a course completed, belong here too
(issue 14), so the page reads tracking's progress and the one completion rule: it lives above
courses and tracking (docs/architecture.md: pages that gather many features). Its route stays
on the courses blueprint (``courses.mine``, ``/courses/mine``).
"""

from flask import render_template
from flask_login import current_user
from sqlalchemy import and_, false, func, or_, select

from lms.accounts.models import Role
from lms.core.access import role_required
from lms.courses.catalog import lesson_count_column
from lms.courses.models import Course, Enrollment, Lesson, LessonStatus
from lms.courses.views import bp, page_of
from lms.tracking.completion import completed_courses, of_user
from lms.tracking.models import LessonProgress
from lms.tracking.progress import resume_lessons


def _playable_lessons_column():
    """A correlated count of a course's lessons that can be played now."""
    return (
        select(func.count(Lesson.id))
        .where(
            Lesson.course_id == Course.id,
            Lesson.status == LessonStatus.READY.value,
            Lesson.duration_seconds > 0,
        )
        .correlate(Course)
        .scalar_subquery()
    )


def my_courses_query(user):
    """(Course, lesson count, is required, is enrolled, completed, playable lessons) for the
    user's courses: enrolled ones (required first), then those only studied; completed ones
    last within each."""
    studied = (
        select(Lesson.course_id)
        .join(LessonProgress, LessonProgress.lesson_id == Lesson.id)
        .where(LessonProgress.user_id == user.id)
    )
    completion = completed_courses(of_user(user.id))
    is_required = func.coalesce(Enrollment.is_required, false())
    completed = completion.c.course_id.is_not(None)
    return (
        select(
            Course,
            lesson_count_column().label("lesson_count"),
            is_required.label("is_required"),
            Enrollment.id.is_not(None).label("is_enrolled"),
            completed.label("completed"),
            _playable_lessons_column().label("playable"),
        )
        .outerjoin(
            Enrollment, and_(Enrollment.course_id == Course.id, Enrollment.user_id == user.id)
        )
        .outerjoin(completion, completion.c.course_id == Course.id)
        .where(or_(Enrollment.id.is_not(None), Course.id.in_(studied)))
        .where(or_(Course.is_published.is_(True), Enrollment.is_required.is_(True)))
        .order_by(is_required.desc(), completed, Course.title, Course.id)
    )


@bp.route("/mine")
@role_required(Role.CADRE)
def mine():
    """My courses: required first, then electives and courses studied; each with its state
    and a link to where the cadre left off."""
    page = page_of(my_courses_query(current_user))
    ids = [row[0].id for row in page.items if not row.completed and row.playable]
    return render_template(
        "courses/mine.html", page=page, resume=resume_lessons(current_user.id, ids)
    )
