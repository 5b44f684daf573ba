"""A draft course is as missing in the dashboards as on its own page."""

from lms.courses.models import Course, Lesson
from lms.extensions import db

DRAFT_TITLE = "Draft-course-title-8812"


def _draft():
    course = Course(title=DRAFT_TITLE, is_published=False)
    lesson = Lesson(course=course, title="Unreleased lesson", kind="video")
    db.session.add_all([course, lesson])
    db.session.commit()
    return course, lesson


def test_a_sub_unit_supervisor_gets_404_for_a_draft_course(client, login, supervisors):
    course, lesson = _draft()
    login(supervisors["a"])
    assert client.get(f"/courses/{course.id}").status_code == 404
    for path in (
        f"/reports/courses/{course.id}",
        f"/reports/courses/{course.id}/lessons/{lesson.id}/audience",
    ):
        response = client.get(path)
        assert response.status_code == 404, path
        assert DRAFT_TITLE not in response.get_data(as_text=True)


def test_an_administrator_still_reports_on_a_draft(client, login, make_user, district):
    course, _lesson = _draft()
    login(make_user("root", roles=["admin"]))
    response = client.get(f"/reports/courses/{course.id}")
    assert response.status_code == 200
    assert DRAFT_TITLE in response.get_data(as_text=True)
