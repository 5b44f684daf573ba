"""The audience curve of a lesson: how many viewers each part of it holds, from coverage.

Pure functions, no Flask or database. The lesson is cut into at most ``max_buckets`` equal
buckets (one second each for lessons shorter than that). A bucket's value is its *average
audience*: the seconds of it that viewers' credited coverage holds, summed over viewers,
divided by the bucket's length. A viewer who covered all of a bucket adds 1, one who covered
half of it adds 0.5, so the curve neither jumps on a bucket boundary nor counts a glimpse as a
viewer, and the area under it is the lesson's total credited time.

A sweep over the interval endpoints of every viewer (sorted once) integrates the number of
viewers present into the buckets: O(E log E + B) for E endpoints and B buckets, not a loop
over seconds per viewer.
"""

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from lms.tracking.intervals import Interval, union

MAX_BUCKETS = 200


@dataclass(frozen=True)
class AudienceCurve:
    bucket_seconds: float  # the length of every bucket
    viewers: list[float]  # average audience per bucket, in playing order

    def starts(self) -> list[float]:
        """Each bucket's start, in media seconds."""
        return [i * self.bucket_seconds for i in range(len(self.viewers))]


def bucket_count(duration: float, max_buckets: int = MAX_BUCKETS) -> int:
    """Buckets of one second for short lessons, never more than ``max_buckets``."""
    if duration <= 0:
        return 0
    return max(1, min(max_buckets, math.ceil(duration)))


def audience_curve(
    coverages: Iterable[Sequence[Interval]], duration: float, max_buckets: int = MAX_BUCKETS
) -> AudienceCurve:
    """The average audience per bucket, from every viewer's credited ``[start, end]`` pairs.

    Each viewer's pairs are merged first, so overlapping pairs from one viewer count once;
    pairs are clipped to ``[0, duration]``.
    """
    buckets = bucket_count(duration, max_buckets)
    if buckets == 0:
        return AudienceCurve(bucket_seconds=0.0, viewers=[])
    width = duration / buckets
    events: list[tuple[float, int]] = []
    for coverage in coverages:
        for start, end in union(_clipped(coverage, duration)):
            events.append((start, 1))
            events.append((end, -1))
    events.sort()
    seconds = [0.0] * buckets  # viewer-seconds in each bucket
    present, cursor = 0, 0.0
    for at, change in events:
        if present and at > cursor:
            _spread(seconds, cursor, at, present, width)
        present += change
        cursor = at
    return AudienceCurve(bucket_seconds=width, viewers=[s / width for s in seconds])


def _clipped(coverage: Sequence[Interval], duration: float) -> list[Interval]:
    pairs = []
    for start, end in coverage:
        start, end = max(0.0, float(start)), min(float(duration), float(end))
        if end > start:
            pairs.append((start, end))
    return pairs


def _spread(seconds: list[float], start: float, end: float, present: int, width: float) -> None:
    """Add ``present`` viewers over ``[start, end)`` to the buckets that stretch touches."""
    first = min(int(start // width), len(seconds) - 1)
    last = min(int(end // width), len(seconds) - 1)
    for index in range(first, last + 1):
        # The last bucket ends at the duration itself, whatever the rounding of ``width``.
        bucket_end = (index + 1) * width if index < len(seconds) - 1 else math.inf
        low, high = max(start, index * width), min(end, bucket_end)
        if high > low:
            seconds[index] += present * (high - low)


def format_clock(seconds: float | None) -> str:
    """Media time as m:ss, or h:mm:ss from an hour on (to the nearest second)."""
    total = max(0, round(seconds or 0))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}:{minutes:02d}:{secs:02d}"
    return f"{minutes}:{secs:02d}"
