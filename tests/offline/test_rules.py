"""The pure rules: quota factors from exemptions, hours and days from either figure."""

from dataclasses import dataclass
from datetime import date

import pytest

from lms.offline.rules import (
    PRORATE,
    WAIVE,
    exempted_days,
    hours_and_days,
    merge_periods,
    quota_factor,
)

Y2025 = (date(2025, 1, 1), date(2025, 12, 31))  # 365 days
Y2024 = (date(2024, 1, 1), date(2024, 12, 31))  # leap year: 366 days


@dataclass
class Ex:
    start_date: date
    end_date: date
    effect: str = PRORATE


def test_no_exemption_owes_the_whole_quota():
    assert quota_factor([], *Y2025) == 1.0


def test_a_waiver_in_the_year_waives_it_however_short():
    assert quota_factor([Ex(date(2025, 6, 1), date(2025, 6, 1), WAIVE)], *Y2025) == 0.0


def test_a_waiver_outside_the_year_changes_nothing():
    waiver = Ex(date(2024, 3, 1), date(2024, 12, 31), WAIVE)
    assert quota_factor([waiver], *Y2025) == 1.0


def test_proportional_exemption_is_the_share_of_the_year():
    # January to March 2025: 31 + 28 + 31 = 90 days of 365.
    factor = quota_factor([Ex(date(2025, 1, 1), date(2025, 3, 31))], *Y2025)
    assert factor == pytest.approx(1 - 90 / 365)


def test_a_leap_year_has_366_days():
    # February 2024 has 29 days.
    factor = quota_factor([Ex(date(2024, 2, 1), date(2024, 2, 29))], *Y2024)
    assert factor == pytest.approx(1 - 29 / 366)
    assert exempted_days([Ex(date(2024, 2, 28), date(2024, 3, 1))], *Y2024) == 3


def test_exemptions_are_clipped_to_the_year_at_both_ends():
    spanning = [
        Ex(date(2024, 12, 1), date(2025, 1, 10)),  # 10 days in 2025
        Ex(date(2025, 12, 31), date(2026, 2, 1)),  # 1 day in 2025
    ]
    assert exempted_days(spanning, *Y2025) == 11
    assert quota_factor(spanning, *Y2025) == pytest.approx(1 - 11 / 365)


def test_overlapping_and_touching_exemptions_count_each_day_once():
    overlapping = [
        Ex(date(2025, 3, 1), date(2025, 3, 20)),
        Ex(date(2025, 3, 10), date(2025, 3, 31)),  # overlaps: March is 31 days in all
        Ex(date(2025, 4, 1), date(2025, 4, 10)),  # touches: 10 more
        Ex(date(2025, 3, 5), date(2025, 3, 6)),  # inside: nothing more
    ]
    assert exempted_days(overlapping, *Y2025) == 41
    assert merge_periods([(e.start_date, e.end_date) for e in overlapping]) == [
        (date(2025, 3, 1), date(2025, 4, 10))
    ]


def test_a_whole_year_exempted_owes_nothing_and_never_less_than_nothing():
    assert quota_factor([Ex(date(2020, 1, 1), date(2030, 1, 1))], *Y2025) == 0.0
    twice = [Ex(*Y2025), Ex(*Y2025)]
    assert quota_factor(twice, *Y2025) == 0.0


def test_a_one_day_exemption_on_new_years_eve():
    assert exempted_days([Ex(date(2025, 12, 31), date(2025, 12, 31))], *Y2025) == 1
    assert exempted_days([Ex(date(2024, 12, 31), date(2024, 12, 31))], *Y2025) == 0


def test_hours_and_days_from_exactly_one_figure():
    assert hours_and_days(None, 3, 8) == (24, 3)
    assert hours_and_days(6, None, 8) == (6, 0.75)
    with pytest.raises(ValueError):
        hours_and_days(6, 1, 8)
    with pytest.raises(ValueError):
        hours_and_days(None, None, 8)
