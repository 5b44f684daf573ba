"""Pure rules for offline training and exemptions: quota factors, hours and days (no Flask/db).

Dates are inclusive on both ends: an exemption from 1 March to 1 March is one day.
"""

from collections.abc import Iterable
from datetime import date, timedelta
from typing import Protocol

WAIVE = "waive"
PRORATE = "prorate"


class Period(Protocol):
    start_date: date
    end_date: date


class ExemptionLike(Period, Protocol):
    effect: str  # WAIVE or PRORATE


def period_days(start: date, end: date) -> int:
    """Calendar days from ``start`` to ``end`` inclusive (0 when end is before start)."""
    return max((end - start).days + 1, 0)


def merge_periods(periods: Iterable[tuple[date, date]]) -> list[tuple[date, date]]:
    """Overlapping or touching inclusive periods merged, sorted by start."""
    merged: list[tuple[date, date]] = []
    for start, end in sorted(p for p in periods if p[1] >= p[0]):
        if merged and start <= merged[-1][1] + timedelta(days=1):
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def exempted_days(exemptions: Iterable[Period], year_start: date, year_end: date) -> int:
    """Days of [year_start, year_end] covered by at least one exemption (overlaps count once)."""
    clipped = [
        (max(e.start_date, year_start), min(e.end_date, year_end))
        for e in exemptions
        if e.start_date <= year_end and e.end_date >= year_start
    ]
    return sum(period_days(start, end) for start, end in merge_periods(clipped))


def quota_factor(exemptions: Iterable[ExemptionLike], year_start: date, year_end: date) -> float:
    """The share of the year's quota a cadre still owes: 0 when an exemption in the year waives
    it, else 1 minus the share of the year's days that are exempted (docs/domain.md: "an exempted
    cadre's quota is reduced in proportion, or waived, as the exemption says")."""
    year_days = period_days(year_start, year_end)
    if year_days == 0:
        return 1.0
    in_year = [e for e in exemptions if e.start_date <= year_end and e.end_date >= year_start]
    if any(e.effect == WAIVE for e in in_year):
        return 0.0
    return max(0.0, 1.0 - exempted_days(in_year, year_start, year_end) / year_days)


def hours_and_days(
    hours: float | None, days: float | None, hours_per_day: float
) -> tuple[float, float]:
    """Both figures from the one that was entered (exactly one must be given)."""
    if (hours is None) == (days is None):
        raise ValueError("give either hours or days")
    if days is not None:
        return float(days) * hours_per_day, float(days)
    return float(hours), float(hours) / hours_per_day
