"""The demo makes sense whatever day it is seeded on (the clock set with time-machine).

Seeded in December it is the assessment season: the year just closed is complete (plan, a
year of mostly weekend study, quiz results, an assessment run, a non-participation list)
and the new year has its first days, which no page judges. Seeded in June: half a year. On
29 February: the leap day is an ordinary day of its statistics year.
"""

import time
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import func, select

from lms.accounts.models import User
from lms.assessment.models import AssessmentRun
from lms.assessment.participation import non_participation
from lms.core import statsyear
from lms.demo import history
from lms.demo.services import seed_demo
from lms.extensions import db
from lms.plans.quotas import forecast_for
from lms.plans.years import get_plan
from lms.quizzes.models import QuizResult
from lms.tracking.models import DailyCredit
from tests.conftest import csrf_token

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def seeded_on():
    """``seeded_on(day)`` seeds the demo with the clock at 10:00 that day; it stays set."""
    travellers = []

    def _seed(day: date) -> float:
        traveller = time_machine.travel(datetime(*day.timetuple()[:3], 10, tzinfo=SHANGHAI))
        traveller.start()
        travellers.append(traveller)
        started = time.monotonic()
        seed_demo("pw-12345678", with_media=False)
        db.session.commit()
        return time.monotonic() - started

    yield _seed
    for traveller in travellers:
        traveller.stop()


def _credit(start: date, end: date) -> list[tuple[date, float]]:
    return [
        (day, seconds)
        for day, seconds in db.session.execute(
            select(DailyCredit.local_date, DailyCredit.seconds).where(
                DailyCredit.local_date >= start, DailyCredit.local_date <= end
            )
        )
    ]


def _log_in(client, username):
    if client.get("/login").status_code != 200:
        client.post("/logout", data={"csrf_token": csrf_token(client, "/learning/")})
    response = client.post(
        "/login",
        data={"username": username, "password": "pw-12345678", "csrf_token": csrf_token(client)},
    )
    assert response.status_code == 302


def _users(*names) -> list[User]:
    return [db.session.scalar(select(User).where(User.username == name)) for name in names]


def test_seeded_in_december_it_is_the_assessment_season(app, client, seeded_on):
    elapsed = seeded_on(date(2026, 12, 4))
    assert elapsed < 90, elapsed
    assert get_plan(2026) is not None and get_plan(2027) is not None

    # The closed year: a whole year of study, mostly at weekends.
    closed = _credit(*statsyear.window(2026))
    days = {day for day, _s in closed}
    assert min(days) < date(2026, 1, 15) and max(days) > date(2026, 11, 1)
    weekend = sum(s for d, s in closed if d.weekday() >= 5)
    assert weekend / sum(s for _d, s in closed) > 0.8
    assert db.session.scalar(select(func.count(QuizResult.id)).where(QuizResult.year == 2026))
    run = db.session.scalar(select(AssessmentRun).where(AssessmentRun.year == 2026))
    assert run is not None
    assert len([band for band, count in run.band_counts.items() if count]) >= 3, run.band_counts
    listed = {line.personnel_number for u in non_participation(2026, None) for line in u.absent}
    assert {"WY0015", "WY0020"} <= listed and not {"WY0010", "WY0001"} & listed
    # Each profile ended the closed year where it should: met, or short of the quota.
    met, behind = _users("cadre1", "cadre4")
    assert forecast_for(met, date(2026, 12, 4), 2026).outlook.value == "met"
    assert forecast_for(behind, date(2026, 12, 4), 2026).outlook.value == "behind"

    # The new year: its first days only, nothing today or later.
    new = _credit(*statsyear.window(2027))
    assert new and max(d for d, _s in new) < date(2026, 12, 4)
    assert sum(s for _d, s in new) / 3600 < 40

    # The pages: the season's year by default, and the new year not judged.
    _log_in(client, "supervisor")
    page = client.get("/assessment/non-participation").get_data(as_text=True)
    assert "2026 statistics year (2025-12-01 to 2026-11-30)" in page
    assert "WY0015" in page
    page = client.get("/assessment/non-participation?year=2027").get_data(as_text=True)
    assert "too early to list who did not take part" in page and "WY0015" not in page
    page = client.get("/assessment/").get_data(as_text=True)
    assert "2026 statistics year (2025-12-01 to 2026-11-30)" in page  # the run
    units = client.get("/api/v1/reports/units?year=2027").get_json()["units"]
    assert units and all(u["credited_hours"] < 40 for u in units)
    page = client.get("/reports/?year=2027").get_data(as_text=True)
    assert "Too early to tell" in page

    _log_in(client, "cadre4")
    body = client.get("/api/v1/me/progress").get_json()
    assert body["year"] == 2027 and body["forecast"]["outlook"] == "early"
    assert body["forecast"]["projected_hours"] is None
    page = client.get("/learning/").get_data(as_text=True)
    assert "Too early to tell" in page and "Behind" not in page

    again = seed_demo("pw-12345678", with_media=False)
    db.session.commit()
    assert "0 viewing beats, 0 graded quiz attempts" in again
    assert db.session.scalar(select(func.count(AssessmentRun.id))) == 1


def _assert_profiles(today: date) -> None:
    """Each studying cadre's forecast is their profile's; with months of weekends left
    nobody can be "behind" (``history``'s docstring), so those are "at risk"."""
    for number, profile in history.PROFILES.items():
        if profile != history.NEVER:
            (user,) = _users(f"cadre{number}")
            expected = history.AT_RISK if profile == history.BEHIND else profile
            assert forecast_for(user, today).outlook.value == expected, number


def test_seeded_in_june_it_is_half_a_year(app, seeded_on):
    today = date(2026, 6, 15)
    seeded_on(today)
    assert get_plan(2025) is None  # no season: no closed year
    credit = _credit(date(2000, 1, 1), date(2100, 1, 1))
    assert min(d for d, _s in credit) >= date(2025, 12, 1)
    assert max(d for d, _s in credit) < today
    _assert_profiles(today)


def test_seeded_on_29_february(app, seeded_on):
    today = date(2028, 2, 29)
    seeded_on(today)
    assert statsyear.current_year() == 2028
    assert get_plan(2028) is not None
    _assert_profiles(today)
