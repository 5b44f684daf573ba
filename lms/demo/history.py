"""Demo viewing history and quiz attempts, booked through the tracker's and quizzes' services.

Each demo cadre follows a profile (quota met, on track, at risk, behind, never studied) whose
hours are worked out from today's place in the statistics year, so the forecast shows each
outlook whenever the demo is seeded (except where the calendar makes one impossible: nobody
can be "behind" while enough weekends are left for the whole quota). Study is booked by
playing the lecture series with simulated timestamps: mostly on weekends, a few weekday
evenings, never on today (no beat may lie in the future of the real clock).
"""

import math
import random
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta

from flask import current_app
from sqlalchemy import select

from lms.core import statsyear
from lms.core.timeutil import local_zone
from lms.courses.models import LessonStatus
from lms.extensions import db
from lms.quizzes.attempts import save_answer, start_or_resume, submit_attempt
from lms.quizzes.models import Quiz, QuizAttempt
from lms.tracking.beats import record_beat
from lms.tracking.forecast import recent_window, weekends_between
from lms.tracking.models import LessonView
from lms.tracking.playback import claim_playback
from lms.tracking.viewing import Beat, open_view

MET, ON_TRACK, AT_RISK, BEHIND, NEVER = "met", "on_track", "at_risk", "behind", "never"
# Demo cadre number -> profile; cadre 10 (exempted) and the NEVER ones do not study.
PROFILES = {
    1: MET, 7: MET, 12: MET,
    2: ON_TRACK, 5: ON_TRACK, 6: ON_TRACK, 13: ON_TRACK, 17: ON_TRACK,
    3: AT_RISK, 8: AT_RISK, 11: AT_RISK, 14: AT_RISK, 18: AT_RISK,
    4: BEHIND, 9: BEHIND, 16: BEHIND, 19: BEHIND,
    15: NEVER, 20: NEVER, 10: NEVER,
}  # fmt: skip
HISTORY_DAYS = 182  # about six months of study
# A simulated player beats every two hours instead of every few seconds: the same rules and
# ledger, hundreds of beats instead of hundreds of thousands (the real-time bound still holds,
# as the simulated clock moves on by what each beat plays).
BEAT_SECONDS = 7200
HOURS_PER_SITTING = 4.0  # a weekend morning or a long evening
QUIZ_SHARE = {MET: 1.0, ON_TRACK: 0.8, AT_RISK: 0.6, BEHIND: 0.4}


def study_targets(
    profile: str,
    quota: float,
    today: date,
    window: tuple[date, date],
    weeks: int,
    limit: float,
    spread: float = 0.5,
):
    """(hours before the recent weeks, hours in them) that give ``profile``'s forecast;
    ``spread`` (0 to 1) varies the figures within the profile from one cadre to another."""
    start, cutoff = window
    recent_from = max(start, today - timedelta(days=weeks * 7 - 1))
    recent_days = (today - recent_from).days + 1
    days_left = max(0, (cutoff - today).days)
    weekends = weekends_between(today + timedelta(days=1), cutoff)
    has_earlier = recent_from > max(start, today - timedelta(days=HISTORY_DAYS))
    ratio = recent_days / days_left if days_left else math.inf
    if profile == MET:
        done = quota * (1.03 + 0.05 * spread)
        recent = min(done * 0.25, recent_days * 0.5)
    elif profile == ON_TRACK:
        # Projected just above the quota: done + recent * days_left / recent_days = 1.01 quota,
        # at no more than 7 to 10 hours a week lately.
        goal = quota * 1.01
        done = max(goal / (1 + 1 / ratio), goal - (1.0 + 0.4 * spread) * recent_days / ratio)
        recent = (goal - done) * ratio
    elif profile == AT_RISK:
        remaining = min(0.9 * quota, (0.4 + 0.4 * spread) * limit * weekends)
        done = quota - remaining
        recent = min(done, 0.5 * remaining * ratio, recent_days * 1.2)
    elif profile == BEHIND:
        reachable = 1.2 * limit * weekends
        share = 0.3 + 0.5 * spread
        remaining = reachable + (quota - reachable) * share if reachable < quota else quota * 0.95
        done = quota - remaining
        recent = min(0.5 * done, 0.5 * remaining * ratio)
    else:
        return 0.0, 0.0
    if not has_earlier or recent > done:
        recent = done
    return max(0.0, done - recent), max(0.0, recent)


def spread_sittings(
    hours: float, first: date, last: date, rng: random.Random
) -> list[tuple[date, float]]:
    """Sittings of about HOURS_PER_SITTING on weekends (then weekday evenings) in [first, last]."""
    if hours <= 0 or last < first:
        return []
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    weekend = [d for d in days if d.weekday() >= 5]
    weekday = [d for d in days if d.weekday() < 5]
    needed = max(1, math.ceil(hours / HOURS_PER_SITTING))
    chosen = _evenly(weekend, needed) + _evenly(weekday, needed - len(weekend))
    weights = [0.7 + 0.6 * rng.random() for _day in chosen]
    total = sum(weights)
    return sorted(
        (day, hours * weight / total) for day, weight in zip(chosen, weights, strict=True)
    )


def _evenly(items: list, count: int) -> list:
    if count <= 0 or not items:
        return []
    if count >= len(items):
        return list(items)
    return [items[int(i * len(items) / count)] for i in range(count)]


def _sitting_start(day: date) -> datetime:
    """A sitting's start in naive UTC: 9:00 on a weekend, 18:30 on a weekday (local time)."""
    local = time(9, 0) if day.weekday() >= 5 else time(18, 30)
    aware = datetime.combine(day, local, tzinfo=local_zone())
    return aware.astimezone(UTC).replace(tzinfo=None)


