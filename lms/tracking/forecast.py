"""The forecast: at the pace of the last weeks, will the quota be met by the cut-off?

A pure function of a cadre's figures (no Flask, no database). "On track" means the recent
pace carries them to the quota; "at risk" means it does not, but what is left fits in a
reasonable study load per remaining weekend; "behind" means it does not even then.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum


class Outlook(StrEnum):
    MET = "met"
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    BEHIND = "behind"
    EARLY = "early"  # the year has just begun: too few weeks for a pace
    NO_QUOTA = "no_quota"


@dataclass(frozen=True)
class Forecast:
    done_hours: float
    quota_hours: float
    pace_hours_per_week: float  # over the recent window
    projected_hours: float | None  # done + pace until the cut-off (None: too early)
    weekends_left: int
    hours_per_weekend: float  # what each remaining weekend must hold to meet the quota
    outlook: Outlook


def recent_window(window: tuple[date, date], today: date, weeks: int) -> tuple[date, date]:
    """(today kept inside the statistics window, first day of the recent weeks): the
    forecast's pace is the credit of ``weeks`` weeks up to today, within the window (a past
    year is seen from its cut-off, a future one from its first day)."""
    start, end = window
    today = min(max(today, start), end)
    return today, max(start, today - timedelta(days=weeks * 7 - 1))


def weekends_between(start: date, end: date) -> int:
    """Weekends (Saturday–Sunday pairs) with at least one day in [start, end]."""
    if end < start:
        return 0
    # Move to the Saturday of start's weekend (or the next one), then count every 7 days.
    saturday = start + timedelta(days=(5 - start.weekday()) % 7)
    if start.weekday() == 6:  # a Sunday start still has that weekend's Sunday
        saturday = start - timedelta(days=1)
    if saturday > end:
        return 0
    return (end - saturday).days // 7 + 1


def forecast(
    done_hours: float,
    quota_hours: float,
    recent_hours: float,
    recent_days: int,
    today: date,
    cutoff: date,
    weekend_limit_hours: float,
    is_early: bool = False,
) -> Forecast:
    """Project ``done_hours`` to ``cutoff`` at the pace of ``recent_hours`` per ``recent_days``.

    ``weekend_limit_hours`` is the most a cadre can reasonably study in one weekend; a quota
    reachable within it is "at risk", beyond it "behind". ``is_early``: the year has just
    begun (``lms.core.statsyear.has_just_begun``): a quota not yet met is "early", with no
    projection, as a few days of study would project to hundreds of hours.
    """
    pace = recent_hours / recent_days * 7 if recent_days > 0 else 0.0
    days_left = max(0, (cutoff - today).days)  # today's study is already in done_hours
    projected = done_hours + pace * days_left / 7
    weekends = weekends_between(today + timedelta(days=1), cutoff)
    remaining = max(0.0, quota_hours - done_hours)
    per_weekend = remaining / weekends if weekends else remaining
    if quota_hours <= 0:
        outlook = Outlook.NO_QUOTA
    elif remaining == 0:
        outlook = Outlook.MET
    elif is_early:
        outlook = Outlook.EARLY
    elif projected >= quota_hours:
        outlook = Outlook.ON_TRACK
    elif weekends and per_weekend <= weekend_limit_hours:
        outlook = Outlook.AT_RISK
    else:
        outlook = Outlook.BEHIND
    return Forecast(
        done_hours=done_hours,
        quota_hours=quota_hours,
        pace_hours_per_week=round(pace, 2),
        projected_hours=None if outlook is Outlook.EARLY else round(projected, 1),
        weekends_left=weekends,
        hours_per_weekend=round(per_weekend, 1),
        outlook=outlook,
    )
