"""GET /api/v1/me/progress: offline days and the forecast, and the pages that show them."""

from datetime import date

import pytest
from sqlalchemy import select

from lms.core import statsyear
from lms.core.timeutil import local_today
from lms.extensions import db
from lms.offline.models import Exemption, OfflineTraining
from lms.org.categories import ensure_default_categories
from lms.org.models import CadreCategory
from lms.plans.seeding import seed_default_plan
from lms.tracking.models import DailyCredit


@pytest.fixture
def cadre(app, make_unit, make_user):
    ensure_default_categories()
    unit = make_unit("District/Bureau A")
    user = make_user("ann", roles=["cadre"], unit=unit)
    user.cadre.category = db.session.scalar(
        select(CadreCategory).where(CadreCategory.code == "district_management")
    )
    db.session.commit()
    return user


def _credit(user, day: date, hours: float):
    db.session.add(DailyCredit(user_id=user.id, local_date=day, seconds=hours * 3600))


def _offline(user, end: date, days: float, status="approved"):
    db.session.add(
        OfflineTraining(
            user_id=user.id,
            training_type="party_school",
            title="Class",
            start_date=end,
            end_date=end,
            hours=days * 8,
            days=days,
            status=status,
        )
    )


def test_a_past_year_seen_from_its_cut_off(client, login, cadre):
    seed_default_plan(2025)  # window 2024-12-01 .. 2025-11-30; district cadre owes 70
    _credit(cadre, date(2025, 6, 7), 10)
    _credit(cadre, date(2025, 11, 8), 6)  # the last four weeks: 3 to 30 November
    _credit(cadre, date(2025, 11, 22), 8)
    _credit(cadre, date(2025, 12, 6), 5)  # after the cut-off: next year's
    _offline(cadre, date(2025, 10, 20), 3)
    _offline(cadre, date(2025, 12, 3), 2)  # next year's
    _offline(cadre, date(2025, 9, 1), 5, status="pending")  # not approved: does not count
    db.session.commit()
    login(cadre)
    body = client.get("/api/v1/me/progress?year=2025").get_json()
    assert body["counted_hours"] == 24.0
    assert body["offline_days"] == 3.0
    # Done 24 of 70; the last 28 days hold 14 hours: 3.5 a week; no days or weekends left.
    assert body["forecast"] == {
        "outlook": "behind",
        "projected_hours": 24.0,
        "hours_per_weekend": 46.0,
        "weekends_left": 0,
        "pace_hours_per_week": 3.5,
    }


def test_no_quota_means_no_forecast(client, login, cadre):
    _offline(cadre, date(2030, 3, 1), 2)
    db.session.commit()
    login(cadre)
    body = client.get("/api/v1/me/progress?year=2030").get_json()
    assert body["quota_hours"] is None and body["forecast"] is None
    assert body["offline_days"] == 2.0


def test_an_exempted_cadre_has_no_forecast(client, login, cadre, make_user):
    seed_default_plan(2025)
    db.session.add(
        Exemption(
            user_id=cadre.id,
            kind="illness",
            start_date=date(2025, 3, 1),
            end_date=date(2025, 4, 30),
            status="approved",
        )
    )
    db.session.commit()
    login(cadre)
    body = client.get("/api/v1/me/progress?year=2025").get_json()
    # 61 of the window's 365 days exempted: the quota falls in proportion (70 × 304/365),
    # as the assessment counts it; and no forecast, as on the dashboards.
    assert body["quota_hours"] == 58.3 and body["forecast"] is None
    assert body["required_quota_hours"] == round(20 * 304 / 365, 1)


def test_my_learning_and_the_cadre_page_show_the_forecast(
    client, login, post, cadre, make_user, make_unit
):
    year = statsyear.current_year()
    seed_default_plan(year)
    _credit(cadre, local_today(), 75)
    _offline(cadre, local_today(), 1.5)
    db.session.commit()
    login(cadre)
    page = client.get("/learning/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "75.0 of 70.0 hours: this year's quota is met." in page
    assert "You have met this year's online quota." not in page  # said once, by the forecast
    label = statsyear.label(year)  # "2027 statistics year (2026-12-01 to 2027-11-30)"
    assert f"Approved offline training counted toward the {label}: 1.5 days." in page

    supervisor = make_user("sam", roles=["supervisor"], unit=cadre.unit)
    post("/logout", {})
    login(supervisor)
    url = f"/org/cadres/{cadre.cadre.id}"
    page = client.get(url, headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert f"Forecast for the {label}" in page and "Quota met" in page
    assert "1.5 days" in page

    outsider = make_user("otto", roles=["supervisor"], unit=make_unit("District/Bureau B"))
    post("/logout", {})
    login(outsider)
    assert client.get(url).status_code == 404
