"""Totals kept with the ledger: per cadre and statistics year, written in the beat's
transaction, split at the cut-off, re-totalled when a cut-off changes, checked by a command.

The clock is set (time-machine) at the year's edges and lessons are played through the beat
API as the player does; the totals must then equal the ledger's days (``totals check``) and
the dashboards' API shows them.
"""

import threading
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import insert, select, update

from lms.core import statsyear
from lms.extensions import db
from lms.plans.audiences import AudienceInput
from lms.plans.quotas import save_rule
from lms.plans.years import ensure_plan
from lms.tracking import totals
from lms.tracking.models import CreditTotal, DailyCredit
from tests.conftest import csrf_token

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local(*args) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


@pytest.fixture
def people(app, make_unit, make_user):
    unit = make_unit("District/Bureau A")
    cadre = make_user("ann", roles=["cadre"], unit=unit)
    admin = make_user("root", roles=["admin"])
    for year in (2026, 2027):
        save_rule(ensure_plan(year), None, AudienceInput(), 50.0, 0, 0)
    db.session.commit()
    return {"cadre": cadre, "admin": admin}


@pytest.fixture
def lesson_id(make_lesson):
    return make_lesson(duration=3600.0).id


def _log_in(client, user):
    if client.get("/login").status_code != 200:
        client.post("/logout", data={"csrf_token": csrf_token(client, "/learning/")})
    response = client.post(
        "/login",
        data={
            "username": user.username,
            "password": "secret-pass-1",
            "csrf_token": csrf_token(client),
        },
    )
    assert response.status_code == 302


def _play(client, traveller, lesson_id: int, start: datetime, seconds: int) -> None:
    """Play ``seconds`` from ``start``, a beat every 10 s, the clock moving with playback."""
    traveller.move_to(start)
    headers = {"X-CSRFToken": csrf_token(client, "/learning/")}
    opened = client.post(f"/api/v1/lessons/{lesson_id}/views", headers=headers)
    assert opened.status_code == 201, opened.get_data(as_text=True)
    view_id = opened.get_json()["view_id"]
    for seq, position in enumerate(range(10, seconds + 1, 10), start=1):
        traveller.move_to(start + timedelta(seconds=position))
        body = {"seq": seq, "segments": [[position - 10, position]], "position": position}
        response = client.post(f"/api/v1/views/{view_id}/beats", json=body)
        assert response.status_code == 200, response.get_data(as_text=True)


def _totals(user_id: int) -> dict[int, dict]:
    db.session.expire_all()
    rows = db.session.execute(
        select(CreditTotal.__table__).where(CreditTotal.user_id == user_id)
    ).all()
    return {row.year: dict(row._mapping) for row in rows}


def _check(app, *args) -> tuple[int, str]:
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["totals", "check", *args])
    db.session.commit()  # the command ran in this session (on SQLite: the write lock)
    return result.exit_code, result.output


def _unit_hours(client, year: int) -> float:
    units = client.get(f"/api/v1/reports/units?year={year}").get_json()["units"]
    return next(u for u in units if u["path"] == "District")["credited_hours"]


def test_a_beat_across_the_cutoff_goes_to_each_years_total(app, client, people, lesson_id):
    cadre = people["cadre"]
    with time_machine.travel(local(2026, 11, 30, 23, 50), tick=False) as traveller:
        _log_in(client, cadre)
        # 23:55:00 → 00:05:00 on the cut-off day: five minutes on each side.
        _play(client, traveller, lesson_id, local(2026, 11, 30, 23, 55), 600)
    kept = _totals(cadre.id)
    assert set(kept) == {2026, 2027}
    # 2026's window starts on 1 December 2025: November 2026 is its twelfth month.
    assert kept[2026]["seconds"] == pytest.approx(300, abs=1)
    assert kept[2026]["month_11"] == pytest.approx(kept[2026]["seconds"])
    assert kept[2027]["seconds"] == pytest.approx(300, abs=1)
    assert kept[2027]["month_00"] == pytest.approx(kept[2027]["seconds"])
    assert kept[2026]["weekend_seconds"] == kept[2027]["weekend_seconds"] == 0  # Mon, Tue
    assert kept[2026]["seconds"] + kept[2027]["seconds"] == pytest.approx(600, abs=0.01)
    assert _check(app) == (0, "The totals match the ledger.\n")


