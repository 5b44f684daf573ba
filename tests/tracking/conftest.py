"""A published course with one ready 10-minute lesson, and a cadre to watch it."""

import pytest

from lms.courses.models import Course, Lesson, LessonStatus
from lms.extensions import db


@pytest.fixture
def make_lesson(app):
    def _make(duration=600.0, published=True, instructors=()):
        course = Course(title="Party spirit", is_published=published)
        course.instructors = list(instructors)
        lesson = Lesson(
            course=course,
            title="Lecture 1",
            kind="video",
            status=LessonStatus.READY.value,
            duration_seconds=duration,
        )
        db.session.add_all([course, lesson])
        db.session.commit()
        return lesson

    return _make


@pytest.fixture
def lesson(make_lesson):
    return make_lesson()


@pytest.fixture
def cadre(make_user, make_unit):
    return make_user("cadre_a", unit=make_unit("District/Bureau"))
