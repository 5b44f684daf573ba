"""A course whose test is required is completed by passing it, not by the lessons alone."""

from datetime import timedelta

from lms.core.timeutil import local_today, utcnow
from lms.courses.models import Lesson
from lms.extensions import db
from lms.quizzes import attempts
from lms.tracking.models import LessonProgress
from lms.tracking.progress import year_progress


def _complete_lessons(user, course):
    for lesson in db.session.query(Lesson).filter_by(course_id=course.id):
        db.session.add(
            LessonProgress(
                user_id=user.id,
                lesson_id=lesson.id,
                coverage=[[0, 600]],
                credited_seconds=600.0,
                completed_at=utcnow() - timedelta(minutes=1),
            )
        )
    db.session.commit()


def _completed(user, course) -> bool:
    courses = year_progress(user.id, local_today().year)["courses"]
    return next(c for c in courses if c["id"] == course.id)["completed"]


def test_required_test_completes_the_course_when_passed(make_quiz, course, cadre):
    quiz = make_quiz(is_required_for_completion=True, requires_lessons_completed=True)
    _complete_lessons(cadre, course)
    assert not _completed(cadre, course)
    attempt, _created = attempts.start_or_resume(cadre, quiz)
    for item in attempt.items:  # every answer right
        question = item.question
        if question.kind == "fill_blank":
            item.answer = {"text": "人民"}
        else:
            item.answer = sorted(o.id for o in question.options if o.is_correct)
    attempts.submit_attempt(attempt)
    db.session.commit()
    assert attempt.is_passed
    assert _completed(cadre, course)


def test_optional_test_does_not_hold_the_course_back(make_quiz, course, cadre):
    make_quiz(is_required_for_completion=False)
    _complete_lessons(cadre, course)
    assert _completed(cadre, course)
