"""The heartbeat protocol and the crediting rules, through the API and the service."""

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from lms.extensions import db
from lms.tracking import beats, viewing
from lms.tracking.models import CreditClock, DailyCredit, LessonProgress, LessonView
from lms.tracking.playback import PlayingElsewhere

T0 = datetime(2026, 6, 6, 2, 0, 0)


def _token(client, username):
    response = client.post(
        "/api/v1/auth/token", json={"username": username, "password": "secret-pass-1"}
    )
    return {"Authorization": f"Bearer {response.get_json()['token']}"}


def _open(client, headers, lesson_id):
    return client.post(f"/api/v1/lessons/{lesson_id}/views", headers=headers)


def _age_view(public_id, seconds):
    """Move a view's opening (and the user's clock) into the past: real time has passed."""
    view = db.session.scalar(select(LessonView).where(LessonView.public_id == public_id))
    view.opened_at -= timedelta(seconds=seconds)
    clock = db.session.get(CreditClock, view.user_id)
    if clock.last_beat_at:
        clock.last_beat_at -= timedelta(seconds=seconds)
    db.session.commit()


def _beat(client, headers, view_id, seq, segments, **extra):
    body = {"seq": seq, "segments": segments, "position": 0, "rate": 1, **extra}
    return client.post(f"/api/v1/views/{view_id}/beats", json=body, headers=headers)


def test_open_a_view(client, cadre, lesson):
    headers = _token(client, cadre.username)
    response = _open(client, headers, lesson.id)
    assert response.status_code == 201
    body = response.get_json()
    assert set(body) == {
        "view_id",
        "resume_position",
        "heartbeat_seconds",
        "max_playback_rate",
        "completion_threshold",
        "lesson_credited_seconds",
        "lesson_progress",
        "lesson_completed",
    }
    assert len(body["view_id"]) >= 32
    assert body["resume_position"] == 0
    assert body["lesson_credited_seconds"] == 0
    assert body["lesson_progress"] == 0
    assert body["lesson_completed"] is False
    assert body["completion_threshold"] == 0.9


def test_a_draft_or_missing_lesson_is_404(client, cadre, make_lesson):
    headers = _token(client, cadre.username)
    draft = make_lesson(published=False)
    assert _open(client, headers, draft.id).status_code == 404
    assert _open(client, headers, 999999).status_code == 404


def test_a_beat_credits_played_time_within_real_time(client, cadre, lesson):
    headers = _token(client, cadre.username)
    view_id = _open(client, headers, lesson.id).get_json()["view_id"]
    _age_view(view_id, 15)
    response = _beat(client, headers, view_id, 1, [[0, 15]], position=15)
    assert response.status_code == 200
    answer = response.get_json()
    assert answer["credited_seconds"] == pytest.approx(15, abs=0.5)
    assert answer["lesson_credited_seconds"] == pytest.approx(15, abs=0.5)
    assert answer["lesson_progress"] == pytest.approx(15 / 600, abs=0.001)
    assert answer["lesson_completed"] is False
    assert answer["year_credited_seconds"] == pytest.approx(15, abs=0.5)
    # Reopening resumes where the cadre left off, and says what is credited so far.
    reopened = _open(client, headers, lesson.id).get_json()
    assert reopened["resume_position"] == 15
    assert reopened["lesson_credited_seconds"] == answer["lesson_credited_seconds"]
    assert reopened["lesson_progress"] == answer["lesson_progress"]
    assert reopened["lesson_completed"] is False


def test_claiming_sixty_seconds_two_seconds_after_opening(client, cadre, lesson):
    headers = _token(client, cadre.username)
    view_id = _open(client, headers, lesson.id).get_json()["view_id"]
    _age_view(view_id, 2)
    answer = _beat(client, headers, view_id, 1, [[0, 60]]).get_json()
    assert answer["credited_seconds"] <= 3


