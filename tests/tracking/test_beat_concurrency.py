"""Beats at the same time: one waiting for the user's clock sees what the other wrote, and
concurrent beats of many cadres all succeed (SQLite's write lock, PostgreSQL's row lock)."""

import itertools
import threading
import time
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import insert, select, update

from lms.core.timeutil import to_local, utcnow
from lms.extensions import db
from lms.tracking import beats, viewing
from lms.tracking.models import (
    CreditClock,
    CreditTotal,
    DailyCredit,
    LessonProgress,
    LessonView,
)

T0 = datetime(2026, 6, 6, 2, 0, 0)  # 10:00 on 6 June in Shanghai


def test_a_beat_waiting_for_the_users_clock_sees_the_beat_it_waited_for(app, cadre, lesson):
    view = viewing.open_view(cadre, lesson)
    view.opened_at = T0
    view_pk, user_id, lesson_id = view.id, cadre.id, lesson.id
    db.session.commit()
    db.session.close()  # on SQLite, even a read here would take the write lock

    # Another beat of the same user is under way: it holds the clock row (on SQLite, the
    # write lock) and has credited [0, 100] of the lesson, not yet committed.
    holder = db.engine.connect()
    transaction = holder.begin()
    holder.execute(
        update(CreditClock)
        .where(CreditClock.user_id == user_id)
        .values(last_beat_at=T0 + timedelta(seconds=100))
    )
    holder.execute(
        insert(LessonProgress).values(
            user_id=user_id,
            lesson_id=lesson_id,
            coverage=[[0, 100]],
            credited_seconds=100.0,
            position_seconds=100.0,
            updated_at=T0 + timedelta(seconds=100),
        )
    )
    holder.execute(
        insert(DailyCredit).values(user_id=user_id, local_date=date(2026, 6, 6), seconds=100.0)
    )
    # ... and its year's total (June 2026 is the 7th month of a year from December 2025).
    holder.execute(
        insert(CreditTotal).values(
            user_id=user_id, year=2026, seconds=100.0, weekend_seconds=100.0, month_06=100.0
        )
    )

    answers, errors = [], []

    def beat():
        try:
            with app.app_context():
                waiting = db.session.get(LessonView, view_pk)
                parsed = viewing.parse_beat({"seq": 1, "segments": [[100, 115]], "position": 115})
                answers.append(beats.record_beat(waiting, parsed, now=T0 + timedelta(seconds=115)))
                db.session.commit()
        except Exception as exc:  # asserted below
            errors.append(exc)

    thread = threading.Thread(target=beat)
    thread.start()
    time.sleep(1.0)
    assert thread.is_alive()  # it waits for the clock
    transaction.commit()
    holder.close()
    thread.join(timeout=30)

    assert errors == []
    # Credited from the other beat's clock (15 s of real time), on top of its coverage.
    assert answers == [
        {
            "credited_seconds": 15,
            "lesson_credited_seconds": 115,
            "lesson_progress": pytest.approx(115 / 600, abs=1e-4),
            "lesson_completed": False,
            "year_credited_seconds": 115,
        }
    ]
    db.session.expire_all()
    progress = db.session.scalar(select(LessonProgress))
    assert progress.coverage == [[0, 115]]
    assert db.session.scalar(select(DailyCredit.seconds)) == pytest.approx(115)


def test_concurrent_beats_of_many_cadres_all_succeed(app, make_user, make_unit, lesson):
    unit = make_unit("District/Bureau")
    workers, beats = 6, 8
    cadres = [make_user(f"cadre_{i}", unit=unit) for i in range(workers)]
    tokens = []
    for cadre in cadres:
        response = app.test_client().post(
            "/api/v1/auth/token", json={"username": cadre.username, "password": "secret-pass-1"}
        )
        tokens.append({"Authorization": f"Bearer {response.get_json()['token']}"})
    lesson_id, cadre_ids = lesson.id, {cadre.id for cadre in cadres}
    db.session.close()
    statuses, errors = [], []

    def play(headers):
        try:
            client = app.test_client()
            opened = client.post(f"/api/v1/lessons/{lesson_id}/views", headers=headers)
            view_id = opened.get_json()["view_id"]
            for seq in range(1, beats + 1):
                body = {"seq": seq, "segments": [[seq - 1, seq]], "position": seq, "rate": 1}
                response = client.post(f"/api/v1/views/{view_id}/beats", json=body, headers=headers)
                statuses.append(response.status_code)
        except Exception as exc:  # asserted below
            errors.append(exc)

    threads = [threading.Thread(target=play, args=(headers,)) for headers in tokens]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert statuses == [200] * workers * beats
    db.session.expire_all()
    views = db.session.scalars(select(LessonView)).all()
    assert sorted(view.last_seq for view in views) == [beats] * workers
    # Every beat of every cadre was recorded against that cadre's own view and progress.
    assert {view.user_id for view in views} == cadre_ids
    assert len(db.session.scalars(select(LessonProgress)).all()) == workers


