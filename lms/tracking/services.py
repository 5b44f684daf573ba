"""Opening viewing sessions and recording beats: the server decides what is credited."""

import secrets
from dataclasses import dataclass
from datetime import date, datetime

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError

from lms.core.timeutil import local_zone, to_local, utcnow
from lms.courses.models import Course, Lesson
from lms.courses.services import can_see_course
from lms.extensions import db
from lms.tracking.intervals import SegmentError, parse_segments, union
from lms.tracking.models import CreditClock, DailyCredit, LessonProgress, LessonView
from lms.tracking.rules import BeatCredit, allowance_seconds, credit_beat, split_by_local_date


class BeatError(ValueError):
    """A beat the server refuses; ``status`` is the HTTP status to answer with."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Beat:
    seq: int
    segments: list
    position: float
    rate: float
    ended: bool


def can_watch(user, lesson: Lesson | None) -> bool:
    """Published courses are open to every user; drafts to their instructors and admins."""
    return lesson is not None and can_see_course(user, lesson.course)


def open_view(user, lesson: Lesson, user_agent: str = "", address: str = "") -> LessonView:
    """Start a viewing session; the public id is the capability that authorizes its beats."""
    if not lesson.duration_seconds:
        raise BeatError(_("This lesson is not ready to play yet."), status=409)
    view = LessonView(
        public_id=secrets.token_urlsafe(24),
        user_id=user.id,
        lesson_id=lesson.id,
        opened_at=utcnow(),
        played=[],
        user_agent=(user_agent or "")[:300] or None,
        address=(address or "")[:64] or None,
    )
    db.session.add(view)
    _ensure_clock(user.id)
    db.session.flush()
    return view


def resume_position(user_id: int, lesson_id: int) -> float:
    progress = _progress(user_id, lesson_id, lock=False)
    return progress.position_seconds if progress else 0.0


def parse_beat(body) -> Beat:
    """Rule 2: a malformed beat is refused with a message and credits nothing."""
    if not isinstance(body, dict):
        raise BeatError(_("The beat must be a JSON object."))
    seq = body.get("seq")
    if isinstance(seq, bool) or not isinstance(seq, int) or seq < 0:
        raise BeatError(_("“seq” must be a whole number that grows with each beat."))
    position, rate = body.get("position", 0), body.get("rate", 1)
    for name, value in (("position", position), ("rate", rate)):
        if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
            raise BeatError(_("“%(name)s” must be a number.", name=name))
        if value in (float("inf"), float("-inf")):
            raise BeatError(_("“%(name)s” must be a number.", name=name))
    ended = body.get("ended", False)
    if not isinstance(ended, bool):
        raise BeatError(_("“ended” must be true or false."))
    segments = body.get("segments", [])
    try:
        parse_segments(segments, duration=float("inf"))
    except SegmentError as exc:
        raise BeatError(_("The segments are not valid: %(reason)s", reason=str(exc))) from exc
    return Beat(seq=seq, segments=segments, position=float(position), rate=float(rate), ended=ended)


def record_beat(view: LessonView, beat: Beat, now: datetime | None = None) -> dict:
    """Credit one beat (rules 3–7) and return the answer for the player."""
    now = now or utcnow()
    if view.last_seq is not None and beat.seq == view.last_seq:
        return dict(view.last_answer or {})  # a retry: same answer, nothing more credited
    if view.last_seq is not None and beat.seq < view.last_seq:
        raise BeatError(_("This beat is older than one already received."), status=409)

    # The length alone: loading the whole lesson row costs the beat more than the query.
    duration = float(
        db.session.scalar(select(Lesson.duration_seconds).where(Lesson.id == view.lesson_id)) or 0
    )
    played = parse_segments(beat.segments, duration)
    config = current_app.config
    clock = _clock(view.user_id)
    allowance = allowance_seconds(
        now,
        clock.last_beat_at,
        view.opened_at,
        float(config["MAX_PLAYBACK_RATE"]),
        float(config["HEARTBEAT_SECONDS"]),
    )
    progress = _progress(view.user_id, view.lesson_id, lock=True) or _new_progress(view)
    result = credit_beat([tuple(p) for p in progress.coverage], played, allowance)
    # Read and book before changing any row, so the beat flushes its updates once, at the end
    # (an autoflush before each query would send the view's UPDATE twice).
    year_before = year_credited_seconds(view.user_id, now)
    year = year_before + _book(view.user_id, now, result)

    progress.coverage = [list(p) for p in result.coverage]
    progress.credited_seconds = min(duration, _length(result.coverage))
    progress.position_seconds = min(max(0.0, beat.position), duration)
    progress.updated_at = now
    threshold = float(config["COMPLETION_THRESHOLD"]) * duration
    if progress.completed_at is None and progress.credited_seconds >= threshold - 1e-6:
        progress.completed_at = now

    view.played = [list(p) for p in union([*(tuple(p) for p in view.played or []), *played])]
    view.credited_seconds += result.credited_seconds
    view.position_seconds = progress.position_seconds
    view.max_rate = max(view.max_rate or 0.0, beat.rate)
    view.last_seq, view.last_beat_at = beat.seq, now
    clock.last_beat_at = now
    answer = {
        "credited_seconds": round(result.credited_seconds, 3),
        "lesson_credited_seconds": round(progress.credited_seconds, 3),
        "lesson_progress": round(progress.credited_seconds / duration, 4) if duration else 0.0,
        "lesson_completed": progress.completed_at is not None,
        "year_credited_seconds": round(year, 3),
    }
    view.last_answer = answer  # replayed for a repeated seq
    db.session.flush()
    return answer


def year_credited_seconds(user_id: int, now: datetime | None = None) -> float:
    """Seconds credited in the local calendar year that contains ``now``."""
    year = to_local(now or utcnow()).year
    return float(
        db.session.scalar(
            select(func.coalesce(func.sum(DailyCredit.seconds), 0.0)).where(
                DailyCredit.user_id == user_id,
                DailyCredit.local_date >= date(year, 1, 1),
                DailyCredit.local_date <= date(year, 12, 31),
            )
        )
    )


def _length(coverage) -> float:
    return sum(end - start for start, end in coverage)


def _ensure_clock(user_id: int) -> None:
    """Create the user's clock row once; two first views racing must not both insert it."""
    if db.session.get(CreditClock, user_id) is not None:
        return
    try:
        with db.session.begin_nested():
            db.session.add(CreditClock(user_id=user_id, last_beat_at=None))
    except IntegrityError:
        pass  # the other request created it


