"""The forecast, by hand-computed cases."""

from datetime import date

import pytest

from lms.tracking.forecast import Outlook, forecast, weekends_between

CUTOFF = date(2026, 11, 30)  # a Monday


@pytest.mark.parametrize(
    ("start", "end", "weekends"),
    [
        (date(2026, 11, 28), date(2026, 11, 29), 1),  # Saturday to Sunday
        (date(2026, 11, 29), date(2026, 11, 29), 1),  # a lone Sunday
        (date(2026, 11, 23), date(2026, 11, 27), 0),  # Monday to Friday
        (date(2026, 11, 2), CUTOFF, 4),  # 7/8, 14/15, 21/22, 28/29 November
        (date(2026, 11, 30), date(2026, 11, 1), 0),  # an empty range
    ],
)
def test_weekends_between(start, end, weekends):
    assert weekends_between(start, end) == weekends


def test_on_track_when_the_recent_pace_reaches_the_quota():
    # 60 h done on 2 Nov, 4 weeks at 3 h a week to come: 72 ≥ 70.
    f = forecast(60, 70, 12, 28, date(2026, 11, 2), CUTOFF, 4)
    assert f.pace_hours_per_week == 3
    assert f.projected_hours == 72.0
    assert f.outlook is Outlook.ON_TRACK
    assert f.weekends_left == 4 and f.hours_per_weekend == 2.5


def test_at_risk_when_the_rest_fits_in_the_remaining_weekends():
    # 56 h done, no recent study, 14 h left over 4 weekends: 3.5 h a weekend ≤ 4.
    f = forecast(56, 70, 0, 28, date(2026, 11, 2), CUTOFF, 4)
    assert f.outlook is Outlook.AT_RISK and f.hours_per_weekend == 3.5


def test_behind_when_it_would_take_more_than_a_weekend_can_hold():
    f = forecast(20, 70, 2, 28, date(2026, 11, 2), CUTOFF, 4)
    assert f.outlook is Outlook.BEHIND and f.hours_per_weekend == 12.5


def test_met_and_no_quota():
    assert forecast(70.5, 70, 0, 28, date(2026, 6, 1), CUTOFF, 4).outlook is Outlook.MET
    assert forecast(3, 0, 0, 28, date(2026, 6, 1), CUTOFF, 4).outlook is Outlook.NO_QUOTA


def test_after_the_cut_off_nothing_is_left_to_plan():
    f = forecast(50, 70, 10, 28, date(2026, 12, 5), CUTOFF, 4)
    assert f.weekends_left == 0 and f.hours_per_weekend == 20.0
    assert f.projected_hours == 50.0
    assert f.outlook is Outlook.BEHIND


def test_a_year_just_begun_is_too_early_to_project():
    # 5 h in the first four days of the 2027 year would "project" to about 456 h.
    cutoff = date(2027, 11, 30)
    hasty = forecast(5, 50, 5, 4, date(2026, 12, 4), cutoff, 6)
    assert hasty.projected_hours > 400
    early = forecast(5, 50, 5, 4, date(2026, 12, 4), cutoff, 6, is_early=True)
    assert early.outlook is Outlook.EARLY and early.projected_hours is None
    # A quota already met is met, however early.
    met = forecast(50, 50, 50, 4, date(2026, 12, 4), cutoff, 6, is_early=True)
    assert met.outlook is Outlook.MET


def test_the_dashboards_outlook_is_the_forecasts_in_a_year_just_begun(app):
    """The SQL twin (reports.sql.outlook_expression) says "early" exactly when the pure
    forecast does: the first FORECAST_WEEKS weeks of the window, a quota not yet met."""
    from sqlalchemy import literal, select

    from lms.extensions import db
    from lms.reports.sql import ForecastClock, outlook_expression

    window = (date(2026, 12, 1), date(2027, 11, 30))
    for today, done, expected in [
        (date(2026, 12, 4), 5.0, "early"),
        (date(2026, 12, 28), 5.0, "early"),
        (date(2026, 12, 29), 5.0, "on_track"),  # four weeks passed: projected again
        (date(2026, 12, 4), 50.0, "met"),
    ]:
        clock = ForecastClock.of(window, today, 4, 6.0)
        outlook = outlook_expression(literal(done), literal(50.0), literal(done), literal(0), clock)
        assert db.session.scalar(select(outlook)) == expected, today
