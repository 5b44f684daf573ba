"""The audience curve: average viewers per bucket, computed by a sweep over coverage."""

import random

import pytest

from lms.tracking.audience import audience_curve, bucket_count, format_clock


def test_one_second_buckets_for_a_short_lesson():
    curve = audience_curve([[(0, 4)], [(0, 2)], [(1, 3)]], duration=5)
    assert curve.bucket_seconds == 1
    # second 0: A, B; 1: A, B, C; 2: A, C; 3: A; 4: nobody
    assert curve.viewers == pytest.approx([2, 3, 2, 1, 0])
    assert curve.starts() == [0, 1, 2, 3, 4]


def test_a_partly_covered_bucket_counts_its_share():
    curve = audience_curve([[(0, 2.5)], [(0.5, 1)]], duration=4)
    assert curve.viewers == pytest.approx([1.5, 1, 0.5, 0])


def test_overlapping_pairs_of_one_viewer_count_once():
    curve = audience_curve([[(0, 3), (1, 2), (2, 4)]], duration=4)
    assert curve.viewers == pytest.approx([1, 1, 1, 1])


def test_long_lessons_are_cut_into_at_most_200_buckets():
    curve = audience_curve([[(0, 1800)], [(900, 3600)]], duration=3600)
    assert len(curve.viewers) == 200
    assert curve.bucket_seconds == 18
    assert curve.viewers[0] == 1 and curve.viewers[49] == 1  # before 900 s: the first viewer
    assert curve.viewers[50] == 2 and curve.viewers[99] == 2  # 900 s to 1800 s: both
    assert curve.viewers[100] == 1 and curve.viewers[-1] == 1
    # A boundary inside a bucket: 1,000 s falls in bucket 55 (990–1008 s).
    curve = audience_curve([[(1000, 3600)]], duration=3600)
    assert curve.viewers[54] == 0
    assert curve.viewers[55] == pytest.approx(8 / 18)
    assert curve.viewers[56] == 1


def test_the_area_under_the_curve_is_the_total_credited_time():
    rng = random.Random(4)
    coverages, total = [], 0.0
    for _ in range(300):
        start = rng.uniform(0, 500)
        end = min(777.7, start + rng.uniform(1, 400))
        coverages.append([(start, end)])
        total += end - start
    curve = audience_curve(coverages, duration=777.7)
    assert sum(curve.viewers) * curve.bucket_seconds == pytest.approx(total)


def test_coverage_is_clipped_to_the_lesson():
    curve = audience_curve([[(-10, 2)], [(3, 99)], [(50, 60)]], duration=4)
    assert curve.viewers == pytest.approx([1, 1, 0, 1])


def test_a_fractional_duration_ends_exactly_at_the_last_bucket():
    curve = audience_curve([[(0, 10.5)]], duration=10.5)
    assert len(curve.viewers) == 11
    assert curve.viewers == pytest.approx([1] * 11)


def test_no_viewers_and_no_duration():
    assert audience_curve([], duration=3).viewers == [0, 0, 0]
    assert audience_curve([[]], duration=3).viewers == [0, 0, 0]
    assert audience_curve([[(0, 5)]], duration=0).viewers == []
    assert bucket_count(0) == 0 and bucket_count(0.4) == 1 and bucket_count(10_000) == 200


def test_thousands_of_viewers_match_a_per_second_count():
    rng = random.Random(7)
    duration = 600
    coverages = []
    for _ in range(3000):
        pairs, cursor = [], rng.randint(0, 100)
        while cursor < duration and rng.random() < 0.8:
            end = min(duration, cursor + rng.randint(5, 120))
            pairs.append((cursor, end))
            cursor = end + rng.randint(1, 60)
        coverages.append(pairs)
    curve = audience_curve(coverages, duration, max_buckets=600)
    expected = [
        sum(1 for pairs in coverages if any(s <= second < e for s, e in pairs))
        for second in range(duration)
    ]
    assert curve.viewers == pytest.approx(expected)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "0:00"),
        (59.4, "0:59"),
        (59.6, "1:00"),
        (754, "12:34"),
        (3600, "1:00:00"),
        (None, "0:00"),
    ],
)
def test_format_clock(seconds, text):
    assert format_clock(seconds) == text
