"""One statistics year everywhere, with the clock set (time-machine) at its edges.

A lesson is played through the API across the cut-off (30 November 23:59:59 → 1 December
00:00:00, Asia/Shanghai), across New Year, and on 29 February; then every figure of a year
is read where users read it (My learning, /api/v1/me/progress, the archive and its PDF, the
dashboards' API, the assessment run through its page, the reminders) and must agree.
"""

import io
import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from pypdf import PdfReader
from sqlalchemy import select

from lms.assessment.models import AssessmentResult
from lms.core import statsyear
from lms.extensions import db
from lms.notify.reminders import cadre_outlooks
from lms.offline.models import OfflineTraining
from lms.plans.audiences import AudienceInput
from lms.plans.quotas import save_rule
from lms.plans.years import ensure_plan
from lms.tracking.models import DailyCredit
from tests.conftest import csrf_token

SHANGHAI = ZoneInfo("Asia/Shanghai")
QUOTA = 50.0


def local(*args) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


@pytest.fixture
def people(app, make_unit, make_user):
    unit = make_unit("District/Bureau A")
    cadre = make_user("ann", roles=["cadre"], unit=unit)
    admin = make_user("root", roles=["admin"])
    for year in (2026, 2027, 2028):
        save_rule(ensure_plan(year), None, AudienceInput(), QUOTA, 0, 0)
    db.session.commit()
    return {"cadre": cadre, "admin": admin, "unit": unit}


def _log_in(client, user):
    """Log ``user`` in through the form, logging out whoever was in first."""
    if client.get("/login").status_code != 200:
        client.post("/logout", data={"csrf_token": csrf_token(client, "/learning/")})
    token = csrf_token(client)
    response = client.post(
        "/login",
        data={"username": user.username, "password": "secret-pass-1", "csrf_token": token},
    )
    assert response.status_code == 302


def play_across(client, traveller, lesson_id: int, start: datetime, seconds: int) -> None:
    """Play ``seconds`` of a lesson from ``start`` with a beat every 10 s, the clock moving
    with the playback, as the player does."""
    traveller.move_to(start)
    headers = {"X-CSRFToken": csrf_token(client, "/learning/")}
    opened = client.post(f"/api/v1/lessons/{lesson_id}/views", headers=headers)
    assert opened.status_code == 201, opened.get_data(as_text=True)
    view_id = opened.get_json()["view_id"]
    for seq, position in enumerate(range(10, seconds + 1, 10), start=1):
        traveller.move_to(start + timedelta(seconds=position))
        response = client.post(
            f"/api/v1/views/{view_id}/beats",
            json={
                "seq": seq,
                "segments": [[position - 10, position]],
                "position": position,
                "rate": 1.0,
                "ended": False,
            },
        )
        assert response.status_code == 200, response.get_data(as_text=True)


def _ledger(user_id: int) -> dict[date, float]:
    return {
        row.local_date: row.seconds
        for row in db.session.scalars(select(DailyCredit).where(DailyCredit.user_id == user_id))
    }


def _year_seconds(user_id: int, year: int) -> float:
    start, end = statsyear.window(year)
    return sum(s for day, s in _ledger(user_id).items() if start <= day <= end)


def _hours(seconds: float) -> str:
    return f"{seconds / 3600:.1f}"


