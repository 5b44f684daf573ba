"""The one completion rule (docs/domain.md): a course is completed when every one of its
lessons is completed and every published test required for its completion is passed.

Written once, as SQL: "My learning" asks it for one cadre, the archive for one cadre's record,
the reports for a scope of thousands of enrolments, each joining it to what it reads.
"""

from collections.abc import Callable, Iterable

from sqlalchemy import ColumnElement, Subquery, and_, func, select

from lms.courses.models import Lesson
from lms.quizzes.models import Quiz, QuizResult
from lms.tracking.models import CourseDone

#: Given a user id column, the conditions that keep the users asked about.
UserLimit = Callable[[ColumnElement], Iterable[ColumnElement]]


def of_user(user_id: int) -> UserLimit:
    """The ``UserLimit`` of one user."""
    return lambda column: [column == user_id]


def completed_courses(users: UserLimit) -> Subquery:
    """``(user_id, course_id, completed_on)`` for each course a user completed, of the users
    ``users`` keeps; ``completed_on`` is when the last of its lessons was completed.

    Grouped subqueries joined by key (lessons per course, lessons each user completed as kept
    with their progress in ``course_done``, required tests per course, those each user passed
    in any year), which the planner hashes, rather than a test per course or per enrolment.
    """
    lessons = (
        select(Lesson.course_id, func.count(Lesson.id).label("lessons"))
        .group_by(Lesson.course_id)
        .subquery("course_lessons")
    )
    done = (
        select(
            CourseDone.user_id,
            CourseDone.course_id,
            CourseDone.lessons_done.label("done"),
            CourseDone.last_done_at.label("completed_on"),
        )
        .where(*users(CourseDone.user_id))
        .subquery("lessons_done")
    )
    required = and_(Quiz.is_required_for_completion.is_(True), Quiz.is_published.is_(True))
    tests = (
        select(Quiz.course_id, func.count(Quiz.id).label("tests"))
        .where(required, Quiz.course_id.is_not(None))
        .group_by(Quiz.course_id)
        .subquery("course_tests")
    )
    passed = (
        select(
            QuizResult.user_id,
            Quiz.course_id,
            func.count(func.distinct(Quiz.id)).label("passed"),
        )
        .join(Quiz, Quiz.id == QuizResult.quiz_id)
        .where(required, QuizResult.is_passed.is_(True), *users(QuizResult.user_id))
        .group_by(QuizResult.user_id, Quiz.course_id)
        .subquery("tests_passed")
    )
    return (
        select(done.c.user_id, done.c.course_id, done.c.completed_on)
        .join(lessons, lessons.c.course_id == done.c.course_id)
        .outerjoin(tests, tests.c.course_id == done.c.course_id)
        .outerjoin(
            passed,
            and_(passed.c.user_id == done.c.user_id, passed.c.course_id == done.c.course_id),
        )
        .where(
            done.c.done == lessons.c.lessons,
            func.coalesce(passed.c.passed, 0) >= func.coalesce(tests.c.tests, 0),
        )
        .subquery("completed_courses")
    )
