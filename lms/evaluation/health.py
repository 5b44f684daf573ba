"""A course's health score: what learners do (drop-off, completion, test results) joined with
what they say (ratings), as one figure from 0 to 100 with its reasons.

A pure function of the figures (``HealthSignals``); ``lms.evaluation.health_signals`` reads
them. Each part is a share from 0 to 1; the score is the weighted mean of the parts that
have data, so a course without a test is not marked down for it. Ratings count only from
``min_respondents`` respondents on, as everywhere results appear (README, Course
evaluation). Reasons are data (a code and its figures); the page puts them into words.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field

WEIGHTS = {"retention": 0.3, "completion": 0.3, "tests": 0.2, "ratings": 0.2}
LOW_RATING = 2  # a rating of 1 or 2 out of 5 is "low"
LOW_SHARE = 0.2  # a reason is given when this share or more rated an aspect low
STOP_SHARE = 0.5  # "most viewers stop": the audience falls below half of its start


@dataclass(frozen=True)
class LessonSignal:
    title: str
    viewers: int
    average_coverage: float  # 0..1
    curve: Sequence[float] = ()  # average viewers per bucket (lms.tracking.audience)
    bucket_seconds: float = 0.0


@dataclass(frozen=True)
class HealthSignals:
    lessons: Sequence[LessonSignal] = ()
    starters: int = 0  # cadres credited any time on the course
    completers: int = 0
    test_results: int = 0  # counted results of the course's tests
    tests_passed: int = 0
    respondents: int = 0
    ratings: dict[str, Sequence[int]] = field(default_factory=dict)  # aspect -> 1..5 each


@dataclass(frozen=True)
class Reason:
    code: str
    values: dict


@dataclass(frozen=True)
class Health:
    score: int | None  # 0..100; None when nothing is known yet
    parts: dict[str, float]
    reasons: tuple[Reason, ...]


def stop_point(curve: Sequence[float], bucket_seconds: float) -> float | None:
    """Where most viewers have stopped: the start of the first bucket whose audience is
    below half of the first bucket's; None when the audience never halves."""
    if not curve or curve[0] <= 0:
        return None
    for index, value in enumerate(curve):
        if value < curve[0] * STOP_SHARE:
            return index * bucket_seconds
    return None


def course_health(signals: HealthSignals, min_respondents: int) -> Health:
    parts: dict[str, float] = {}
    reasons: list[Reason] = []
    watched = [lesson for lesson in signals.lessons if lesson.viewers > 0]
    if watched:
        parts["retention"] = _share(
            sum(lesson.average_coverage * lesson.viewers for lesson in watched)
            / sum(lesson.viewers for lesson in watched)
        )
        reasons.extend(_stop_reason(watched))
    if signals.starters > 0:
        parts["completion"] = _share(signals.completers / signals.starters)
        if parts["completion"] < 0.5:
            reasons.append(
                Reason(
                    "low_completion",
                    {"percent": round(100 * parts["completion"]), "starters": signals.starters},
                )
            )
    if signals.test_results > 0:
        parts["tests"] = _share(signals.tests_passed / signals.test_results)
        if parts["tests"] < 0.6:
            reasons.append(
                Reason(
                    "tests_failed",
                    {"percent": round(100 * (1 - parts["tests"])), "results": signals.test_results},
                )
            )
    rated = [r for values in signals.ratings.values() for r in values]
    if signals.respondents >= min_respondents and rated:
        parts["ratings"] = _share((sum(rated) / len(rated) - 1) / 4)
        reasons.extend(_rating_reasons(signals))
    elif signals.respondents or rated:
        reasons.append(Reason("few_respondents", {"threshold": min_respondents}))
    if not parts:
        return Health(None, parts, tuple(reasons))
    weight = sum(WEIGHTS[name] for name in parts)
    score = sum(WEIGHTS[name] * value for name, value in parts.items()) / weight
    return Health(max(0, min(100, round(100 * score))), parts, tuple(reasons))


def _share(value: float) -> float:
    return max(0.0, min(1.0, float(value)))


def _stop_reason(lessons: Sequence[LessonSignal]) -> list[Reason]:
    """The lesson where viewers stop earliest in it (as a share of its length)."""
    found = []
    for lesson in lessons:
        at = stop_point(lesson.curve, lesson.bucket_seconds)
        length = lesson.bucket_seconds * len(lesson.curve)
        if at is not None and length > 0:
            found.append((at / length, at, lesson.title))
    if not found:
        return []
    _share_at, at, title = min(found)
    return [Reason("viewers_stop", {"seconds": at, "lesson": title})]


def _rating_reasons(signals: HealthSignals) -> list[Reason]:
    reasons = []
    for aspect in sorted(signals.ratings):
        values = signals.ratings[aspect]
        if not values:
            continue
        low = sum(1 for value in values if value <= LOW_RATING)
        if low / len(values) >= LOW_SHARE:
            reasons.append(
                Reason(
                    "rated_low",
                    {
                        "aspect": aspect,
                        "percent": round(100 * low / len(values)),
                        "respondents": len(values),
                    },
                )
            )
    return reasons
