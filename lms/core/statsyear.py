"""The statistics year (统计年度): the one definition of the year a moment counts toward.

Year Y runs from the day after year Y−1's cut-off through year Y's cut-off (local dates in
``TIMEZONE``; README "The annual plan"): with a 30 November cut-off, 1 December 2026 counts
toward 2027. Every figure labelled with a year (hours, weekend hours, quota, quiz results,
offline training, assessment, lists, reminders, PDFs) means that window, so every feature
asks this module, and a ``year`` parameter anywhere means the statistics year.

Each year's cut-off is its plan's; the plans feature registers where plans are kept
(``register_cutoff_source``) so that this bottom floor imports no feature. Without a plan
(or a registered source) a year has the ``STATS_CUTOFF`` setting's cut-off.
"""

import calendar
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from time import monotonic

from flask import Flask, current_app
from flask_babel import gettext as _

from lms.core.timeutil import local_today, local_zone, to_local

Cutoff = tuple[int, int]
_SOURCE, _CACHE = "lms.stats_cutoffs", "lms.stats_cutoff_cache"
# Each process keeps the cut-offs it read this long: every page, export and beat asks for
# them, and they change once a year at most. A change saved in this process is seen at once
# (the plans feature calls ``forget_cutoffs``); other processes see it within this time.
CUTOFF_CACHE_SECONDS = 60.0

# --- pure rules --------------------------------------------------------------------------


def clamp_date(year: int, month: int, day: int) -> date:
    """``date(year, month, day)`` with the day cut to the month's length (29 Feb -> 28 Feb)."""
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))


def parse_cutoff(text: str) -> Cutoff:
    """``"11-30"`` -> ``(11, 30)``; raises ValueError on anything that is not a month-day."""
    try:
        month_text, day_text = (text or "").strip().split("-")
        month, day = int(month_text), int(day_text)
        date(2000, month, day)  # a leap year, so 02-29 is accepted (cut to 28 when needed)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"{text!r} is not a month-day such as 11-30") from exc
    return month, day


def window_of(
    year: int, cutoff: Cutoff, previous_cutoff: Cutoff | None = None
) -> tuple[date, date]:
    """The local dates (inclusive) whose hours count toward ``year``'s figures.

    Hours after the cut-off count toward the next year only: with a 30 November cut-off,
    2026's figures run from 1 December 2025 to 30 November 2026. ``previous_cutoff`` is the
    previous year's own cut-off when its plan has another one: the window then starts the
    day after it, so it holds exactly the dates ``year_of_date`` gives ``year`` (each date
    judged by its calendar year's cut-off).
    """
    before_month, before_day = previous_cutoff or cutoff
    month, day = cutoff
    start = clamp_date(year - 1, before_month, before_day) + timedelta(days=1)
    return start, clamp_date(year, month, day)


def year_of_date(local_date: date, cutoff: Cutoff) -> int:
    """The year whose figures the hours of ``local_date`` count toward (``cutoff``: that of
    ``local_date``'s calendar year)."""
    month, day = cutoff
    after_cutoff = local_date > clamp_date(local_date.year, month, day)
    return local_date.year + 1 if after_cutoff else local_date.year


# --- the application's years -------------------------------------------------------------


def register_cutoff_source(app: Flask, source: Callable[[int], Cutoff | None]) -> None:
    """Where each year's own cut-off is kept (the plans feature): ``source(year)`` gives it,
    or None when the year has no plan."""
    app.extensions[_SOURCE] = source


def setting_cutoff() -> Cutoff:
    return parse_cutoff(current_app.config["STATS_CUTOFF"])


def cutoff_for(year: int) -> Cutoff:
    """The year's cut-off: its plan's, or the setting's when there is no plan yet."""
    cache = current_app.extensions.setdefault(_CACHE, {})
    now = monotonic()
    cached = cache.get(year)
    if cached is None or now - cached[1] >= CUTOFF_CACHE_SECONDS:
        source = current_app.extensions.get(_SOURCE)
        cached = cache[year] = (source(year) if source else None), now
    return cached[0] or setting_cutoff()  # the setting read each time: a plan's is kept


def forget_cutoffs() -> None:
    """Drop the cut-offs this process keeps: a plan was created, changed or deleted."""
    current_app.extensions.pop(_CACHE, None)


def window(year: int) -> tuple[date, date]:
    """The local dates whose hours and quiz results count toward ``year``'s figures: from
    the day after the previous year's cut-off through this year's, each by its own plan, so
    that consecutive years neither overlap nor leave a gap when their cut-offs differ."""
    return window_of(year, cutoff_for(year), cutoff_for(year - 1))


def year_of(local_date: date) -> int:
    """The statistics year a local date counts toward."""
    return year_of_date(local_date, cutoff_for(local_date.year))


def year_finder() -> Callable[[date], int]:
    """``year_of`` for many dates: each calendar year's cut-off is looked up once."""
    cutoffs: dict[int, Cutoff] = {}

    def find(local_date: date) -> int:
        if local_date.year not in cutoffs:
            cutoffs[local_date.year] = cutoff_for(local_date.year)
        return year_of_date(local_date, cutoffs[local_date.year])

    return find


def year_of_moment(moment: datetime) -> int:
    """The statistics year a stored (naive UTC) moment counts toward, by its local date."""
    return year_of(to_local(moment).date())


def current_year(today: date | None = None) -> int:
    """The year today's hours count toward (the next one after this year's cut-off)."""
    return year_of(today or local_today())


def utc_bounds(dates: tuple[date, date]) -> tuple[datetime, datetime]:
    """Naive-UTC datetimes spanning the local dates of ``dates`` (end exclusive)."""
    zone = local_zone()
    start = datetime.combine(dates[0], time(), zone).astimezone(UTC).replace(tzinfo=None)
    end = datetime.combine(dates[1] + timedelta(days=1), time(), zone).astimezone(UTC)
    return start, end.replace(tzinfo=None)


def early_days() -> int:
    """How long a year counts as just begun: the forecast's pace window
    (``FORECAST_WEEKS``), the least time from which a year's pace says anything."""
    return 7 * int(current_app.config["FORECAST_WEEKS"])


def just_begun(dates: tuple[date, date], today: date, days: int) -> bool:
    """Whether the year of ``dates`` has run for fewer than ``days`` days on ``today``
    (a year not yet started counts too; ``today`` is kept inside the window, so a past year
    never has)."""
    start, end = dates
    return (min(max(today, start), end) - start).days < days


def has_just_begun(year: int, today: date | None = None) -> bool:
    """Whether fewer than ``early_days()`` of ``year`` have passed (or it has not started):
    too early to judge it (assessment, non-participation) or project it (forecast)."""
    return just_begun(window(year), today or local_today(), early_days())


def year_to_judge(today: date | None = None) -> int:
    """The year pages that judge a whole year open on: the running year, or during its
    first weeks the year just closed (December and January are the assessment season)."""
    today = today or local_today()
    year = current_year(today)
    return year - 1 if has_just_begun(year, today) else year


def label(year: int) -> str:
    """The year with its dates, as every page shows it: "2027 统计年度（2026-12-01 至
    2027-11-30）"."""
    start, end = window(year)
    return _(
        "%(year)d statistics year (%(start)s to %(end)s)",
        year=year,
        start=start.isoformat(),
        end=end.isoformat(),
    )


def dates_label(year: int) -> str:
    """Only the dates of ``year``'s window, "2026-12-01 – 2027-11-30" (tables and exports)."""
    start, end = window(year)
    return f"{start.isoformat()} – {end.isoformat()}"
