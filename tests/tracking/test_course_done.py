"""Lessons done per course, kept with the progress (``course_done``): the beats that complete a
lesson count it, a deleted lesson recounts its course, and ``totals check`` compares the
counts with the progress rows. Lessons are played through the beat API, the completion read
where a cadre reads it (``/api/v1/me/progress``), the lesson deleted through the editor's page.
"""

from sqlalchemy import select, update

from lms.courses.models import Lesson, LessonStatus
from lms.extensions import db
from lms.tracking.models import CourseDone
from tests.conftest import csrf_token
from tests.tracking.test_beats import _token
from tests.tracking.test_home_start import _play


def _course_of_two(make_lesson):
    first = make_lesson(duration=100.0)
    second = Lesson(
        course=first.course,
        title="Lecture 2",
        position=1,
        status=LessonStatus.READY.value,
        duration_seconds=100.0,
    )
    db.session.add(second)
    db.session.commit()
    return first, second


def _completed(client, headers, course_id) -> bool:
    courses = client.get("/api/v1/me/progress", headers=headers).get_json()["courses"]
    return next(c for c in courses if c["id"] == course_id)["completed"]


def _kept(user_id, course_id):
    db.session.expire_all()
    row = db.session.get(CourseDone, (user_id, course_id))
    return row.lessons_done if row else 0


def _check(app) -> tuple[int, str]:
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["totals", "check"])
    db.session.commit()
    return result.exit_code, result.output


def test_beats_that_complete_lessons_count_them(app, client, cadre, make_lesson):
    first, second = _course_of_two(make_lesson)
    course_id = first.course_id
    headers = _token(client, cadre.username)
    _play(client, headers, first, 0, 50)
    assert _kept(cadre.id, course_id) == 0  # half a lesson completes nothing
    assert _play(client, headers, first, 50, 100)["lesson_completed"] is True
    assert _kept(cadre.id, course_id) == 1
    assert _completed(client, headers, course_id) is False
    _play(client, headers, first, 0, 100)  # played again: still one lesson
    assert _kept(cadre.id, course_id) == 1
    _play(client, headers, second, 0, 100)
    assert _kept(cadre.id, course_id) == 2
    assert _completed(client, headers, course_id) is True
    assert _check(app) == (0, "The totals match the ledger.\n")


def test_deleting_the_lesson_left_completes_the_course(
    app, client, cadre, make_user, make_lesson, login
):
    first, second = _course_of_two(make_lesson)
    course_id, second_id = first.course_id, second.id
    headers = _token(client, cadre.username)
    _play(client, headers, first, 0, 100)
    _play(client, headers, second, 0, 30)
    assert _completed(client, headers, course_id) is False

    login(make_user("editor", roles=["admin"]))
    page = f"/courses/{course_id}/edit"
    response = client.post(
        f"/courses/{course_id}/lessons/{second_id}/delete",
        data={"csrf_token": csrf_token(client, page)},
    )
    assert response.status_code in (200, 302), response.get_data(as_text=True)[:300]
    assert db.session.scalar(select(Lesson).where(Lesson.id == second_id)) is None
    assert _completed(client, headers, course_id) is True  # one lesson left, and it is done
    assert _kept(cadre.id, course_id) == 1
    assert _check(app)[0] == 0


def test_check_names_a_wrong_count_and_fix_recounts(app, client, cadre, make_lesson):
    first, _second = _course_of_two(make_lesson)
    headers = _token(client, cadre.username)
    _play(client, headers, first, 0, 100)
    db.session.execute(
        update(CourseDone).where(CourseDone.user_id == cadre.id).values(lessons_done=2)
    )
    code, output = _check(app)
    assert code == 1
    assert f"user {cadre.id} course {first.course_id} lessons done: kept 2 != counted 1" in output
    assert _completed(client, headers, first.course_id) is True  # what the wrong count says
    result = app.test_cli_runner().invoke(args=["totals", "check", "--fix"])
    assert result.exit_code == 0 and "Lessons done recounted" in result.output
    db.session.commit()
    assert _kept(cadre.id, first.course_id) == 1
    assert _completed(client, headers, first.course_id) is False
    assert _check(app)[0] == 0