def test_beats_as_text_plain_for_send_beacon(client, cadre, lesson):
    headers = _token(client, cadre.username)
    view_id = _open(client, headers, lesson.id).get_json()["view_id"]
    _age_view(view_id, 10)
    response = client.post(
        f"/api/v1/views/{view_id}/beats",
        data='{"seq": 1, "segments": [[0, 10]], "position": 10, "rate": 1, "ended": false}',
        content_type="text/plain;charset=UTF-8",
        headers=headers,
    )
    assert response.status_code == 200
    assert response.get_json()["credited_seconds"] == pytest.approx(10, abs=0.5)


def test_session_cookie_beats_need_no_csrf_header_but_opening_does(client, cadre, lesson, login):
    login(cadre)
    assert client.post(f"/api/v1/lessons/{lesson.id}/views").status_code == 400  # no CSRF
    from tests.conftest import csrf_token

    token = csrf_token(client, "/account")
    response = client.post(f"/api/v1/lessons/{lesson.id}/views", headers={"X-CSRFToken": token})
    assert response.status_code == 201
    view_id = response.get_json()["view_id"]
    _age_view(view_id, 5)
    assert _beat(client, {}, view_id, 1, [[0, 5]]).status_code == 200


def test_another_users_view_is_404_and_credits_nothing(client, cadre, lesson, make_user):
    headers = _token(client, cadre.username)
    view_id = _open(client, headers, lesson.id).get_json()["view_id"]
    _age_view(view_id, 15)
    other = make_user("cadre_b")
    response = _beat(client, _token(client, other.username), view_id, 1, [[0, 15]])
    assert response.status_code == 404
    assert db.session.scalar(select(func.count(LessonProgress.id))) == 0


@pytest.mark.parametrize(
    "body",
    [
        "not json",
        '{"segments": [[0, 5]]}',
        '{"seq": "1", "segments": [[0, 5]]}',
        '{"seq": 1.5, "segments": [[0, 5]]}',
        '{"seq": 1, "segments": [[5, 1]]}',
        '{"seq": 1, "segments": [[0, NaN]]}',
        '{"seq": 1, "segments": [[0, Infinity]]}',
        '{"seq": 1, "segments": "0-5"}',
        '{"seq": 1, "segments": [[0]]}',
        '{"seq": 1, "segments": [[0, 5]], "rate": "fast"}',
        "[1, 2]",
    ],
)
def test_malformed_beats_get_400_and_credit_nothing(client, cadre, lesson, body):
    headers = _token(client, cadre.username)
    view_id = _open(client, headers, lesson.id).get_json()["view_id"]
    _age_view(view_id, 15)
    response = client.post(
        f"/api/v1/views/{view_id}/beats",
        data=body,
        content_type="application/json",
        headers=headers,
    )
    assert response.status_code == 400
    assert response.get_json()["error"]["message"]
    assert db.session.scalar(select(func.count(DailyCredit.id))) == 0


def test_a_repeated_seq_returns_the_same_answer_and_an_older_one_409(client, cadre, lesson):
    headers = _token(client, cadre.username)
    view_id = _open(client, headers, lesson.id).get_json()["view_id"]
    _age_view(view_id, 15)
    first = _beat(client, headers, view_id, 5, [[0, 15]]).get_json()
    _age_view(view_id, 15)
    again = _beat(client, headers, view_id, 5, [[0, 15]]).get_json()
    assert again == first
    assert _beat(client, headers, view_id, 4, [[15, 30]]).status_code == 409
    progress = db.session.scalar(select(LessonProgress))
    assert progress.credited_seconds == pytest.approx(15, abs=0.5)


def test_segments_past_the_end_are_clipped(client, cadre, make_lesson):
    short = make_lesson(duration=20)
    headers = _token(client, cadre.username)
    view_id = _open(client, headers, short.id).get_json()["view_id"]
    _age_view(view_id, 30)
    answer = _beat(client, headers, view_id, 1, [[-5, 10], [10, 500]], ended=True).get_json()
    assert answer["lesson_credited_seconds"] == pytest.approx(20)
    assert answer["lesson_completed"] is True


# --- the service, with the clock in the test's hands -----------------------------------


def _view(cadre, lesson, opened_at):
    view = viewing.open_view(cadre, lesson)
    view.opened_at = opened_at
    db.session.flush()
    return view


def _record(view, seq, segments, now, position=0.0):
    beat = viewing.parse_beat({"seq": seq, "segments": segments, "position": position})
    return beats.record_beat(view, beat, now=now)