@contextmanager
def _simulated_beats():
    config = current_app.config
    saved = config["HEARTBEAT_SECONDS"], config["MAX_PLAYBACK_RATE"]
    config["HEARTBEAT_SECONDS"], config["MAX_PLAYBACK_RATE"] = BEAT_SECONDS / 2, 1.0
    try:
        yield
    finally:
        config["HEARTBEAT_SECONDS"], config["MAX_PLAYBACK_RATE"] = saved


@contextmanager
def _recordings_ready(lessons: list):
    """The series are recordings whose files the demo does not ship (their lessons have no
    media), but in its story they were played: they count as ready while the history is
    booked, since the tracker refuses views and beats on lessons that are not."""
    statuses = [(lesson, lesson.status) for lesson in lessons]
    for lesson, _status in statuses:
        lesson.status = LessonStatus.READY.value
    try:
        yield
    finally:
        for lesson, status in statuses:
            lesson.status = status


def play(user, lessons: list, sittings: list[tuple[date, float]]) -> int:
    """Play ``lessons`` in order through the tracker, one sitting per day; returns beats sent."""
    index, position, beats = 0, 0.0, 0
    with _simulated_beats(), _recordings_ready(lessons):
        for day, hours in sittings:
            now, left, view, seq = _sitting_start(day), round(hours * 3600), None, 0
            while left > 0 and index < len(lessons):
                lesson = lessons[index]
                if view is None:
                    view, seq = open_view(user, lesson, user_agent="seed-demo"), 0
                    view.opened_at = now
                    claim_playback(view, now=now)  # the player takes the playback as it starts
                step = min(BEAT_SECONDS, int(lesson.duration_seconds - position), left)
                now += timedelta(seconds=step)
                seq += 1
                ended = position + step >= lesson.duration_seconds
                segment = [[position, position + step]]
                record_beat(view, Beat(seq, segment, position + step, 1.0, ended), now=now)
                beats += 1
                position, left = position + step, left - step
                if ended:
                    index, position, view = index + 1, 0.0, None
    return beats


def has_history(user_id: int, window: tuple[date, date]) -> bool:
    """Whether the cadre has played anything within ``window`` (their history is booked)."""
    start, end = statsyear.utc_bounds(window)
    found = select(LessonView.id).where(
        LessonView.user_id == user_id, LessonView.opened_at >= start, LessonView.opened_at < end
    )
    return db.session.scalar(found.limit(1)) is not None


def seed_history(cadres: dict, quotas: dict, lessons_for, today: date, window) -> int:
    """Book each cadre's profile of study (once); returns the number of beats recorded."""
    config = current_app.config
    beats = 0
    for number, user in cadres.items():
        profile = PROFILES.get(number, NEVER)
        quota = quotas.get(user.id)
        if profile == NEVER or quota is None or has_history(user.id, window):
            continue
        earlier, recent = study_targets(
            profile,
            quota,
            today,
            window,
            config["FORECAST_WEEKS"],
            config["WEEKEND_HOURS_LIMIT"],
            spread=(number * 0.37) % 1,
        )
        recent_from = recent_window(window, today, config["FORECAST_WEEKS"])[1]
        rng = random.Random(number)
        first = max(window[0], today - timedelta(days=HISTORY_DAYS))
        yesterday = today - timedelta(days=1)
        sittings = spread_sittings(
            earlier, first, recent_from - timedelta(days=1), rng
        ) + spread_sittings(recent, recent_from, yesterday, rng)
        beats += play(user, lessons_for(number), sittings)
    return beats


# --- quiz attempts -----------------------------------------------------------------------


def _answer(item, correct: bool):
    question = item.question
    if question.kind == "fill_blank":
        return {"text": question.accepted_answers[0] if correct else "不清楚"}
    right = [o.id for o in question.options if o.is_correct]
    wrong = [o.id for o in question.options if not o.is_correct]
    return right if correct else wrong[:1]


def take_quiz(user, quiz: Quiz, at: datetime, share: float, salt: int) -> QuizAttempt:
    """One graded attempt answering about ``share`` of the questions correctly."""
    attempt, _created = start_or_resume(user, quiz, now=at)
    for number, item in enumerate(attempt.items):
        correct = (number * 7 + salt) % 10 < round(share * 10)
        save_answer(
            attempt,
            item.question_id,
            _answer(item, correct),
            now=at + timedelta(minutes=number + 1),
        )
    return submit_attempt(attempt, now=at + timedelta(minutes=len(attempt.items) + 2))


def seed_attempts(cadres: dict, exam: Quiz, test: Quiz | None, today: date, window) -> int:
    """The exam for every cadre who studies, and the first course's test for the keenest."""
    taken = 0
    day = max(window[0], today - timedelta(days=20))
    if day >= today:
        return 0
    at = _sitting_start(day if day.weekday() >= 5 else _next_saturday(day, today))
    for number, user in cadres.items():
        profile = PROFILES.get(number, NEVER)
        if profile == NEVER:
            continue
        for quiz, offset in ((exam, 0), (test, 2)):
            if quiz is None or (quiz is test and profile not in (MET, ON_TRACK)):
                continue
            if db.session.scalar(
                select(QuizAttempt.id).where(
                    QuizAttempt.user_id == user.id, QuizAttempt.quiz_id == quiz.id
                )
            ):
                continue
            take_quiz(
                user,
                quiz,
                at + timedelta(hours=offset, minutes=number),
                QUIZ_SHARE[profile],
                number,
            )
            taken += 1
    return taken


def _next_saturday(day: date, today: date) -> date:
    saturday = day + timedelta(days=(5 - day.weekday()) % 7)
    return saturday if saturday < today else day
