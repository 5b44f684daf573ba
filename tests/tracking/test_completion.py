"""The one completion rule: every lesson completed and every published required test passed."""

from datetime import datetime

from sqlalchemy import select

from lms.courses.models import Lesson, LessonStatus
from lms.extensions import db
from lms.quizzes.models import Quiz, QuizResult
from lms.tracking.completion import completed_courses, of_user
from lms.tracking.models import LessonProgress

DONE = datetime(2026, 3, 2, 9, 0)


def completed(user_id: int) -> dict[int, datetime]:
    completion = completed_courses(of_user(user_id))
    return dict(db.session.execute(select(completion.c.course_id, completion.c.completed_on)).all())


def finish(user_id: int, lesson: Lesson, at=DONE) -> None:
    db.session.add(
        LessonProgress(user_id=user_id, lesson_id=lesson.id, credited_seconds=600, completed_at=at)
    )
    db.session.commit()


def test_a_course_is_completed_when_every_lesson_is(lesson, cadre, make_user):
    second = Lesson(
        course=lesson.course, title="Lecture 2", kind="video", status=LessonStatus.READY.value
    )
    db.session.add(second)
    db.session.commit()
    finish(cadre.id, lesson)
    assert completed(cadre.id) == {}
    finish(cadre.id, second, at=datetime(2026, 3, 5, 9, 0))
    assert completed(cadre.id) == {lesson.course_id: datetime(2026, 3, 5, 9, 0)}
    assert completed(make_user("other").id) == {}  # another cadre completed nothing


def test_a_published_required_test_must_be_passed_too(lesson, cadre):
    def quiz(**settings):
        test = Quiz(course_id=lesson.course_id, created_by_id=cadre.id, title="T", **settings)
        db.session.add(test)
        db.session.commit()
        return test

    quiz(is_required_for_completion=False, is_published=True)  # optional: never in the way
    quiz(is_required_for_completion=True, is_published=False)  # a draft: not required yet
    required = quiz(is_required_for_completion=True, is_published=True)
    finish(cadre.id, lesson)
    assert completed(cadre.id) == {}
    db.session.add(QuizResult(user_id=cadre.id, quiz_id=required.id, year=2026, is_passed=False))
    db.session.commit()
    assert completed(cadre.id) == {}
    db.session.add(QuizResult(user_id=cadre.id, quiz_id=required.id, year=2025, is_passed=True))
    db.session.commit()
    assert completed(cadre.id) == {lesson.course_id: DONE}  # passed in any year