def test_replays_and_skips_earn_nothing(app, cadre, lesson):
    view = _view(cadre, lesson, T0)
    assert _record(view, 1, [[0, 15]], T0 + timedelta(seconds=15))["credited_seconds"] == 15
    assert _record(view, 2, [[0, 15]], T0 + timedelta(seconds=30))["credited_seconds"] == 0
    answer = _record(view, 3, [[300, 315]], T0 + timedelta(seconds=45))
    assert answer["credited_seconds"] == 15
    assert answer["lesson_credited_seconds"] == 30


def test_two_tabs_never_double_the_credit(app, cadre, lesson):
    """The second tab is refused while the first plays (one playback per account)."""
    tab_a = _view(cadre, lesson, T0)
    tab_b = _view(cadre, lesson, T0)
    total = 0.0
    for i in range(1, 9):  # alternate beats, 15 s of wall time per pair
        now = T0 + timedelta(seconds=15 * i)
        total += _record(tab_a, i, [[30 * (i - 1), 30 * (i - 1) + 15]], now)["credited_seconds"]
        start = 30 * (i - 1) + 15
        with pytest.raises(PlayingElsewhere):
            _record(tab_b, i, [[start, start + 15]], now)
    assert total == pytest.approx(15 * 8)  # 120 s of real time, 120 s of credit, not 240
    assert tab_b.credited_seconds == 0


def test_an_hour_old_open_view_banks_nothing(app, cadre, lesson):
    view = _view(cadre, lesson, T0)
    answer = _record(view, 1, [[0, 600]], T0 + timedelta(hours=1))
    assert answer["credited_seconds"] == 30  # two heartbeat intervals at most


def test_speeding_up_earns_no_more_than_real_time(app, cadre, lesson):
    view = _view(cadre, lesson, T0)
    now, total = T0, 0.0
    for seq in range(1, 5):  # 2x speed: 30 s of media every 15 s
        now += timedelta(seconds=15)
        total += _record(view, seq, [[(seq - 1) * 30, seq * 30]], now)["credited_seconds"]
    assert total == pytest.approx(60)


def test_completion_at_the_threshold(app, cadre, make_lesson):
    lesson = make_lesson(duration=100)
    view = _view(cadre, lesson, T0)
    now = T0
    answer = None
    for seq in range(1, 4):
        now += timedelta(seconds=30)
        answer = _record(view, seq, [[(seq - 1) * 30, seq * 30]], now)
    assert answer["lesson_completed"] is True  # 90 of 100 seconds
    assert answer["lesson_progress"] == pytest.approx(0.9)


def test_a_session_across_new_year_splits_by_local_date(app, cadre, lesson):
    from datetime import date

    midnight_utc = datetime(2026, 12, 31, 16, 0, 0)  # 00:00 on 1 January in Shanghai
    view = _view(cadre, lesson, midnight_utc - timedelta(seconds=10))
    answer = _record(view, 1, [[0, 15]], midnight_utc + timedelta(seconds=5))
    assert answer["credited_seconds"] == 15
    booked = {row.local_date: row.seconds for row in db.session.scalars(select(DailyCredit))}
    assert booked == {date(2026, 12, 31): pytest.approx(10), date(2027, 1, 1): pytest.approx(5)}
    # New Year is inside one statistics year (README "The annual plan"): the beat's year
    # holds both days.
    assert answer["year_credited_seconds"] == pytest.approx(15)


def test_a_session_across_the_cutoff_splits_between_the_statistics_years(app, cadre, lesson):
    from datetime import date

    midnight_utc = datetime(2026, 11, 30, 16, 0, 0)  # 00:00 on 1 December in Shanghai
    view = _view(cadre, lesson, midnight_utc - timedelta(seconds=10))
    answer = _record(view, 1, [[0, 15]], midnight_utc + timedelta(seconds=5))
    booked = {row.local_date: row.seconds for row in db.session.scalars(select(DailyCredit))}
    assert booked == {date(2026, 11, 30): pytest.approx(10), date(2026, 12, 1): pytest.approx(5)}
    assert answer["year_credited_seconds"] == pytest.approx(5)  # 2027's part


