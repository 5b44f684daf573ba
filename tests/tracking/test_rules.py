"""Crediting rules without a database: allowance, unique coverage, booking by local date."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from lms.tracking.rules import allowance_seconds, credit_beat, split_by_local_date

T0 = datetime(2026, 6, 6, 2, 0, 0)  # a Saturday morning in Shanghai, stored as naive UTC


def test_allowance_is_real_time_since_the_users_last_beat_capped():
    opened = T0
    assert allowance_seconds(T0 + timedelta(seconds=2), None, opened, 1.0, 15) == 2
    # Since the user's previous beat on any view, when that is later than the opening.
    assert (
        allowance_seconds(T0 + timedelta(seconds=40), T0 + timedelta(seconds=35), opened, 1.0, 15)
        == 5
    )
    # An hour-old open view banks nothing beyond two heartbeat intervals.
    assert allowance_seconds(T0 + timedelta(hours=1), None, opened, 1.0, 15) == 30
    # A clock that runs backwards grants nothing.
    assert allowance_seconds(T0 - timedelta(seconds=5), None, opened, 1.0, 15) == 0


def test_claiming_sixty_seconds_two_seconds_after_opening_earns_two():
    allowance = allowance_seconds(T0 + timedelta(seconds=2), None, T0, 1.0, 15)
    result = credit_beat([], [(0, 60)], allowance)
    assert result.credited_seconds == pytest.approx(2)
    assert result.coverage == [(0, 2)]


def test_replays_earn_nothing_and_new_parts_are_credited_in_order():
    result = credit_beat([(0, 30)], [(0, 30)], 15)
    assert result.credited_seconds == 0
    result = credit_beat([(0, 30)], [(20, 40), (100, 110)], 15)
    assert result.credited_seconds == pytest.approx(15)
    assert result.coverage == [(0, 40), (100, 105)]


def test_overlapping_segments_in_one_beat_count_once():
    result = credit_beat([], [(0, 10), (5, 15), (0, 15)], 30)
    assert result.credited_seconds == pytest.approx(15)


def test_booking_splits_at_local_midnight_on_new_year():
    shanghai = ZoneInfo("Asia/Shanghai")
    # 16:00:10 UTC on 31 December is 00:00:10 on 1 January in Shanghai.
    end = datetime(2026, 12, 31, 16, 0, 10)
    booked = split_by_local_date(end, 30, shanghai)
    assert booked == {date(2026, 12, 31): pytest.approx(20), date(2027, 1, 1): pytest.approx(10)}
    assert split_by_local_date(end, 0, shanghai) == {}
