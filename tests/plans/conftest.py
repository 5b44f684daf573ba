"""A district with two bureaus (A has a section), the standard categories, cadres, a course."""

import pytest
from sqlalchemy import select

from lms.courses.models import Course, Lesson, LessonStatus
from lms.extensions import db
from lms.org.categories import ensure_default_categories
from lms.org.models import CadreCategory


@pytest.fixture
def tree(app, make_unit):
    ensure_default_categories()
    units = {
        "district": make_unit("District"),
        "a": make_unit("District/Bureau A"),
        "section": make_unit("District/Bureau A/Section"),
        "b": make_unit("District/Bureau B"),
    }
    db.session.commit()
    return units


@pytest.fixture
def category(app):
    def _category(code: str) -> CadreCategory:
        return db.session.scalar(select(CadreCategory).where(CadreCategory.code == code))

    return _category


@pytest.fixture
def make_cadre(make_user, category):
    """``make_cadre("ann", unit, category="civil_servant", is_reserve=True, ...)``."""

    def _make(username, unit, category_code=None, **fields):
        user = make_user(username, roles=["cadre"], unit=unit)
        if category_code:
            user.cadre.category = category(category_code)
        for name, value in fields.items():
            setattr(user.cadre, name, value)
        db.session.commit()
        return user

    return _make


@pytest.fixture
def course(app):
    course = Course(title="Party history", is_published=True)
    lesson = Lesson(
        course=course,
        title="Lecture 1",
        kind="video",
        status=LessonStatus.READY.value,
        duration_seconds=3600,
    )
    db.session.add_all([course, lesson])
    db.session.commit()
    return course
