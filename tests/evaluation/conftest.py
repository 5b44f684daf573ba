"""A published course with one ready lesson, its instructor, and cadres who completed it."""

from datetime import datetime

import pytest

from lms.courses.models import Course, Lesson, LessonStatus
from lms.evaluation.answering import submit_evaluation
from lms.evaluation.questionnaires import current_questionnaire
from lms.extensions import db
from lms.tracking.models import LessonProgress

DONE = datetime(2026, 3, 2, 9, 0)


@pytest.fixture
def teacher(make_user):
    return make_user("teacher", roles=["instructor"])


@pytest.fixture
def course(app, teacher):
    course = Course(title="Rural revitalisation", is_published=True)
    course.instructors = [teacher]
    lesson = Lesson(
        course=course,
        title="Lecture 1",
        kind="video",
        status=LessonStatus.READY.value,
        duration_seconds=1000.0,
    )
    db.session.add_all([course, lesson])
    db.session.commit()
    return course


@pytest.fixture
def bureau(make_unit):
    return make_unit("District/Bureau")


def complete(user, course, coverage=None):
    """``user`` completes every lesson of ``course`` (the one completion rule reads this)."""
    for lesson in course.lessons:
        seconds = float(lesson.duration_seconds)
        db.session.add(
            LessonProgress(
                user_id=user.id,
                lesson_id=lesson.id,
                credited_seconds=seconds,
                coverage=coverage or [[0.0, seconds]],
                completed_at=DONE,
            )
        )
    db.session.commit()


@pytest.fixture
def completer(make_user, bureau, course):
    """``completer()``: a new cadre of the bureau who completed the course."""

    def _make(**fields):
        user = make_user(unit=fields.pop("unit", bureau), **fields)
        complete(user, course)
        return user

    return _make


def answers_of(ratings=(4, 4, 4), text=None) -> dict:
    """Answers to the default questionnaire: the three ratings in order, the comment."""
    questions = current_questionnaire().questions
    rated = [q for q in questions if q.is_rating]
    answers = {q.id: value for q, value in zip(rated, ratings, strict=True)}
    if text:
        answers[next(q.id for q in questions if not q.is_rating)] = text
    return answers


@pytest.fixture
def evaluated(completer, course):
    """``evaluated(n, ratings=..., text=...)``: ``n`` cadres completed and evaluated."""

    def _make(count, ratings=(4, 4, 4), text=None):
        users = []
        for _ in range(count):
            user = completer()
            submit_evaluation(user, course, current_questionnaire(), answers_of(ratings, text))
            users.append(user)
        db.session.commit()
        return users

    return _make