def test_the_view_keeps_its_own_record(app, cadre, lesson):
    view = _view(cadre, lesson, T0)
    _record(view, 1, [[0, 10], [20, 25]], T0 + timedelta(seconds=15), position=25)
    assert view.played == [[0, 10], [20, 25]]
    assert view.credited_seconds == 15
    assert view.last_beat_at == T0 + timedelta(seconds=15)
    assert view.position_seconds == 25


def test_my_progress_sums_the_year_and_the_weekend(client, cadre, lesson):
    saturday = datetime(2026, 6, 6, 2, 0, 0)  # 10:00 on a Saturday in Shanghai
    monday = datetime(2026, 6, 8, 2, 0, 0)
    view = _view(cadre, lesson, saturday)
    _record(view, 1, [[0, 15]], saturday + timedelta(seconds=15))
    view2 = _view(cadre, lesson, monday)
    _record(view2, 1, [[15, 30]], monday + timedelta(seconds=15))
    db.session.commit()
    headers = _token(client, cadre.username)
    body = client.get("/api/v1/me/progress?year=2026", headers=headers).get_json()
    assert body["year"] == 2026
    assert body["online_seconds"] == 30
    assert body["online_hours"] == 0.0
    assert body["weekend_seconds"] == 15
    assert body["courses"] == [
        {
            "id": lesson.course_id,
            "title": "Party spirit",
            "credited_seconds": 30,
            "progress": 0.05,
            "completed": False,
        }
    ]
    assert client.get("/api/v1/me/progress?year=1800", headers=headers).status_code == 400
    empty = client.get("/api/v1/me/progress?year=2025", headers=headers).get_json()
    assert empty["online_seconds"] == 0


def test_my_learning_page_shows_hours_and_where_to_resume(client, cadre, lesson, login):
    from lms.core.timeutil import utcnow

    now = utcnow()
    view = _view(cadre, lesson, now - timedelta(seconds=60))
    _record(view, 1, [[0, 30]], now - timedelta(seconds=30))
    db.session.commit()
    login(cadre)
    page = client.get("/learning/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Courses in progress" in page
    assert "Party spirit" in page
    assert f"/media/play/{lesson.id}" in page  # resume link
    assert "No completed courses yet." in page
    home = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "study hours credited this year" in home


def test_my_learning_empty_state(client, cadre, login):
    login(cadre)
    page = client.get("/learning/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "You have not started a course yet." in page
    assert "0.0" in page


def test_the_course_menu_shows_a_cadres_own_progress(client, cadre, lesson, login):
    lesson.course.duration_seconds = 600
    view = _view(cadre, lesson, T0)
    _record(view, 1, [[0, 30]], T0 + timedelta(seconds=30))
    db.session.commit()
    login(cadre)
    page = client.get("/courses/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Your progress" in page
    assert "5%" in page  # 30 of 600 seconds


def test_a_token_beat_reads_no_more_than_it_needs(client, cadre, lesson):
    """The heartbeat is the busiest request: the token brings its user in one statement and
    the roles in one more; the cadre record, which a beat never reads, is not loaded."""
    from sqlalchemy import event

    headers = _token(client, cadre.username)
    view_id = _open(client, headers, lesson.id).get_json()["view_id"]
    _age_view(view_id, 30)
    assert _beat(client, headers, view_id, 1, [[0, 15]], position=15).status_code == 200
    statements = []

    def record(_conn, _cursor, statement, *_args):
        statements.append(" ".join(statement.split()))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        response = _beat(client, headers, view_id, 2, [[15, 30]], position=30)
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert response.status_code == 200
    reads = [s for s in statements if s.startswith("SELECT")]
    assert sum("FROM user_role" in s for s in reads) == 1
    assert not any("FROM cadre" in s or 'FROM "user"' in s or "FROM user " in s for s in reads)
    # Token (with user and unit), roles, the view, the lesson with clock and progress; and
    # on PostgreSQL the clock's lock, taken in a statement of its own (see record_beat).
    expected = 5 if db.engine.dialect.name == "postgresql" else 4
    assert len(reads) == expected, reads
