"""My courses as issue 14 asked: a course studied (even without adding it) or completed is
listed with its state, one whose lessons have no recording says so before the click, and a
course's length is the sum of its lessons'."""

import re
from datetime import datetime

from sqlalchemy import select

from lms.courses.models import Course, Enrollment, LessonStatus
from lms.extensions import db
from lms.tracking.models import LessonProgress

EN = {"Accept-Language": "en"}


def _row(html: str, title: str) -> str:
    return next(row for row in re.findall(r"<tr>.*?</tr>", html, re.S) if title in row)


def _ready(course, seconds=600.0):
    for lesson in course.lessons:
        lesson.status, lesson.duration_seconds = LessonStatus.READY.value, seconds
    db.session.commit()


def test_studied_and_completed_courses_are_in_my_courses(
    client, login, cadre, instructor, make_course
):
    studied = make_course(
        "Studied from the menu", instructors=[instructor], lessons=2, published=True
    )
    done = make_course("Finished", instructors=[instructor], lessons=1, published=True)
    _ready(studied)
    _ready(done)
    db.session.add_all(
        [
            LessonProgress(user_id=cadre.id, lesson_id=studied.lessons[0].id, credited_seconds=60),
            LessonProgress(
                user_id=cadre.id,
                lesson_id=done.lessons[0].id,
                credited_seconds=600,
                completed_at=datetime(2026, 11, 1, 10, 0),
            ),
        ]
    )
    db.session.commit()
    login(cadre)
    html = client.get("/courses/mine", headers=EN).get_data(as_text=True)
    row = _row(html, "Studied from the menu")
    assert f'href="/media/play/{studied.lessons[0].id}"' in row  # where to go on
    assert "Remove" not in row  # nothing to remove: it was never added
    finished = _row(html, "Finished")
    assert "Completed" in finished and "/media/play/" not in finished
    assert html.index("Studied from the menu") < html.index("Finished")  # done ones last


def test_a_required_course_without_recordings_says_so_before_the_click(
    client, login, cadre, instructor, make_course
):
    empty = make_course("Recordings to come", instructors=[instructor], lessons=2, published=True)
    db.session.add(Enrollment(user_id=cadre.id, course_id=empty.id, is_required=True))
    db.session.commit()
    login(cadre)
    row = _row(client.get("/courses/mine", headers=EN).get_data(as_text=True), "Recordings to come")
    assert "Not available yet" in row and "No lesson has a recording yet." in row
    assert "/media/play/" not in row
    # My learning offers no resume for it either.
    learning = client.get("/learning/", headers=EN).get_data(as_text=True)
    assert "/media/play/" not in learning


def test_a_courses_length_is_the_sum_of_its_lessons(client, login, post, instructor, make_course):
    """The demo's lecture series have known lengths but no files: 0 minutes and "under an
    hour" for all of them was wrong. Deleting a lesson shortens the course."""
    from lms.demo.catalogue import seed_series

    series = seed_series()
    db.session.commit()
    for course in series:
        assert course.duration_seconds == sum(lesson.duration_seconds for lesson in course.lessons)
        assert course.duration_seconds > 3600
    login(instructor)
    course = make_course("Two lessons", instructors=[instructor], lessons=2)
    first, second = course.lessons
    first.duration_seconds, second.duration_seconds = 1800.0, 1200.0
    db.session.commit()
    post(f"/courses/{course.id}/lessons/{second.id}/delete")
    db.session.expire_all()
    assert (
        db.session.scalar(select(Course.duration_seconds).where(Course.id == course.id)) == 1800.0
    )


def test_the_course_page_marks_each_lesson_the_cadre_studied(
    client, login, cadre, instructor, make_course
):
    course = make_course("Marked", instructors=[instructor], lessons=3, published=True)
    _ready(course, seconds=600.0)
    first, second, _third = course.lessons
    db.session.add_all(
        [
            LessonProgress(
                user_id=cadre.id,
                lesson_id=first.id,
                credited_seconds=580,
                completed_at=datetime(2026, 11, 1, 10, 0),
            ),
            LessonProgress(user_id=cadre.id, lesson_id=second.id, credited_seconds=60),
        ]
    )
    db.session.commit()
    login(cadre)
    html = client.get(f"/courses/{course.id}", headers=EN).get_data(as_text=True)
    items = re.findall(r"<li>.*?</li>", html[html.index('class="lesson-list"') :], re.S)[:3]
    assert "✓ Completed" in items[0]
    assert "10% studied" in items[1]
    assert "lesson-mark" not in items[2]
