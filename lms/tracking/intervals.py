"""Interval arithmetic on played media time: validation, clipping, union and new coverage.

Pure functions, no Flask or database: a lesson's coverage for a user is a sorted list of
disjoint ``(start, end)`` pairs in media seconds, and credit is only ever the part of a
newly played segment that this union did not hold before (docs/domain.md: "replays, skipping
ahead ... earn nothing extra").
"""

import math
from collections.abc import Iterable, Sequence

from lms.core.errors import LmsError

Interval = tuple[float, float]

# Media players report times as floats; joins closer than this are treated as touching,
# so a stream of beats [0, 15], [15.0004, 30] does not leave slivers in the coverage.
EPSILON = 1e-3
MAX_SEGMENTS_PER_BEAT = 200


class SegmentError(LmsError):
    """Played segments that are not a list of ``[start, end]`` number pairs."""


def _number(value) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise SegmentError("segment bounds must be numbers")
    try:
        number = float(value)
    except OverflowError:  # an integer beyond any float (JSON numbers have no bound)
        raise SegmentError("segment bounds must be finite numbers") from None
    if not math.isfinite(number):
        raise SegmentError("segment bounds must be finite numbers")
    return number


def parse_segments(raw, duration: float) -> list[Interval]:
    """Validate ``[[start, end], ...]`` from a client and clip it to ``[0, duration]``."""
    if not isinstance(raw, list):
        raise SegmentError("segments must be a list of [start, end] pairs")
    if len(raw) > MAX_SEGMENTS_PER_BEAT:
        raise SegmentError("too many segments in one beat")
    segments = []
    for item in raw:
        if not isinstance(item, list | tuple) or len(item) != 2:
            raise SegmentError("each segment must be a [start, end] pair")
        start, end = _number(item[0]), _number(item[1])
        if start > end:
            raise SegmentError("a segment cannot end before it starts")
        start, end = max(0.0, start), min(float(duration), end)
        if end > start:
            segments.append((start, end))
    return segments


def union(intervals: Iterable[Interval]) -> list[Interval]:
    """The sorted, disjoint union of ``intervals``."""
    merged: list[list[float]] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1] + EPSILON:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(start, end) for start, end in merged]


def total_length(intervals: Iterable[Interval]) -> float:
    """Seconds covered by already disjoint intervals."""
    return sum(end - start for start, end in intervals)


def uncovered_parts(coverage: Sequence[Interval], segment: Interval) -> list[Interval]:
    """The parts of ``segment`` not yet in ``coverage`` (sorted and disjoint)."""
    start, end = segment
    parts, cursor = [], start
    for c_start, c_end in coverage:
        if c_end <= cursor:
            continue
        if c_start >= end:
            break
        if c_start > cursor:
            parts.append((cursor, min(c_start, end)))
        cursor = max(cursor, c_end)
        if cursor >= end:
            break
    if cursor < end:
        parts.append((cursor, end))
    return [(a, b) for a, b in parts if b - a > EPSILON]


def take_seconds(parts: Sequence[Interval], seconds: float) -> list[Interval]:
    """The first ``seconds`` of ``parts``: what a capped credit may add to the coverage."""
    taken, left = [], max(0.0, seconds)
    for start, end in parts:
        if left <= 0:
            break
        piece_end = min(end, start + left)
        taken.append((start, piece_end))
        left -= piece_end - start
    return taken
