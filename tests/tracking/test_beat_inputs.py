"""What the view and beat endpoints accept: the same clear answer on both databases, never a
500, and no credit for a lesson that can no longer be played."""

import json

import pytest
from sqlalchemy import func, select

from lms.courses.models import LessonStatus
from lms.extensions import db
from lms.tracking.models import DailyCredit, LessonView
from tests.tracking.test_beats import _age_view, _beat, _open, _token


def _opened(client, cadre, lesson, seconds=15):
    headers = _token(client, cadre.username)
    view_id = _open(client, headers, lesson.id).get_json()["view_id"]
    _age_view(view_id, seconds)
    return headers, view_id


def _credited() -> float:
    return db.session.scalar(select(func.coalesce(func.sum(DailyCredit.seconds), 0.0)))


def _post_raw(client, headers, view_id, raw):
    return client.post(
        f"/api/v1/views/{view_id}/beats", data=raw, content_type="text/plain", headers=headers
    )


@pytest.mark.parametrize("seq", [2**31, 2**32, 2**63, 2**64, 10**30])
def test_a_seq_beyond_the_columns_range_is_400_on_both_databases(client, cadre, lesson, seq):
    headers, view_id = _opened(client, cadre, lesson)
    response = _beat(client, headers, view_id, seq, [[0, 15]])
    assert response.status_code == 400
    assert "seq" in response.get_json()["error"]["message"]
    assert _credited() == 0


def test_the_largest_seq_the_column_holds_is_accepted(client, cadre, lesson):
    headers, view_id = _opened(client, cadre, lesson)
    assert _beat(client, headers, view_id, 2**31 - 1, [[0, 15]]).status_code == 200
    assert _beat(client, headers, view_id, 2**31 - 1, [[0, 15]]).status_code == 200  # a retry


@pytest.mark.parametrize(
    "extra",
    [
        {"rate": 1e308},
        {"rate": -5},
        {"rate": 17},
        {"rate": 10**400},
        {"position": 10**400},
        {"position": -(10**400)},
    ],
)
def test_absurd_rates_and_positions_are_400_and_not_stored(client, cadre, lesson, extra):
    headers, view_id = _opened(client, cadre, lesson)
    response = _beat(client, headers, view_id, 1, [[0, 15]], **extra)
    assert response.status_code == 400
    assert next(iter(extra)) in response.get_json()["error"]["message"]
    view = db.session.scalar(select(LessonView).where(LessonView.public_id == view_id))
    assert view.max_rate == 1.0  # the view's highest speed is still the one it opened with
    assert view.last_seq is None
    assert _credited() == 0


def test_the_highest_rate_a_player_reports_is_kept(client, cadre, lesson):
    headers, view_id = _opened(client, cadre, lesson)
    assert _beat(client, headers, view_id, 1, [[0, 15]], rate=2).status_code == 200
    assert _beat(client, headers, view_id, 2, [[15, 16]], rate=0.5).status_code == 200
    view = db.session.scalar(select(LessonView).where(LessonView.public_id == view_id))
    assert view.max_rate == 2.0


@pytest.mark.parametrize("bound", [10**400, -(10**400)])
def test_a_segment_bound_beyond_any_float_is_400(client, cadre, lesson, bound):
    headers, view_id = _opened(client, cadre, lesson)
    response = _post_raw(client, headers, view_id, json.dumps({"seq": 1, "segments": [[0, bound]]}))
    assert response.status_code == 400
    assert _credited() == 0


@pytest.mark.parametrize(
    "raw",
    [
        '{"seq": 1, "segments": ' + "[" * 30000 + "]" * 30000 + "}",
        "[" * 60000,
        '{"seq": 1, "segments": [[0, 15]], "x": ' + '{"a": ' * 8000 + "1" + "}" * 8000 + "}",
    ],
)
def test_deeply_nested_json_is_400(client, cadre, lesson, raw):
    headers, view_id = _opened(client, cadre, lesson)
    response = _post_raw(client, headers, view_id, raw)
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "bad_request"
    assert _credited() == 0


@pytest.mark.parametrize("lesson_id", [2**31, 2**63, 2**64])
def test_a_lesson_id_beyond_any_row_is_404_on_both_databases(client, cadre, lesson_id):
    headers = _token(client, cadre.username)
    assert _open(client, headers, lesson_id).status_code == 404


# --- lessons that can no longer be played ---------------------------------------------------


@pytest.mark.parametrize(
    "status", [LessonStatus.EMPTY.value, LessonStatus.PROCESSING.value, LessonStatus.FAILED.value]
)
def test_a_lesson_without_playable_media_opens_no_view(client, cadre, make_lesson, status):
    lesson = make_lesson()
    lesson.status = status  # its duration stays: only the status says there is no media
    db.session.commit()
    response = _open(client, _token(client, cadre.username), lesson.id)
    assert response.status_code == 409
    assert db.session.scalar(select(func.count(LessonView.id))) == 0


def test_a_view_earns_nothing_once_its_lesson_has_no_media(client, cadre, lesson):
    headers, view_id = _opened(client, cadre, lesson)
    lesson.status = LessonStatus.EMPTY.value
    db.session.commit()
    response = _beat(client, headers, view_id, 1, [[0, 15]])
    assert response.status_code == 409
    assert _credited() == 0


def test_a_view_earns_nothing_once_its_course_is_unpublished(client, cadre, lesson):
    headers, view_id = _opened(client, cadre, lesson)
    assert _beat(client, headers, view_id, 1, [[0, 10]]).status_code == 200
    earned = _credited()
    assert earned > 0
    lesson.course.is_published = False
    db.session.commit()
    _age_view(view_id, 15)
    response = _beat(client, headers, view_id, 2, [[10, 25]])
    assert response.status_code == 409
    assert "no longer" in response.get_json()["error"]["message"]
    assert _credited() == earned


def test_an_instructor_still_earns_on_their_own_draft(client, make_user, make_lesson):
    instructor = make_user("teacher", roles=["instructor"])
    lesson = make_lesson(published=False, instructors=[instructor])
    headers, view_id = _opened(client, instructor, lesson)
    assert _beat(client, headers, view_id, 1, [[0, 15]]).status_code == 200
    assert _credited() > 0