def test_new_year_stays_in_one_total_by_month(app, client, people, lesson_id):
    cadre = people["cadre"]
    with time_machine.travel(local(2026, 12, 31, 23, 50), tick=False) as traveller:
        _log_in(client, cadre)
        _play(client, traveller, lesson_id, local(2026, 12, 31, 23, 55), 600)
    kept = _totals(cadre.id)
    assert set(kept) == {2027}
    assert kept[2027]["month_00"] == pytest.approx(300, abs=1)  # December 2026
    assert kept[2027]["month_01"] == pytest.approx(300, abs=1)  # January 2027
    assert kept[2027]["seconds"] == pytest.approx(600, abs=0.01)
    assert _check(app)[0] == 0


def test_a_weekend_beat_counts_in_the_weekend_total(app, client, people, lesson_id):
    cadre = people["cadre"]
    with time_machine.travel(local(2026, 5, 9, 9, 0), tick=False) as traveller:  # Saturday
        _log_in(client, cadre)
        _play(client, traveller, lesson_id, local(2026, 5, 9, 9, 0), 300)
    kept = _totals(cadre.id)[2026]
    assert kept["weekend_seconds"] == pytest.approx(kept["seconds"]) == pytest.approx(300, abs=1)


def test_a_cutoff_change_re_totals_the_two_years(app, client, people, lesson_id):
    cadre, admin = people["cadre"], people["admin"]
    db.session.add_all(
        [
            DailyCredit(user_id=cadre.id, local_date=date(2026, 12, 5), seconds=5 * 3600),
            DailyCredit(user_id=cadre.id, local_date=date(2026, 6, 6), seconds=2 * 3600),
        ]
    )
    db.session.commit()
    assert {y: round(t["seconds"] / 3600, 1) for y, t in _totals(cadre.id).items()} == {
        2026: 2.0,
        2027: 5.0,
    }
    with time_machine.travel(local(2026, 12, 10, 10, 0), tick=False):
        _log_in(client, admin)
        assert _unit_hours(client, 2026) == 2.0
        assert _unit_hours(client, 2027) == 5.0
        # 2026's plan now closes on 31 December: 5 December counts toward 2026.
        response = client.post(
            "/plan/2026/settings",
            data={
                "cutoff": "12-31",
                "hours_per_training_day": "8",
                "young_age_limit": "35",
                "newly_promoted_months": "12",
                "csrf_token": csrf_token(client, "/plan/2026/settings"),
            },
        )
        assert response.status_code == 302, response.get_data(as_text=True)
        assert statsyear.window(2026) == (date(2025, 12, 1), date(2026, 12, 31))
        kept = _totals(cadre.id)
        assert set(kept) == {2026}
        assert kept[2026]["seconds"] == 7 * 3600
        assert kept[2026]["month_12"] == 5 * 3600  # December 2026: the window's 13th month
        assert kept[2026]["weekend_seconds"] == 7 * 3600  # both Saturdays
        assert _unit_hours(client, 2026) == 7.0
        assert _unit_hours(client, 2027) == 0.0
        assert _check(app)[0] == 0

    # Another process still held the old cut-off for a minute and booked a beat of
    # 5 December into 2027's total: the re-total queued for after that minute puts it right.
    task = app.extensions["plan_tasks"]["retotal_years"]
    scheduled = [t for t in task.huey.pending() if t.name == "plans.retotal_years"]
    assert [(t.args, t.eta is not None) for t in scheduled] == [(([2026, 2027],), True)]
    db.session.execute(
        update(DailyCredit)
        .where(DailyCredit.local_date == date(2026, 12, 5))
        .values(seconds=5 * 3600 + 60)
    )
    db.session.execute(  # where the old cut-off put it: 2027's first month
        insert(CreditTotal).values(
            user_id=cadre.id, year=2027, seconds=60.0, weekend_seconds=60.0, month_00=60.0
        )
    )
    db.session.commit()
    assert _check(app)[0] == 1
    task.call_local([2026, 2027])
    assert _check(app)[0] == 0
    assert _totals(cadre.id)[2026]["seconds"] == 7 * 3600 + 60


def test_check_lists_mismatches_and_fix_re_totals(app, people):
    cadre = people["cadre"]
    db.session.add(DailyCredit(user_id=cadre.id, local_date=date(2026, 6, 6), seconds=3600))
    db.session.commit()
    assert _check(app, "--year", "2026")[0] == 0
    db.session.execute(
        update(CreditTotal).where(CreditTotal.user_id == cadre.id).values(seconds=10.0)
    )
    code, output = _check(app, "--year", "2026")
    assert code == 1
    assert f"user {cadre.id} year 2026 seconds: total 10.000 != ledger 3600.000" in output
    code, output = _check(app, "--fix")
    assert code == 0 and "Re-totalled" in output
    assert _check(app) == (0, "The totals match the ledger.\n")
    assert _totals(cadre.id)[2026]["seconds"] == 3600


