"""The crediting rules hold for any beats: any segments, any views, any clock readings (even
readings that go back, as two servers' clocks may), in any time zone."""

from datetime import UTC, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lms.tracking.intervals import parse_segments, total_length
from lms.tracking.rules import credit_user_beat, split_by_local_date

DURATION = 3600.0  # each of two lessons
ZONES = st.sampled_from(["Asia/Shanghai", "Europe/Berlin", "America/New_York", "UTC"])
# Naive UTC, as stored; around new year and the DST changes as often as anywhere else.
BASES = st.datetimes(min_value=datetime(2025, 12, 31, 12), max_value=datetime(2027, 3, 31))
SEGMENTS = st.lists(
    st.tuples(
        st.floats(min_value=-10, max_value=DURATION + 10, allow_nan=False),
        st.floats(min_value=0, max_value=120, allow_nan=False),
    ).map(lambda pair: [pair[0], pair[0] + pair[1]]),
    max_size=4,
)
BEATS = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=3),  # which view
        # The clock reading, in ms after the previous one: mostly forward, sometimes back.
        st.integers(min_value=-5_000, max_value=20_000),
        SEGMENTS,
    ),
    min_size=1,
    max_size=40,
)


def _contains(outer, inner) -> bool:
    return all(any(a <= start and end <= b for a, b in outer) for start, end in inner)


@settings(max_examples=300, deadline=None)
@given(
    base=BASES,
    openings=st.lists(st.integers(min_value=0, max_value=30_000), min_size=4, max_size=4),
    beats=BEATS,
    max_rate=st.sampled_from([0.5, 1.0, 1.5, 2.0, 4.0]),
    heartbeat=st.sampled_from([1.0, 5.0, 15.0, 60.0]),
    zone_name=ZONES,
)
def test_any_beats_credit_at_most_real_time_and_the_records_agree(
    base, openings, beats, max_rate, heartbeat, zone_name
):
    zone = ZoneInfo(zone_name)
    opened = [base + timedelta(milliseconds=ms) for ms in openings]
    lesson_of_view = [0, 1, 0, 1]  # four views on two lessons
    coverage = {0: [], 1: []}
    credited_by_lesson = {0: 0.0, 1: 0.0}
    clock, total, booked, readings, now = None, 0.0, 0.0, [], base

    for view, step_ms, raw in beats:
        now += timedelta(milliseconds=step_ms)
        readings.append(now)
        lesson = lesson_of_view[view]
        before = coverage[lesson]
        played = parse_segments(raw, DURATION)
        beat = credit_user_beat(now, clock, opened[view], before, played, max_rate, heartbeat, zone)

        # The clock never goes back, and stands at the latest reading seen.
        assert clock is None or beat.clock_at >= clock
        assert beat.clock_at == max(readings)
        # Coverage only grows, by at least what was credited (rule 4).
        assert _contains(beat.coverage, before)
        assert total_length(beat.coverage) >= total_length(before) + beat.credited_seconds - 1e-6
        assert beat.credited_seconds >= 0
        # No beat earns more than two heartbeats at the maximum rate (rule 5).
        assert beat.credited_seconds <= 2 * heartbeat * max_rate + 1e-9
        # The split by local date sums to the credit, on dates up to the beat's (rule 7).
        assert sum(beat.by_date.values()) == pytest.approx(beat.credited_seconds, abs=1e-5)
        today = now.replace(tzinfo=UTC).astimezone(zone).date()
        assert all(day <= today for day in beat.by_date)

        coverage[lesson] = beat.coverage
        credited_by_lesson[lesson] += beat.credited_seconds
        clock = beat.clock_at
        total += beat.credited_seconds
        booked += sum(beat.by_date.values())

    # Over all views, never more than the real time elapsed times the maximum rate (rule 5).
    elapsed = (max(readings) - min(opened)).total_seconds()
    assert total <= max(0.0, elapsed) * max_rate + 1e-6
    # The ledger holds what the beats credited, and each lesson's coverage at least that much.
    assert booked == pytest.approx(total, abs=1e-4)
    for lesson, seconds in credited_by_lesson.items():
        assert total_length(coverage[lesson]) >= seconds - 1e-6


@settings(max_examples=300, deadline=None)
@given(
    end=st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2028, 12, 31)),
    seconds=st.floats(min_value=0, max_value=10 * 86400, allow_nan=False),
    zone_name=ZONES,
)
def test_the_split_by_local_date_sums_to_the_credit_on_consecutive_days(end, seconds, zone_name):
    zone = ZoneInfo(zone_name)
    booked = split_by_local_date(end, seconds, zone)
    assert sum(booked.values()) == pytest.approx(seconds, abs=1e-5)
    assert all(part > 0 for part in booked.values())
    days = sorted(booked)
    assert all((b - a).days == 1 for a, b in pairwise(days))
    # No day holds more than it has (25 hours on the day a clock goes back).
    assert all(part <= 25 * 3600 + 1e-6 for part in booked.values())
