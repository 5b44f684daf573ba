"""Fixtures for the course pages: users of each role and a course factory."""

import pytest

from lms.courses.categories import ensure_default_content_categories
from lms.courses.models import Course, Lesson, LessonStatus
from lms.extensions import db


@pytest.fixture
def admin(make_user):
    return make_user("root", roles=["admin"], display_name="Root Admin")


@pytest.fixture
def instructor(make_user):
    return make_user("teacher", roles=["instructor"], display_name="Chen Teacher")


@pytest.fixture
def other_instructor(make_user):
    return make_user("other", roles=["instructor"], display_name="Li Professor")


@pytest.fixture
def cadre(make_user, make_unit):
    return make_user("learner", roles=["cadre"], unit=make_unit("District"))


@pytest.fixture
def make_course(app):
    """``make_course("Title", instructors=[u], lessons=2, published=True, seconds=...)``."""
    ensure_default_content_categories()

    def _make(
        title="Course",
        instructors=(),
        lessons=0,
        published=False,
        seconds=0.0,
        category=None,
        method="lecture",
        summary="",
    ):
        course = Course(
            title=title,
            summary=summary,
            is_published=published,
            duration_seconds=seconds,
            teaching_method=method,
            content_category=category,
            instructors=list(instructors),
        )
        for position in range(lessons):
            course.lessons.append(
                Lesson(
                    title=f"{title} lesson {position + 1}",
                    position=position,
                    kind="video",
                    status=LessonStatus.EMPTY.value,
                )
            )
        db.session.add(course)
        db.session.commit()
        return course

    return _make
