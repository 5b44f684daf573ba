"""The demo in the assessment season: the year just closed, complete, and the new one's start.

December and January are the assessment season for the year just closed (DOMAIN: README
"The assessment"): seeded then, the demo holds that year's plan, a full year of mostly
weekend study, quiz results, offline training, an assessment run and so a non-participation
list, while the new statistics year has only its first days of study. The profiles of
``history`` are kept: a cadre "at risk" or "behind" ended the closed year short of the quota.
"""

import random
from datetime import date, timedelta

from sqlalchemy import select

from lms.assessment.models import AssessmentRun
from lms.assessment.services import run_assessment, scope_key
from lms.core import statsyear
from lms.demo import history
from lms.extensions import db
from lms.org.models import Unit
from lms.tracking.models import LessonProgress

SEASON_DAYS = 62  # December and January with the default 30 November cut-off
# Profile -> (least share of the quota done by the cut-off, spread above it).
CLOSED_SHARE = {
    history.MET: (1.04, 0.05),
    history.ON_TRACK: (0.9, 0.09),
    history.AT_RISK: (0.62, 0.2),
    history.BEHIND: (0.15, 0.3),
}
# Profile -> hours studied in a new year's first days (evenings of its first week or two).
FIRST_DAYS_HOURS = {history.MET: 4.0, history.ON_TRACK: 3.0, history.AT_RISK: 1.5}


def in_season(today: date) -> bool:
    """Whether ``today`` is in the first two months of its statistics year."""
    start, _end = statsyear.window(statsyear.current_year(today))
    return (today - start).days < SEASON_DAYS


def unfinished(user_id: int, lessons: list) -> list:
    """``lessons`` without the ones the cadre completed: a new year goes on where the last
    one stopped (played again, a lesson earns nothing)."""
    done = set(
        db.session.scalars(
            select(LessonProgress.lesson_id).where(
                LessonProgress.user_id == user_id, LessonProgress.completed_at.is_not(None)
            )
        )
    )
    return [lesson for lesson in lessons if lesson.id not in done]


def _book(cadres: dict, lessons_for, window, hours_of) -> int:
    """Play each studying cadre's hours (``hours_of(number, profile)``) within ``window``."""
    beats = 0
    for number, user in cadres.items():
        profile = history.PROFILES.get(number, history.NEVER)
        hours = hours_of(number, profile) if profile != history.NEVER else 0.0
        if not hours or history.has_history(user.id, window):
            continue
        sittings = history.spread_sittings(hours, window[0], window[1], random.Random(number))
        beats += history.play(user, unfinished(user.id, lessons_for(number)), sittings)
    return beats


def seed_closed_year(cadres: dict, quotas: dict, lessons_for, window) -> int:
    """A whole closed year of study by profile, mostly at weekends; returns beats sent."""

    def hours_of(number: int, profile: str) -> float:
        least, spread = CLOSED_SHARE[profile]
        quota = quotas.get(cadres[number].id)
        return quota * (least + spread * ((number * 0.37) % 1)) if quota else 0.0

    return _book(cadres, lessons_for, window, hours_of)


def seed_first_days(cadres: dict, lessons_for, today: date, window) -> int:
    """The new year's first days: a few evenings by the keenest cadres, none today."""
    yesterday = today - timedelta(days=1)
    if yesterday < window[0]:
        return 0
    return _book(
        cadres,
        lessons_for,
        (window[0], yesterday),
        lambda _number, profile: FIRST_DAYS_HOURS.get(profile, 0.0),
    )


def ensure_run(year: int, root: Unit, actor) -> AssessmentRun:
    """The closed year's assessment of the district, run once."""
    run = db.session.scalar(
        select(AssessmentRun).where(
            AssessmentRun.year == year, AssessmentRun.scope_key == scope_key(root)
        )
    )
    return run or run_assessment(year, root, actor)