def test_ledger_rows_changed_through_the_orm_keep_the_totals(app, people):
    cadre = people["cadre"]
    day = DailyCredit(user_id=cadre.id, local_date=date(2026, 6, 6), seconds=3600)
    db.session.add(day)
    db.session.commit()
    day.seconds = 1800
    db.session.commit()
    assert _totals(cadre.id)[2026]["seconds"] == 1800
    db.session.delete(day)
    db.session.commit()
    assert _totals(cadre.id)[2026]["seconds"] == 0
    # A bulk insert through the session (fixtures, imports) counts too.
    db.session.execute(
        insert(DailyCredit),
        [
            {"user_id": cadre.id, "local_date": date(2026, 11, 30), "seconds": 60.0},
            {"user_id": cadre.id, "local_date": date(2026, 12, 1), "seconds": 30.0},
        ],
    )
    db.session.commit()
    kept = _totals(cadre.id)
    assert (kept[2026]["seconds"], kept[2027]["seconds"]) == (60.0, 30.0)
    assert _check(app)[0] == 0


# --- at once, on PostgreSQL --------------------------------------------------------------


def _token(app, user) -> dict:
    credentials = {"username": user.username, "password": "secret-pass-1"}
    db.session.commit()
    db.session.close()  # on SQLite, even a read here would take the write lock
    with app.app_context():
        response = app.test_client().post("/api/v1/auth/token", json=credentials)
    return {"Authorization": f"Bearer {response.get_json()['token']}"}


def test_beats_of_two_views_of_one_cadre_at_once_lose_no_total(app, people, make_lesson):
    """Two tabs of one cadre beat at the same moments from two threads: the clock lock
    orders them, and whatever each credits lands in the ledger and in the totals alike."""
    user_id = people["cadre"].id
    lessons = [make_lesson(duration=3600.0).id for _ in range(2)]
    headers = _token(app, people["cadre"])
    client = app.test_client()
    views = [
        client.post(f"/api/v1/lessons/{lesson}/views", headers=headers).get_json()["view_id"]
        for lesson in lessons
    ]
    db.session.close()
    statuses, errors = [], []
    barrier = threading.Barrier(2)

    def play(view_id):
        try:
            tab = app.test_client()
            for seq in range(1, 13):
                barrier.wait(timeout=30)
                body = {"seq": seq, "segments": [[seq * 5 - 5, seq * 5]], "position": seq * 5}
                response = tab.post(f"/api/v1/views/{view_id}/beats", json=body, headers=headers)
                statuses.append(response.status_code)
                threading.Event().wait(0.4)
        except Exception as exc:  # asserted below
            errors.append(exc)

    threads = [threading.Thread(target=play, args=(view_id,)) for view_id in views]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    # One playback per account: the tab that lost the race for it is refused (409).
    assert errors == [] and set(statuses) <= {200, 409} and statuses.count(200) >= 12
    db.session.expire_all()
    ledger = db.session.scalar(
        select(db.func.sum(DailyCredit.seconds)).where(DailyCredit.user_id == user_id)
    )
    assert ledger > 0
    kept = sum(t["seconds"] for t in _totals(user_id).values())
    assert kept == pytest.approx(ledger, abs=0.01)
    assert _check(app)[0] == 0


def test_the_totals_upsert_loses_no_update_between_writers(app, people):
    """Without any clock lock (a writer that skips it), concurrent upserts of one cadre's
    total all count: the upsert adds in one statement on both databases."""
    cadre = people["cadre"]
    user_id = cadre.id
    db.session.commit()
    db.session.close()
    writers, rounds = 4, 25
    errors = []
    barrier = threading.Barrier(writers)

    def write():
        try:
            with app.app_context():
                barrier.wait(timeout=30)
                for _ in range(rounds):
                    connection = db.session.connection()
                    totals.add_to_totals(connection, user_id, {date(2026, 6, 6): 1.0})
                    db.session.commit()
        except Exception as exc:  # asserted below
            errors.append(exc)

    threads = [threading.Thread(target=write) for _ in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    kept = _totals(user_id)[2026]
    assert kept["seconds"] == writers * rounds
    assert kept["month_06"] == writers * rounds  # June 2026 in a window from December 2025
