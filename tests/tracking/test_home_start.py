"""A cadre's home page: the year's quota bar and forecast, and a "continue" card that opens
the lesson left unfinished at its position (issue 14); an instructor's home counts their
courses. Lessons are played through the API, the pages read over HTTP."""

import re

import pytest

from lms.courses.models import Lesson, LessonStatus
from lms.extensions import db
from lms.plans.audiences import AudienceInput
from lms.plans.quotas import save_rule
from lms.plans.years import ensure_plan
from tests.tracking.test_beats import _age_view, _beat, _open, _token

EN = {"Accept-Language": "en"}


def _play(client, headers, lesson, start, end):
    """Play ``start``..``end`` of a lesson in one view, a beat every 10 s of real time; as
    the player does, the view takes the account's playback when it starts playing."""
    view_id = _open(client, headers, lesson.id).get_json()["view_id"]
    client.post(f"/api/v1/views/{view_id}/playback", headers=headers)
    for seq, at in enumerate(range(start, end, 10), start=1):
        stop = min(at + 10, end)
        _age_view(view_id, stop - at)
        answer = _beat(client, headers, view_id, seq, [[at, stop]], position=stop)
        assert answer.status_code == 200
    return answer.get_json()


def _continue_card(page: str) -> str:
    return re.search(r'<section class="card continue-card".*?</section>', page, re.S).group(0)


@pytest.fixture
def course_of_two(make_lesson):
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


def test_home_offers_to_continue_where_the_cadre_left_off(client, cadre, course_of_two, login):
    first, second = course_of_two
    headers = _token(client, cadre.username)
    login(cadre)
    card = _continue_card(client.get("/", headers=EN).get_data(as_text=True))
    assert "You have not started a course yet." in card
    assert "/courses/" in card  # the way to the course menu

    answer = _play(client, headers, first, 0, 44)
    card = _continue_card(client.get("/", headers=EN).get_data(as_text=True))
    assert "Party spirit" in card and "Lecture 1" in card
    assert "Continue from 0:44" in card
    assert f'href="/media/play/{first.id}"' in card
    assert f"{round(answer['lesson_progress'] * 100)}%" in card  # what the server credited

    # The lesson done, the card moves on to the next one, from its start.
    assert _play(client, headers, first, 44, 100)["lesson_completed"] is True
    card = _continue_card(client.get("/", headers=EN).get_data(as_text=True))
    assert "Lecture 2" in card and "Start this lesson" in card
    assert f'href="/media/play/{second.id}"' in card

    # The whole course done: nothing left to continue, and it does not pretend nothing began.
    _play(client, headers, second, 0, 100)
    card = _continue_card(client.get("/", headers=EN).get_data(as_text=True))
    assert "Nothing to continue right now" in card
    assert "You have not started a course yet." not in card


def test_home_passes_over_a_course_withdrawn_from_the_menu(client, cadre, lesson, login):
    headers = _token(client, cadre.username)
    _play(client, headers, lesson, 0, 30)
    lesson.course.is_published = False
    db.session.commit()
    login(cadre)
    card = _continue_card(client.get("/", headers=EN).get_data(as_text=True))
    assert "Party spirit" not in card
    assert "/media/play/" not in card


def test_home_shows_the_quota_bar_and_the_forecast(client, cadre, lesson, login):
    save_rule(ensure_plan(2026), None, AudienceInput(), 50.0, 0, 0)
    save_rule(ensure_plan(2027), None, AudienceInput(), 50.0, 0, 0)
    db.session.commit()
    login(cadre)
    page = client.get("/", headers=EN).get_data(as_text=True)
    assert re.search(r"<progress max=\"50.0\" value=\"0.0\"", page)
    assert "0.0 of 50.0 hours" in page
    # The forecast sentence, with its outlook tag, as My learning shows it.
    assert re.search(r'<span class="tag [a-z]*">', page)
    assert "of 50.0 hours" in page


def test_home_without_a_plan_shows_no_quota_bar(client, cadre, login):
    login(cadre)
    page = client.get("/", headers=EN).get_data(as_text=True)
    assert "study hours credited this year" in page
    assert "<progress" not in page


def test_instructor_home_counts_their_courses(client, make_user, make_lesson, login):
    teacher = make_user("teacher", roles=["instructor"])
    login(teacher)
    page = client.get("/", headers=EN).get_data(as_text=True)
    assert "You have no courses yet." in page
    make_lesson(instructors=[teacher])
    make_lesson(published=False, instructors=[teacher])
    make_lesson()  # somebody else's
    page = client.get("/", headers=EN).get_data(as_text=True)
    assert "You teach 2 courses, 1 of them published." in page
    assert 'href="/courses/teaching"' in page
