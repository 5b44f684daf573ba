"""The pure rules: overlaps, blackouts, free seats and deadlines, with their edges."""

from datetime import date, time

from hypothesis import given
from hypothesis import strategies as st

from lms.classes import rules

SAT = date(2027, 3, 27)


def slot(start, end, day=SAT):
    return rules.Slot(day, time(start), time(end))


def test_sessions_overlap_only_on_the_same_day_and_time():
    assert rules.overlaps(slot(9, 12), slot(11, 14))
    assert not rules.overlaps(slot(9, 12), slot(12, 15))  # touching ends
    assert not rules.overlaps(slot(9, 12), slot(9, 12, date(2027, 3, 28)))


def test_a_day_in_a_blackout_period_names_the_period():
    periods = [rules.Period(date(2027, 3, 1), date(2027, 3, 10), "people's congress")]
    assert rules.blackout_for(date(2027, 3, 10), periods).reason == "people's congress"
    assert rules.blackout_for(date(2027, 3, 11), periods) is None


def test_open_seats_leave_out_the_units_seats_and_never_go_negative():
    assert rules.open_seats(10, 4, 5) == 1
    assert rules.open_seats(10, 4, 6) == 0
    assert rules.open_seats(3, 4, 0) == 0


def test_cancelling_is_allowed_through_the_deadline_day():
    assert rules.may_cancel(date(2027, 3, 25), date(2027, 3, 25))
    assert not rules.may_cancel(date(2027, 3, 26), date(2027, 3, 25))


hours = st.integers(min_value=0, max_value=22)


@given(hours, st.integers(1, 2), hours, st.integers(1, 2))
def test_overlap_is_symmetric(a, a_len, b, b_len):
    x, y = slot(a, min(a + a_len, 23)), slot(b, min(b + b_len, 23))
    assert rules.overlaps(x, y) == rules.overlaps(y, x)


@given(st.integers(1, 50), st.integers(0, 50), st.integers(0, 50))
def test_seats_held_and_free_never_exceed_the_capacity(capacity, quota, taken):
    quota, taken = min(quota, capacity), min(taken, capacity)
    free = rules.open_seats(capacity, quota, taken)
    assert 0 <= free <= capacity - quota