def _clock(user_id: int) -> CreditClock:
    clock = db.session.scalar(
        select(CreditClock).where(CreditClock.user_id == user_id).with_for_update()
    )
    if clock is None:
        clock = CreditClock(user_id=user_id, last_beat_at=None)
        db.session.add(clock)
        db.session.flush()
    return clock


def _progress(user_id: int, lesson_id: int, lock: bool) -> LessonProgress | None:
    query = select(LessonProgress).where(
        LessonProgress.user_id == user_id, LessonProgress.lesson_id == lesson_id
    )
    return db.session.scalar(query.with_for_update() if lock else query)


def _new_progress(view: LessonView) -> LessonProgress:
    progress = LessonProgress(
        user_id=view.user_id, lesson_id=view.lesson_id, coverage=[], credited_seconds=0.0
    )
    db.session.add(progress)
    db.session.flush()
    return progress


def _book(user_id: int, now: datetime, result: BeatCredit) -> float:
    """Add a beat's credit to its local dates; returns the part booked in ``now``'s year.

    One statement per date: an insert that adds to the day's row when it exists. The user's
    clock row is locked already, so the user's beats are booked one after the other.
    """
    insert = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    year, in_year = to_local(now).year, 0.0
    for local_date, part in split_by_local_date(now, result.credited_seconds, local_zone()).items():
        statement = insert(DailyCredit).values(user_id=user_id, local_date=local_date, seconds=part)
        db.session.execute(
            statement.on_conflict_do_update(
                index_elements=[DailyCredit.user_id, DailyCredit.local_date],
                set_={"seconds": DailyCredit.seconds + statement.excluded.seconds},
            )
        )
        in_year += part if local_date.year == year else 0.0
    return in_year