def check_every_figure_agrees(client, people, year: int) -> None:
    """Each place that shows ``year``'s figures shows the same hours, over the same dates."""
    cadre, admin = people["cadre"], people["admin"]
    seconds = _year_seconds(cadre.id, year)
    label = statsyear.label(year)
    _log_in(client, cadre)

    body = client.get(f"/api/v1/me/progress?year={year}").get_json()
    start, end = statsyear.window(year)
    assert (body["window_start"], body["window_end"]) == (start.isoformat(), end.isoformat())
    assert body["online_seconds"] == pytest.approx(seconds, abs=0.1)
    assert body["counted_hours"] == round(seconds / 3600, 1)
    weekend = sum(
        s for day, s in _ledger(cadre.id).items() if start <= day <= end and day.weekday() >= 5
    )
    assert body["weekend_seconds"] == pytest.approx(weekend, abs=0.1)

    archive = client.get("/archive/").get_data(as_text=True)
    section = archive.split(f">{label}<", 1)[1].split("</section>", 1)[0]
    assert f"{_hours(seconds)} of {QUOTA:.1f} study hours online" in section

    pdf = client.get("/archive/archive.pdf")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages)
    assert f"{_hours(seconds)} of {QUOTA:.1f} study hours online" in text

    if year == statsyear.current_year():
        page = client.get("/learning/").get_data(as_text=True)
        assert f"Study hours in the {label}" in page
        shown = re.search(r"<strong>([\d.]+)</strong> hours online this statistics year", page)
        assert shown.group(1) == _hours(seconds)
        assert f"{_hours(seconds)} of {QUOTA:.1f} hours" in page  # the quota bar
        assert client.get("/api/v1/me/progress").get_json()["year"] == year
        home = client.get("/").get_data(as_text=True)
        shown = re.search(r"<strong>([\d.]+)</strong> study hours credited this year", home)
        assert shown.group(1) == _hours(seconds)
        assert label in home  # the home page's year says its dates too

    _log_in(client, admin)
    units = client.get(f"/api/v1/reports/units?year={year}").get_json()["units"]
    district = next(u for u in units if u["path"] == "District")
    assert district["credited_hours"] == round(seconds / 3600, 1)


@pytest.fixture
def lesson_id(make_lesson):
    return make_lesson(duration=3600.0).id


def test_a_lesson_played_across_the_cutoff_splits_between_the_years(app, client, people, lesson_id):
    cadre = people["cadre"]
    db.session.add_all(
        [
            DailyCredit(user_id=cadre.id, local_date=date(2026, 11, 7), seconds=10 * 3600),
            DailyCredit(user_id=cadre.id, local_date=date(2026, 3, 4), seconds=2 * 3600),
            OfflineTraining(
                user_id=cadre.id,
                training_type="weekend_class",
                title="December class",
                start_date=date(2026, 12, 1),
                end_date=date(2026, 12, 2),
                hours=16,
                days=2,
                status="approved",
            ),
        ]
    )
    db.session.commit()
    with time_machine.travel(local(2026, 11, 30, 23, 50), tick=False) as traveller:
        _log_in(client, cadre)
        # 23:55:00 → 00:05:00: five minutes on each side of the cut-off.
        play_across(client, traveller, lesson_id, local(2026, 11, 30, 23, 55), 600)
        ledger = _ledger(cadre.id)
        assert ledger[date(2026, 11, 30)] == pytest.approx(300, abs=1)
        assert ledger[date(2026, 12, 1)] == pytest.approx(300, abs=1)

        traveller.move_to(local(2026, 11, 30, 23, 59, 59))
        assert statsyear.current_year() == 2026
        traveller.move_to(local(2026, 12, 1, 0, 0, 0))
        assert statsyear.current_year() == 2027
        check_every_figure_agrees(client, people, 2027)
        check_every_figure_agrees(client, people, 2026)
        assert _year_seconds(cadre.id, 2026) == pytest.approx(12 * 3600 + 300, abs=1)

        _log_in(client, cadre)
        body = client.get("/api/v1/me/progress").get_json()
        assert body["offline_days"] == 2.0  # the December class counts toward 2027
        archive = client.get("/archive/").get_data(as_text=True)
        year_2027 = archive.split(f">{statsyear.label(2027)}<", 1)[1].split("</section>")[0]
        assert "December class" in year_2027
        # The year has just begun: no projection from a few minutes of study.
        assert body["forecast"]["outlook"] == "early"
        assert body["forecast"]["projected_hours"] is None

        # The assessment of the year just closed, run through its page, takes the same hours.
        _log_in(client, people["admin"])
        # The offline records list files the class under the year it counts toward.
        assert "December class" in client.get("/offline/?year=2027").get_data(as_text=True)
        assert "December class" not in client.get("/offline/?year=2026").get_data(as_text=True)
        page = client.get("/assessment/").get_data(as_text=True)
        field = re.search(r'<input[^>]*name="year"[^>]*>', page).group(0)
        assert 'value="2026"' in field  # assessment season: the year just closed
        token = csrf_token(client, "/assessment/")
        response = client.post(
            "/assessment/", data={"year": "2026", "unit": "", "csrf_token": token}
        )
        assert response.status_code == 302
        result = db.session.scalar(
            select(AssessmentResult).where(AssessmentResult.user_id == cadre.id)
        )
        assert result.inputs["online_hours"] == round(_year_seconds(cadre.id, 2026) / 3600, 2)
        # The new year cannot be judged on its first day.
        token = csrf_token(client, "/assessment/")
        response = client.post(
            "/assessment/", data={"year": "2027", "unit": "", "csrf_token": token}
        )
        assert response.status_code == 400
        assert "too early to assess it" in response.get_data(as_text=True)
        page = client.get("/assessment/non-participation?year=2027").get_data(as_text=True)
        assert "too early to list who did not take part" in page
        assert "ann" not in page.split("too early", 1)[1]
        assert client.get("/assessment/non-participation.csv?year=2027").status_code == 409
        assert client.get("/assessment/non-participation.csv?year=2026").status_code == 200


