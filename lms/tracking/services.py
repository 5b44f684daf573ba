"""Opening viewing sessions and recording beats: the server decides what is credited."""

import secrets
from dataclasses import dataclass
from datetime import date, datetime

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import and_, bindparam, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value

from lms.core import statsyear
from lms.core.timeutil import local_today, local_zone, to_local, utcnow
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

    db.session.flush()  # the Core statements below do not flush pending changes themselves
    connection = db.session.connection()
    state = _beat_state(connection, view, now)
    duration = state.duration
    played = parse_segments(beat.segments, duration)
    config = current_app.config
    allowance = allowance_seconds(
        now,
        state.last_beat_at,
        view.opened_at,
        float(config["MAX_PLAYBACK_RATE"]),
        float(config["HEARTBEAT_SECONDS"]),
    )
    coverage = [tuple(p) for p in state.coverage]
    result = credit_beat(coverage, played, allowance)
    year = state.year_seconds + _book(connection, view.user_id, now, result)

    credited = min(duration, _length(result.coverage))
    position = min(max(0.0, beat.position), duration)
    completed_at = state.completed_at
    threshold = float(config["COMPLETION_THRESHOLD"]) * duration
    if completed_at is None and credited >= threshold - 1e-6:
        completed_at = now
    answer = {
        "credited_seconds": round(result.credited_seconds, 3),
        "lesson_credited_seconds": round(credited, 3),
        "lesson_progress": round(credited / duration, 4) if duration else 0.0,
        "lesson_completed": completed_at is not None,
        "year_credited_seconds": round(year, 3),
    }
    progress = {"credited_seconds": credited, "position_seconds": position, "updated_at": now}
    if result.coverage != coverage:
        progress["coverage"] = [list(p) for p in result.coverage]
    if completed_at != state.completed_at:
        progress["completed_at"] = completed_at
    _save_progress(connection, view, state.has_progress, progress)
    _save_view(connection, view, beat, played, result.credited_seconds, position, answer, now)
    connection.execute(_UPDATE_CLOCK, {"b_user_id": view.user_id, "last_beat_at": now})
    return answer


# The beat reads and writes with Core statements built once, on the connection of the
# session's transaction. A beat's rows are changed by that beat alone (the clock lock), so the
# ORM's unit of work and statement building would only add CPU: they cost the heartbeat path
# more than its SQL did (benchmarks/beats_load.py).
_LESSON, _VIEW, _PROGRESS = Lesson.__table__, LessonView.__table__, LessonProgress.__table__
_CLOCK, _DAILY = CreditClock.__table__, DailyCredit.__table__
_STATE = (
    select(
        _LESSON.c.duration_seconds,
        _CLOCK.c.user_id,
        _CLOCK.c.last_beat_at,
        _PROGRESS.c.id,
        _PROGRESS.c.coverage,
        _PROGRESS.c.completed_at,
        select(func.coalesce(func.sum(_DAILY.c.seconds), 0.0))
        .where(
            _DAILY.c.user_id == bindparam("user_id"),
            _DAILY.c.local_date >= bindparam("year_start"),
            _DAILY.c.local_date <= bindparam("year_end"),
        )
        .scalar_subquery(),
    )
    .select_from(
        _LESSON.outerjoin(_CLOCK, _CLOCK.c.user_id == bindparam("user_id")).outerjoin(
            _PROGRESS,
            and_(
                _PROGRESS.c.user_id == bindparam("user_id"),
                _PROGRESS.c.lesson_id == _LESSON.c.id,
            ),
        )
    )
    .where(_LESSON.c.id == bindparam("lesson_id"))
)
_LOCK_CLOCK = select(_CLOCK.c.user_id).where(_CLOCK.c.user_id == bindparam("user_id"))
_LOCK_CLOCK = _LOCK_CLOCK.with_for_update()
# The SET clauses are the columns given at execution: only what changed is written.
_UPDATE_CLOCK = update(_CLOCK).where(_CLOCK.c.user_id == bindparam("b_user_id"))
_UPDATE_VIEW = update(_VIEW).where(_VIEW.c.id == bindparam("b_id"))
_UPDATE_PROGRESS = update(_PROGRESS).where(
    _PROGRESS.c.user_id == bindparam("b_user_id"), _PROGRESS.c.lesson_id == bindparam("b_lesson_id")
)
_INSERT_PROGRESS = insert(_PROGRESS)


def _upsert_day(dialect: str):
    """An insert that adds to the day's row when it exists (both dialects spell it alike)."""
    statement = (pg_insert if dialect == "postgresql" else sqlite_insert)(_DAILY)
    return statement.on_conflict_do_update(
        index_elements=[_DAILY.c.user_id, _DAILY.c.local_date],
        set_={"seconds": _DAILY.c.seconds + statement.excluded.seconds},
    )


_UPSERT_DAY = {dialect: _upsert_day(dialect) for dialect in ("postgresql", "sqlite")}


@dataclass(frozen=True)
class _BeatState:
    duration: float
    last_beat_at: datetime | None
    has_progress: bool
    coverage: list
    completed_at: datetime | None
    year_seconds: float