def year_progress(user_id: int, year: int) -> dict:
    """This year's online hours, weekend hours, and every course the user has played."""
    start, end = date(year, 1, 1), date(year, 12, 31)
    rows = db.session.execute(
        select(DailyCredit.local_date, DailyCredit.seconds).where(
            DailyCredit.user_id == user_id,
            DailyCredit.local_date >= start,
            DailyCredit.local_date <= end,
        )
    ).all()
    online = sum(seconds for _day, seconds in rows)
    weekend = sum(seconds for day, seconds in rows if day.weekday() >= 5)
    per_course = db.session.execute(
        select(
            Course.id,
            Course.title,
            func.sum(LessonProgress.credited_seconds),
            func.count(LessonProgress.completed_at),
        )
        .join(Lesson, Lesson.id == LessonProgress.lesson_id)
        .join(Course, Course.id == Lesson.course_id)
        .where(LessonProgress.user_id == user_id)
        .group_by(Course.id, Course.title)
        .order_by(Course.title)
    ).all()
    # One grouped query for every course's lesson count and playable length (no query per course).
    totals = {
        course_id: (count, float(length or 0))
        for course_id, count, length in db.session.execute(
            select(Lesson.course_id, func.count(Lesson.id), func.sum(Lesson.duration_seconds))
            .where(Lesson.course_id.in_([row[0] for row in per_course]))
            .group_by(Lesson.course_id)
        )
    }
    from lms.quizzes.services import courses_awaiting_test

    # A course whose required test is not passed yet is not complete (the quizzes feature).
    awaiting_test = courses_awaiting_test(user_id, [row[0] for row in per_course])
    courses = []
    for course_id, title, credited, completed_lessons in per_course:
        lesson_count, length = totals.get(course_id, (-1, 0.0))
        credited = float(credited or 0)
        courses.append(
            {
                "id": course_id,
                "title": title,
                "credited_seconds": round(credited, 1),
                "progress": round(min(1.0, credited / length), 4) if length else 0.0,
                "completed": completed_lessons == lesson_count and course_id not in awaiting_test,
            }
        )
    return {
        "year": year,
        "online_seconds": round(online, 1),
        "online_hours": round(online / 3600, 1),
        "weekend_seconds": round(weekend, 1),
        "courses": courses,
    }


def weekend_seconds(user_id: int, today: date) -> float:
    """Seconds credited on the latest Saturday and Sunday up to ``today`` (local dates)."""
    from datetime import timedelta

    saturday = today - timedelta(days=(today.weekday() - 5) % 7)
    return float(
        db.session.scalar(
            select(func.coalesce(func.sum(DailyCredit.seconds), 0.0)).where(
                DailyCredit.user_id == user_id,
                DailyCredit.local_date >= saturday,
                DailyCredit.local_date <= saturday + timedelta(days=1),
            )
        )
    )


def resume_lessons(user_id: int, course_ids) -> dict[int, int]:
    """For each course, the first lesson the user has not completed (where to resume)."""
    completed = set(
        db.session.scalars(
            select(LessonProgress.lesson_id).where(
                LessonProgress.user_id == user_id, LessonProgress.completed_at.is_not(None)
            )
        )
    )
    resume = {}
    for lesson in db.session.scalars(
        select(Lesson)
        .where(Lesson.course_id.in_(list(course_ids)), Lesson.duration_seconds.is_not(None))
        .order_by(Lesson.course_id, Lesson.position)
    ):
        if lesson.id not in completed and lesson.course_id not in resume:
            resume[lesson.course_id] = lesson.id
    return resume


def credited_by_course(user_id: int, course_ids) -> dict[int, float]:
    """Seconds the user has been credited in each of ``course_ids`` (one grouped query)."""
    ids = list(course_ids)
    if not ids:
        return {}
    return {
        course_id: float(seconds or 0)
        for course_id, seconds in db.session.execute(
            select(Lesson.course_id, func.sum(LessonProgress.credited_seconds))
            .join(Lesson, Lesson.id == LessonProgress.lesson_id)
            .where(LessonProgress.user_id == user_id, Lesson.course_id.in_(ids))
            .group_by(Lesson.course_id)
        )
    }


def offline_days(user_id: int, year: int) -> float:
    """Approved offline training days ending in ``year``'s statistics window."""
    from lms.offline.services import approved_offline_totals
    from lms.plans.services import stats_window_for

    totals = approved_offline_totals([user_id], *stats_window_for(year)).get(user_id)
    return round(totals.days, 1) if totals else 0.0