# --- through the beat endpoint, as the player sends them ------------------------------------


def _post(app, url, **kwargs):
    """A request in an app context of its own (its own session and ``g``), as in a server."""
    db.session.commit()
    with app.app_context():
        return app.test_client().post(url, **kwargs)


def _token(app, user) -> dict:
    response = _post(
        app, "/api/v1/auth/token", json={"username": user.username, "password": "secret-pass-1"}
    )
    return {"Authorization": f"Bearer {response.get_json()['token']}"}


def _open(app, headers, lesson_id) -> str:
    response = _post(app, f"/api/v1/lessons/{lesson_id}/views", headers=headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["view_id"]


def _beat_in_thread(app, headers, view_id, body, answers):
    """Post one beat from a thread of its own (its own app context and session)."""

    def post():
        response = app.test_client().post(
            f"/api/v1/views/{view_id}/beats", json=body, headers=headers
        )
        answers.append((response.status_code, response.get_json()))

    thread = threading.Thread(target=post)
    thread.start()
    return thread


def _hold_the_users_clock(user_id):
    """A transaction that holds the user's clock row, as a beat under way does (on SQLite,
    beginning it takes the database's write lock)."""
    holder = db.engine.connect()
    transaction = holder.begin()
    holder.execute(
        select(CreditClock.user_id).where(CreditClock.user_id == user_id).with_for_update()
    )
    return holder, transaction


def _ledger(user_id):
    """The three records of a user's credit: per view, per lesson, per day."""
    db.session.expire_all()
    views = db.session.scalars(select(LessonView).where(LessonView.user_id == user_id)).all()
    progress = db.session.scalars(
        select(LessonProgress).where(LessonProgress.user_id == user_id)
    ).all()
    days = db.session.scalars(select(DailyCredit).where(DailyCredit.user_id == user_id)).all()
    return views, progress, days


def test_a_beat_that_waited_for_the_users_clock_takes_the_time_after_the_wait(app, cadre, lesson):
    headers = _token(app, cadre)
    view_id = _open(app, headers, lesson.id)
    user_id = cadre.id
    db.session.close()

    holder, transaction = _hold_the_users_clock(user_id)
    answers = []
    thread = _beat_in_thread(
        app, headers, view_id, {"seq": 1, "segments": [[0, 10]], "position": 10}, answers
    )
    time.sleep(1.0)
    assert thread.is_alive()  # it waits for the clock
    # The other beat ends now: its time is the user's clock.
    released_at = utcnow()
    holder.execute(
        update(CreditClock).where(CreditClock.user_id == user_id).values(last_beat_at=released_at)
    )
    transaction.commit()
    holder.close()
    thread.join(timeout=30)

    assert [status for status, _answer in answers] == [200]
    db.session.expire_all()
    # The clock never runs backwards: the waiting beat's time is after the wait, not before.
    clock = db.session.get(CreditClock, user_id)
    assert clock.last_beat_at >= released_at
    view = db.session.scalar(select(LessonView).where(LessonView.public_id == view_id))
    assert view.last_beat_at >= released_at
    # And it was paid for the moment between the release and itself, not for the wait.
    assert answers[0][1]["credited_seconds"] < 0.5


@pytest.mark.parametrize("seq", [2, 1])
def test_a_beat_that_waited_sees_the_record_of_the_view_it_beats(app, cadre, lesson, seq):
    """A second beat of the same view (a retried request, a second tab of one view) that
    waited for the clock adds to what the first wrote, or replays its answer for its seq."""
    headers = _token(app, cadre)
    view_id = _open(app, headers, lesson.id)
    user_id, lesson_id = cadre.id, lesson.id
    now = utcnow()
    view = db.session.scalar(select(LessonView).where(LessonView.public_id == view_id))
    view.opened_at = now - timedelta(seconds=200)
    db.session.commit()
    db.session.close()

    # The first beat of the view (seq 1, 100 s) is under way and has written every record.
    first_answer = {
        "credited_seconds": 100.0,
        "lesson_credited_seconds": 100.0,
        "lesson_progress": 0.1667,
        "lesson_completed": False,
        "year_credited_seconds": 100.0,
    }
    holder, transaction = _hold_the_users_clock(user_id)
    holder.execute(
        update(CreditClock)
        .where(CreditClock.user_id == user_id)
        .values(last_beat_at=now - timedelta(seconds=15))
    )
    holder.execute(
        update(LessonView)
        .where(LessonView.public_id == view_id)
        .values(
            credited_seconds=100.0,
            played=[[0, 100]],
            last_seq=1,
            last_beat_at=now - timedelta(seconds=15),
            last_answer=first_answer,
        )
    )
    holder.execute(
        insert(LessonProgress).values(
            user_id=user_id,
            lesson_id=lesson_id,
            coverage=[[0, 100]],
            credited_seconds=100.0,
            position_seconds=100.0,
            updated_at=now - timedelta(seconds=15),
        )
    )
    holder.execute(
        insert(DailyCredit).values(user_id=user_id, local_date=to_local(now).date(), seconds=100.0)
    )

    answers = []
    body = {"seq": seq, "segments": [[100, 115]], "position": 115}
    thread = _beat_in_thread(app, headers, view_id, body, answers)
    time.sleep(1.0)
    assert thread.is_alive()
    transaction.commit()
    holder.close()
    thread.join(timeout=30)

    assert [status for status, _answer in answers] == [200]
    views, progress, days = _ledger(user_id)
    (view,) = views
    if seq == 1:  # the same beat again: the first one's answer, nothing more credited
        assert answers[0][1] == first_answer
        expected, played = 100.0, [[0, 100]]
    else:
        assert answers[0][1]["credited_seconds"] == pytest.approx(15)
        expected, played = 115.0, [[0, 115]]
    assert view.last_seq == max(seq, 1)
    assert view.played == played
    assert view.credited_seconds == pytest.approx(expected)
    assert progress[0].credited_seconds == pytest.approx(expected)
    assert sum(day.seconds for day in days) == pytest.approx(expected)


@pytest.mark.parametrize("rate", [1.0, 2.0])
def test_parallel_beats_on_several_views_credit_no_more_than_real_time(
    app, cadre, make_lesson, rate
):
    """One cadre's player tabs beating at once through the endpoint: never more credit than
    the real time elapsed times the maximum rate, and every record agrees with the others."""
    app.config["MAX_PLAYBACK_RATE"] = rate
    lessons = [make_lesson(duration=36000.0) for _ in range(2)]
    headers = _token(app, cadre)
    user_id = cadre.id
    started = utcnow()
    view_ids = [_open(app, headers, lessons[i % 2].id) for i in range(4)]
    db.session.close()

    # Two threads per view, so beats of one view also race; each beat claims ten seconds of
    # the lesson never claimed before, far more than the real time between beats pays for.
    seqs = {view_id: itertools.count(1) for view_id in view_ids}
    claims = itertools.count()
    guard = threading.Lock()
    statuses, errors = [], []
    deadline = time.monotonic() + 4.0

    def play(view_id):
        try:
            client = app.test_client()
            while time.monotonic() < deadline:
                with guard:
                    seq, start = next(seqs[view_id]), 20 * next(claims)
                body = {"seq": seq, "segments": [[start, start + 10]], "position": start + 10}
                response = client.post(f"/api/v1/views/{view_id}/beats", json=body, headers=headers)
                statuses.append(response.status_code)
        except Exception as exc:  # asserted below
            errors.append(exc)

    threads = [threading.Thread(target=play, args=(view_ids[i % 4],)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = (utcnow() - started).total_seconds()

    assert errors == []
    assert set(statuses) <= {200, 409}  # 409: a seq older than one its view already took
    assert statuses.count(200) >= 20
    views, progress, days = _ledger(user_id)
    credited = sum(day.seconds for day in days)
    assert 0 < credited <= elapsed * rate
    assert sum(view.credited_seconds for view in views) == pytest.approx(credited, abs=0.01)
    for lesson_progress in progress:
        of_lesson = [view for view in views if view.lesson_id == lesson_progress.lesson_id]
        assert sum(view.credited_seconds for view in of_lesson) == pytest.approx(
            lesson_progress.credited_seconds, abs=0.01
        )
        covered = sum(end - start for start, end in lesson_progress.coverage)
        assert covered == pytest.approx(lesson_progress.credited_seconds, abs=0.01)
    # The user's clock is the latest beat of any view: it never went back.
    clock = db.session.get(CreditClock, user_id)
    assert clock.last_beat_at == max(view.last_beat_at for view in views if view.last_beat_at)
