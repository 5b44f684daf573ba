"""The statistics year's pure rules (lms.core.statsyear): each date counts toward one year."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lms.core import statsyear


@pytest.mark.parametrize(
    ("day", "year"),
    [
        (date(2026, 1, 1), 2026),
        (date(2026, 11, 30), 2026),  # the cut-off day itself still counts
        (date(2026, 12, 1), 2027),  # after the cut-off: next year's figures
        (date(2026, 12, 31), 2027),
        (date(2025, 12, 1), 2026),
        (date(2028, 2, 29), 2028),
    ],
)
def test_hours_after_the_cutoff_count_toward_the_next_year(day, year):
    assert statsyear.year_of_date(day, (11, 30)) == year


def test_the_window_runs_from_the_day_after_last_years_cutoff():
    assert statsyear.window_of(2026, (11, 30)) == (date(2025, 12, 1), date(2026, 11, 30))
    # A cut-off at the year's end is the calendar year.
    assert statsyear.window_of(2026, (12, 31)) == (date(2026, 1, 1), date(2026, 12, 31))
    # 29 February is cut to the 28th in other years.
    assert statsyear.window_of(2025, (2, 29)) == (date(2024, 3, 1), date(2025, 2, 28))
    assert statsyear.window_of(2028, (2, 29)) == (date(2027, 3, 1), date(2028, 2, 29))


def test_every_day_falls_in_exactly_the_window_of_its_year():
    cutoff = (11, 30)
    day = date(2025, 1, 1)
    while day < date(2028, 1, 1):
        start, end = statsyear.window_of(statsyear.year_of_date(day, cutoff), cutoff)
        assert start <= day <= end
        day += timedelta(days=1)


cutoffs = st.builds(lambda month, day: (month, day), st.integers(1, 12), st.integers(1, 31)).filter(
    lambda c: c[1] <= (29 if c[0] == 2 else 30 if c[0] in (4, 6, 9, 11) else 31)
)


@given(
    day=st.dates(date(2001, 1, 1), date(2098, 12, 31)),
    by_year=st.dictionaries(st.integers(2000, 2099), cutoffs),
    default=cutoffs,
)
def test_with_any_cutoffs_a_day_is_in_the_window_of_its_year_only(day, by_year, default):
    """Each year by its own plan's cut-off: consecutive windows neither overlap nor leave
    a gap, so a day's hours are counted once, in the year ``year_of_date`` names."""

    def cutoff(year):
        return by_year.get(year, default)

    year = statsyear.year_of_date(day, cutoff(day.year))
    start, end = statsyear.window_of(year, cutoff(year), cutoff(year - 1))
    assert start <= day <= end
    for other in (year - 1, year + 1):
        start, end = statsyear.window_of(other, cutoff(other), cutoff(other - 1))
        assert not start <= day <= end


@pytest.mark.parametrize("text", ["", "11", "13-01", "02-30", "11/30", "a-b", "11-30-1"])
def test_a_bad_cutoff_is_refused(text):
    with pytest.raises(ValueError):
        statsyear.parse_cutoff(text)


def test_a_cutoff_is_read_as_month_and_day():
    assert statsyear.parse_cutoff(" 11-30 ") == (11, 30)
    assert statsyear.parse_cutoff("2-29") == (2, 29)
