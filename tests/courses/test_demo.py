"""The demo courses: three published and one draft, taught by the demo instructor, once."""

from sqlalchemy import func, select

from lms.courses.models import Course, Lesson
from lms.demo.courses import DEMO_COURSES
from lms.demo.services import seed_demo
from lms.extensions import db


def test_seed_demo_adds_courses_once(app):
    summary = seed_demo("pw-12345678", with_media=False)
    db.session.commit()
    seed_demo("pw-12345678", with_media=False)
    db.session.commit()
    # The demo's lecture series (lms/demo/catalogue.py) are left out
    titles = [row[0] for row in DEMO_COURSES]
    courses = list(db.session.scalars(select(Course).where(Course.title.in_(titles))))
    assert sum(c.is_published for c in courses) == 3
    assert sum(not c.is_published for c in courses) == 1
    assert all([u.username for u in c.instructors] == ["instructor"] for c in courses)
    assert all(c.lessons and c.content_category is not None for c in courses)
    ids = [c.id for c in courses]
    kinds = set(db.session.scalars(select(Lesson.kind).where(Lesson.course_id.in_(ids))))
    assert kinds == {"video", "audio"}
    assert db.session.scalar(select(func.count(Lesson.id)).where(Lesson.course_id.in_(ids))) == 8
    assert "3 published courses and 1 draft" in summary