def _beat_state(connection, view: LessonView, now: datetime, retry: bool = True) -> _BeatState:
    """What a beat reads, in one statement: the lesson's length, the user's clock, their
    progress in the lesson and what they were credited in ``now``'s local year.

    The user's clock row is locked first, so the user's beats run one after the other (rule
    5) and the progress needs no lock of its own. On PostgreSQL that takes a statement of its
    own: a statement that waited for a lock reads the other tables as they were when it
    started (READ COMMITTED), so it would miss the progress and credit of the beat it waited
    for. A writing request on SQLite holds the database's write lock from its first statement
    (lms/core/database.py).
    """
    if connection.dialect.name == "postgresql":
        connection.execute(_LOCK_CLOCK, {"user_id": view.user_id})
    year = to_local(now).year
    row = connection.execute(
        _STATE,
        {
            "user_id": view.user_id,
            "lesson_id": view.lesson_id,
            "year_start": date(year, 1, 1),
            "year_end": date(year, 12, 31),
        },
    ).one()
    duration, clock_user, last_beat_at, progress_id, coverage, completed_at, seconds = row
    if clock_user is None and retry:  # a view older than the clocks: create it, read again
        _ensure_clock(view.user_id)
        return _beat_state(connection, view, now, retry=False)
    if progress_id is not None:
        _expire_loaded(LessonProgress, progress_id)
    _expire_loaded(CreditClock, view.user_id)
    return _BeatState(
        duration=float(duration or 0),
        last_beat_at=last_beat_at,
        has_progress=progress_id is not None,
        coverage=coverage or [],
        completed_at=completed_at,
        year_seconds=float(seconds or 0),
    )


def _expire_loaded(model, key) -> None:
    """Expire the row's object if this session holds one: it would not see the Core update."""
    loaded = db.session.identity_map.get(db.session.identity_key(model, key))
    if loaded is not None:
        db.session.expire(loaded)


def _save_progress(connection, view: LessonView, exists: bool, values: dict) -> None:
    """Write the changed columns of the user's progress in the lesson (insert the first)."""
    if exists:
        connection.execute(
            _UPDATE_PROGRESS, {"b_user_id": view.user_id, "b_lesson_id": view.lesson_id, **values}
        )
    else:
        connection.execute(
            _INSERT_PROGRESS,
            {"coverage": [], **values, "user_id": view.user_id, "lesson_id": view.lesson_id},
        )


def _save_view(connection, view, beat, played, credited, position, answer, now) -> None:
    """Write the view's record (rule 8) and keep the loaded object in step, unchanged for
    the session (no second UPDATE at the next flush)."""
    values = {
        "credited_seconds": (view.credited_seconds or 0.0) + credited,
        "position_seconds": position,
        "last_seq": beat.seq,
        "last_beat_at": now,
        "last_answer": answer,
    }
    seen = [tuple(p) for p in view.played or []]
    merged = union([*seen, *played])
    if merged != seen:
        values["played"] = [list(p) for p in merged]
    if (max_rate := max(view.max_rate or 0.0, beat.rate)) != view.max_rate:
        values["max_rate"] = max_rate
    connection.execute(_UPDATE_VIEW, {"b_id": view.id, **values})
    for key, value in values.items():
        set_committed_value(view, key, value)


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
    # Not loaded as an object: the beats write the row with Core statements (record_beat).
    if db.session.scalar(select(_CLOCK.c.user_id).where(_CLOCK.c.user_id == user_id)):
        return
    try:
        with db.session.begin_nested():
            db.session.add(CreditClock(user_id=user_id, last_beat_at=None))
    except IntegrityError:
        pass  # the other request created it


def _progress(user_id: int, lesson_id: int, lock: bool) -> LessonProgress | None:
    query = select(LessonProgress).where(
        LessonProgress.user_id == user_id, LessonProgress.lesson_id == lesson_id
    )
    return db.session.scalar(query.with_for_update() if lock else query)


def _book(connection, user_id: int, now: datetime, result: BeatCredit) -> float:
    """Add a beat's credit to its local dates; returns the part booked in ``now``'s year.

    One statement per date: an insert that adds to the day's row when it exists. The user's
    clock row is locked already, so the user's beats are booked one after the other.
    """
    upsert = _UPSERT_DAY[connection.dialect.name]
    year, in_year = to_local(now).year, 0.0
    for local_date, part in split_by_local_date(now, result.credited_seconds, local_zone()).items():
        connection.execute(upsert, {"user_id": user_id, "local_date": local_date, "seconds": part})
        in_year += part if local_date.year == year else 0.0
    return in_year


def year_progress(user_id: int, year: int) -> dict:
    """A statistics year's online hours and weekend hours (the year's window, as every
    figure of ``year``), and every course the user has played."""
    start, end = statsyear.window(year)
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
        "window_start": start.isoformat(),
        "window_end": end.isoformat(),
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


def year_outlook(person, today: date | None = None) -> dict:
    """What a cadre's pages show of the current statistics year besides hours: the year,
    the forecast ("every cadre page shows the forecast", DOMAIN.md) and approved offline
    days; the context of ``tracking/_year_outlook.html``."""
    from lms.plans.services import forecast_for

    today = today or local_today()
    year = statsyear.current_year(today)
    return {
        "plan_year": year,
        "forecast": forecast_for(person, today, year),
        "offline_days": offline_days(person.id, year),
    }


def offline_days(user_id: int, year: int) -> float:
    """Approved offline training days ending in ``year``'s statistics window."""
    from lms.offline.services import approved_offline_totals
    totals = approved_offline_totals([user_id], *statsyear.window(year)).get(user_id)
    return round(totals.days, 1) if totals else 0.0
