"""Beats at the same time: one waiting for the user's clock sees what the other wrote, and
concurrent beats of many cadres all succeed (SQLite's write lock, PostgreSQL's row lock)."""

import threading
import time
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import insert, select, update

from lms.extensions import db
from lms.tracking import services
from lms.tracking.models import CreditClock, DailyCredit, LessonProgress, LessonView

T0 = datetime(2026, 6, 6, 2, 0, 0)  # 10:00 on 6 June in Shanghai


def test_a_beat_waiting_for_the_users_clock_sees_the_beat_it_waited_for(app, cadre, lesson):
    view = services.open_view(cadre, lesson)
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

    answers, errors = [], []

    def beat():
        try:
            with app.app_context():
                waiting = db.session.get(LessonView, view_pk)
                parsed = services.parse_beat({"seq": 1, "segments": [[100, 115]], "position": 115})
                answers.append(
                    services.record_beat(waiting, parsed, now=T0 + timedelta(seconds=115))
                )
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