def test_reminders_count_the_year_the_pages_count(app, client, people, lesson_id):
    cadre = people["cadre"]
    db.session.add_all(
        [
            DailyCredit(user_id=cadre.id, local_date=date(2025, 12, 6), seconds=3 * 3600),
            DailyCredit(user_id=cadre.id, local_date=date(2026, 11, 21), seconds=4 * 3600),
            DailyCredit(user_id=cadre.id, local_date=date(2026, 12, 5), seconds=5 * 3600),
        ]
    )
    db.session.commit()
    # Friday 27 November 2026: 2026's figures hold December 2025, not December 2026.
    with time_machine.travel(local(2026, 11, 27, 18, 0), tick=False):
        _, outlooks = cadre_outlooks(date(2026, 11, 27))
        assert outlooks[cadre.id].done_hours == pytest.approx(7.0)
        _log_in(client, cadre)
        body = client.get("/api/v1/me/progress").get_json()
        assert body["year"] == 2026 and body["counted_hours"] == 7.0
        assert body["online_seconds"] == pytest.approx(7 * 3600)


def test_new_year_is_no_cut_off(app, client, people, lesson_id):
    """31 December → 1 January is inside one statistics year: nothing splits the figures."""
    cadre = people["cadre"]
    with time_machine.travel(local(2026, 12, 31, 23, 50), tick=False) as traveller:
        _log_in(client, cadre)
        play_across(client, traveller, lesson_id, local(2026, 12, 31, 23, 55), 600)
        ledger = _ledger(cadre.id)
        assert set(ledger) == {date(2026, 12, 31), date(2027, 1, 1)}
        traveller.move_to(local(2027, 1, 1, 0, 0, 0))
        assert statsyear.current_year() == 2027
        assert _year_seconds(cadre.id, 2027) == pytest.approx(600, abs=1)
        check_every_figure_agrees(client, people, 2027)


def test_29_february_counts_toward_its_own_year(app, client, people, lesson_id):
    cadre = people["cadre"]
    with time_machine.travel(local(2028, 2, 29, 20, 0), tick=False) as traveller:
        _log_in(client, cadre)
        play_across(client, traveller, lesson_id, local(2028, 2, 29, 20, 0), 300)
        assert statsyear.current_year() == 2028
        assert statsyear.window(2028) == (date(2027, 12, 1), date(2028, 11, 30))
        check_every_figure_agrees(client, people, 2028)
        page = client.get("/learning/").get_data(as_text=True)
        assert "2028 statistics year (2027-12-01 to 2028-11-30)" in page
