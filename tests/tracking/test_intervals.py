"""The interval core of study-hour credit."""

import math

import pytest

from lms.tracking.intervals import (
    SegmentError,
    parse_segments,
    take_seconds,
    uncovered_parts,
    union,
)


@pytest.mark.parametrize(
    "raw",
    [
        "0-10",
        [[0]],
        [[0, 1, 2]],
        [["0", 10]],
        [[0, math.nan]],
        [[0, math.inf]],
        [[10, 5]],
        [[True, 5]],
        [None],
        [[0, 1]] * 201,
    ],
)
def test_malformed_segments_are_refused(raw):
    with pytest.raises(SegmentError):
        parse_segments(raw, duration=600)


def test_segments_are_clipped_to_the_lesson():
    assert parse_segments([[-5, 10], [590, 700], [700, 800], [3, 3]], duration=600) == [
        (0.0, 10.0),
        (590.0, 600.0),
    ]


def test_union_merges_overlaps_and_touching_segments():
    assert union([(10, 20), (0, 5), (4, 12), (30, 40), (40.0004, 50)]) == [(0, 20), (30, 50)]
    assert union([]) == []


def test_uncovered_parts_and_taking_a_capped_amount():
    coverage = [(0, 10), (20, 30)]
    parts = uncovered_parts(coverage, (5, 40))
    assert parts == [(10, 20), (30, 40)]
    assert take_seconds(parts, 15) == [(10, 20), (30, 35)]
    assert take_seconds(parts, 0) == []
    assert uncovered_parts(coverage, (0, 10)) == []
