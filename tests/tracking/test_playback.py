"""One playback per account, through the API: the older playback is refused with 409
``playing_elsewhere``, taking over swaps the two, and no second is lost or paid twice."""

import threading
import time
from datetime import datetime

import pytest
import time_machine
from sqlalchemy import select

from lms.core.timeutil import utcnow
from lms.extensions import db
from lms.tracking.models import CreditClock, DailyCredit, LessonProgress, LessonView

T0 = datetime(2026, 6, 6, 2, 0, 0)  # 10:00 in Shanghai, a Saturday


def _token(client, user):
    response = client.post(
        "/api/v1/auth/token", json={"username": user.username, "password": "secret-pass-1"}
    )
    return {"Authorization": f"Bearer {response.get_json()['token']}"}


def _open(client, headers, lesson_id, **body):
    response = client.post(f"/api/v1/lessons/{lesson_id}/views", headers=headers, json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["view_id"]


def _beat(client, headers, view_id, seq, segments):
    body = {"seq": seq, "segments": segments, "position": segments[-1][1] if segments else 0}
    return client.post(f"/api/v1/views/{view_id}/beats", json=body, headers=headers)


def _take_over(client, headers, view_id):
    return client.post(f"/api/v1/views/{view_id}/playback", headers=headers)


def _credited(public_id):
    db.session.expire_all()
    return db.session.scalar(
        select(LessonView.credited_seconds).where(LessonView.public_id == public_id)
    )


def _ledger_total(user_id):
    db.session.expire_all()
    return sum(
        db.session.scalars(select(DailyCredit.seconds).where(DailyCredit.user_id == user_id))
    )


def test_the_older_playback_is_refused_and_taking_over_swaps_them(client, cadre, lesson):
    headers = _token(client, cadre)
    with time_machine.travel(T0, tick=False) as clock:
        first = _open(client, headers, lesson.id)
        second = _open(client, headers, lesson.id)
        clock.shift(15)
        assert _beat(client, headers, first, 1, [[0, 15]]).get_json()["credited_seconds"] == 15
        # While the first plays, the second may not beat, only take over.
        refused = _beat(client, headers, second, 1, [[100, 110]])
        assert refused.status_code == 409
        assert refused.get_json()["error"]["code"] == "playing_elsewhere"
        assert _credited(second) == 0
        clock.shift(5)
        assert _take_over(client, headers, second).get_json() == {
            "view_id": second,
            "playing": True,
        }
        clock.shift(10)
        # The first's next beat still played 15-30, but only the 5 s before the takeover
        # are its own: credited, and refused all the same.
        closing = _beat(client, headers, first, 2, [[15, 30]])
        assert closing.status_code == 409
        assert closing.get_json()["error"]["code"] == "playing_elsewhere"
        assert _credited(first) == pytest.approx(20)
        assert _beat(client, headers, first, 3, [[30, 45]]).status_code == 409
        assert _credited(first) == pytest.approx(20)
        answer = _beat(client, headers, second, 2, [[30, 40]]).get_json()
        assert answer["credited_seconds"] == pytest.approx(10)  # from the takeover on
        # Taking over again makes the second the older playback.
        clock.shift(5)
        assert _take_over(client, headers, first).status_code == 200
        clock.shift(10)
        assert _beat(client, headers, second, 3, [[40, 50]]).status_code == 409
        assert _beat(client, headers, first, 4, [[60, 70]]).get_json()["credited_seconds"] == 10
    # 45 s of real time, 45 s of credit: none lost at a takeover, none paid twice.
    assert _credited(first) + _credited(second) == pytest.approx(45)
    assert _ledger_total(cadre.id) == pytest.approx(45)


def test_a_playback_silent_for_two_heartbeats_gives_way_without_a_takeover(
    client, cadre, make_lesson
):
    """A closed tab or a paused player holds nothing: another view's beat claims it."""
    headers = _token(client, cadre)
    lessons = [make_lesson(), make_lesson()]
    with time_machine.travel(T0, tick=False) as clock:
        first = _open(client, headers, lessons[0].id)
        clock.shift(15)
        assert _beat(client, headers, first, 1, [[0, 15]]).status_code == 200
        second = _open(client, headers, lessons[1].id)
        clock.shift(29)
        assert _beat(client, headers, second, 1, [[0, 10]]).status_code == 409
        clock.shift(2)  # 31 s since the first's last beat: more than two heartbeats
        assert _beat(client, headers, second, 2, [[0, 15]]).status_code == 200
        # The silent view's late beat earns nothing: that time went to the second.
        assert _beat(client, headers, first, 2, [[15, 30]]).status_code == 409
    assert _credited(first) == pytest.approx(15)
    assert _ledger_total(cadre.id) == pytest.approx(15 + _credited(second))
    db.session.expire_all()
    clock_row = db.session.get(CreditClock, cadre.id)
    assert clock_row.playing_view_id == db.session.scalar(
        select(LessonView.id).where(LessonView.public_id == second)
    )


def test_taking_over_someone_elses_view_is_404(client, cadre, make_user, lesson):
    other = make_user("cadre_b")
    mine = _open(client, _token(client, cadre), lesson.id)
    response = _take_over(client, _token(client, other), mine)
    assert response.status_code == 404
    db.session.expire_all()
    assert db.session.get(CreditClock, cadre.id).playing_view_id is None


@pytest.mark.parametrize("rounds", [3])
def test_takeovers_racing_beats_lose_and_double_no_second(app, cadre, make_lesson, rounds):
    """Two devices of one cadre play one after the other, honestly, from threads: each takes
    over while the other is beating. Every record agrees, and the credit is the real time
    played, within the requests' own latency: none lost at a takeover, none paid twice."""
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("the race is run on PostgreSQL")
    app.config["HEARTBEAT_SECONDS"] = 0.5
    lesson = make_lesson(duration=36000.0)
    client = app.test_client()
    headers = _token(client, cadre)
    user_id = cadre.id
    views = [_open(client, headers, lesson.id) for _ in range(2)]
    db.session.close()
    errors, statuses = [], []
    position = {"at": 0.0}
    guard = threading.Lock()
    turn = [threading.Event(), threading.Event()]
    done = threading.Event()
    first_claim = {}
    started = utcnow()

    def play(index):
        """A device: wait for its turn, take over, beat what it played since its last beat
        (new parts of the lecture only), until the other device takes over."""
        tab = app.test_client()
        view_id = views[index]
        seq = 0
        try:
            while not done.is_set():
                if not turn[index].wait(timeout=0.05):
                    continue
                turn[index].clear()
                first_claim.setdefault("at", utcnow())
                last = time.monotonic()  # playing starts, then the player claims
                assert (
                    tab.post(f"/api/v1/views/{view_id}/playback", headers=headers).status_code
                    == 200
                )
                while not done.is_set():
                    time.sleep(0.4)  # a takeover falls between two beats
                    now = time.monotonic()
                    with guard:
                        start = position["at"]
                        position["at"] += 100.0  # never overlapping parts
                    seq += 1
                    body = {"seq": seq, "segments": [[start, start + (now - last)]]}
                    response = tab.post(
                        f"/api/v1/views/{view_id}/beats", json=body, headers=headers
                    )
                    statuses.append(response.status_code)
                    last = now
                    if response.status_code == 409:
                        break
        except Exception as exc:  # asserted below
            errors.append(exc)

    threads = [threading.Thread(target=play, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for round_ in range(2 * rounds):
        turn[round_ % 2].set()
        time.sleep(1.0)
    done.set()
    turn[0].set()
    turn[1].set()
    for thread in threads:
        thread.join(timeout=30)
    elapsed = (utcnow() - started).total_seconds()

    assert errors == []
    assert statuses.count(409) >= 2 * rounds - 1  # each takeover refused the other device
    db.session.expire_all()
    rows = db.session.scalars(select(LessonView).where(LessonView.user_id == user_id)).all()
    progress = db.session.scalar(select(LessonProgress).where(LessonProgress.user_id == user_id))
    ledger = _ledger_total(user_id)
    assert sum(row.credited_seconds for row in rows) == pytest.approx(ledger, abs=0.01)
    assert progress.credited_seconds == pytest.approx(ledger, abs=0.01)
    assert ledger <= elapsed
    # What was played (the threads' own clocks) is credited, short by the requests' latency
    # at most: the closing beat of each takeover pays the time before it.
    # From the first takeover to the last beat the devices played without a gap: all of it
    # is credited, short by the requests' latency at most (a takeover that lost the stretch
    # since the older device's last beat would lose about 0.2 s each time).
    last_beat = db.session.get(CreditClock, user_id).last_beat_at
    span = (last_beat - first_claim["at"]).total_seconds()
    assert ledger == pytest.approx(span, abs=0.03 * 2 * rounds)
