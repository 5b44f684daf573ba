"""Recording beats: the server decides what a beat credits (rules 3–8 of docs/domain.md)."""

from dataclasses import dataclass
from datetime import date, datetime

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import and_, bindparam, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm.attributes import set_committed_value

from lms.accounts.models import User
from lms.core import statsyear
from lms.core.timeutil import local_zone, utcnow
from lms.courses.models import Course, Lesson
from lms.extensions import db
from lms.tracking import playback, signals
from lms.tracking.course_totals import add_completed
from lms.tracking.intervals import parse_segments, union
from lms.tracking.models import CreditClock, CreditTotal, DailyCredit, LessonProgress, LessonView
from lms.tracking.rules import credit_user_beat
from lms.tracking.totals import add_to_totals
from lms.tracking.viewing import Beat, BeatError, can_watch, ensure_clock, is_ready


def record_beat(view: LessonView, beat: Beat, now: datetime | None = None) -> dict:
    """Credit one beat (rules 3–7) and return the answer for the player.

    Everything the beat reads, the time included, is read once the user's clock is held
    (``now`` is for simulations and tests): a beat that waited for another beat of the same
    user sees all that one wrote and is timed after it, so the clock never goes back and no
    record of the view, the lesson or the day loses an update.
    """
    db.session.flush()  # the Core statements below do not flush pending changes themselves
    connection = db.session.connection()
    state = _beat_state(connection, view, now)
    config = current_app.config
    heartbeat = float(config["HEARTBEAT_SECONDS"])
    mode = playback.standing(
        view.id,
        state.playing_view_id,
        state.playing_since,
        state.last_beat_at,
        state.superseded_at,
        state.view_last_beat_at,
        state.now,
        idle_seconds=2 * heartbeat,
    )
    if mode == playback.ELSEWHERE:
        raise playback.PlayingElsewhere()
    if mode == playback.CLOSING and state.last_seq is not None and beat.seq <= state.last_seq:
        raise playback.PlayingElsewhere()
    if state.last_seq is not None and beat.seq == state.last_seq:
        return dict(state.last_answer or {})  # a retry: same answer, nothing more credited
    if state.last_seq is not None and beat.seq < state.last_seq:
        raise BeatError(_("This beat is older than one already received."), status=409)
    _refuse_unplayable(view, state)
    if mode == playback.CLAIM:
        # The view that played before has been silent: this one takes the playback; the
        # silent one's closing beat gets no time (the window from now to now).
        playback.take_playback(
            connection, view.user_id, view.id, state.playing_view_id, state.now, state.now
        )

    now, duration = state.now, state.duration
    played = parse_segments(beat.segments, duration)
    coverage = [tuple(p) for p in state.coverage]
    # A closing beat is credited as if it came at the takeover, from the clock's reading
    # then: the real time this view played before another took over (lms.tracking.playback).
    closing = mode == playback.CLOSING
    credit_at = min(now, state.superseded_at) if closing else now
    result = credit_user_beat(
        credit_at,
        state.handover_from if closing else state.last_beat_at,
        state.opened_at,
        coverage,
        played,
        float(config["MAX_PLAYBACK_RATE"]),
        heartbeat,
        local_zone(),
    )
    year = state.year_seconds + _book(connection, view.user_id, now, result.by_date)

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
    if completed_at != state.completed_at:
        add_completed(connection, view.user_id, state.course_id, completed_at)
    clock = (
        {}
        if closing or result.clock_at == state.last_beat_at
        else {"last_beat_at": result.clock_at}
    )
    night = signals.night_credit(state.night_date, state.night_seconds, now, result.by_date)
    if night is not None:
        clock.update(night_date=night[0], night_seconds=night[1])
    evidence = signals.beat_evidence(state.evidence, state, beat, night)
    _save_view(
        connection, view, state, beat, played, result.credited_seconds, position, answer, evidence
    )
    if clock:
        connection.execute(_UPDATE_CLOCK, {"b_user_id": view.user_id, **clock})
    if closing:
        raise playback.PlayingElsewhere(keep=True)
    return answer


def _refuse_unplayable(view: LessonView, state: "_BeatState") -> None:
    """A view earns only while the user could open it: the lesson ready (its media may have
    been removed since) and the course still visible to them (it may have been unpublished)."""
    if not is_ready(state.status, state.duration):
        raise BeatError(_("This lesson is not ready to play yet."), status=409)
    if not state.is_published and not can_watch(db.session.get(User, view.user_id), view.lesson):
        raise BeatError(_("This course is no longer open for study."), status=409)


# The beat reads and writes with Core statements built once, on the connection of the
# session's transaction. A user's rows are changed by one beat at a time (the clock lock), so the
# ORM's unit of work and statement building would only add CPU: they cost the heartbeat path
# more than its SQL did (benchmarks/beats_load.py).
_LESSON, _VIEW, _PROGRESS = Lesson.__table__, LessonView.__table__, LessonProgress.__table__
_CLOCK, _DAILY, _COURSE = CreditClock.__table__, DailyCredit.__table__, Course.__table__
_TOTAL = CreditTotal.__table__
_STATE = (
    select(
        _LESSON.c.duration_seconds,
        _LESSON.c.status,
        _COURSE.c.is_published,
        _VIEW.c.opened_at,
        _VIEW.c.last_seq,
        _VIEW.c.last_answer,
        _VIEW.c.played,
        _VIEW.c.credited_seconds,
        _VIEW.c.max_rate,
        _VIEW.c.last_beat_at,
        _VIEW.c.superseded_at,
        _VIEW.c.handover_from,
        _VIEW.c.evidence,
        _VIEW.c.risk_level,
        _VIEW.c.risk_signals,
        _CLOCK.c.playing_view_id,
        _CLOCK.c.playing_since,
        _CLOCK.c.night_date,
        _CLOCK.c.night_seconds,
        _CLOCK.c.user_id,
        _CLOCK.c.last_beat_at,
        _PROGRESS.c.id,
        _PROGRESS.c.coverage,
        _PROGRESS.c.completed_at,
        _LESSON.c.course_id,
        select(_TOTAL.c.seconds)
        .where(_TOTAL.c.user_id == bindparam("user_id"), _TOTAL.c.year == bindparam("year"))
        .scalar_subquery(),
    )
    .select_from(
        _VIEW.join(_LESSON, _LESSON.c.id == _VIEW.c.lesson_id)
        .join(_COURSE, _COURSE.c.id == _LESSON.c.course_id)
        .outerjoin(_CLOCK, _CLOCK.c.user_id == _VIEW.c.user_id)
        .outerjoin(
            _PROGRESS,
            and_(
                _PROGRESS.c.user_id == _VIEW.c.user_id,
                _PROGRESS.c.lesson_id == _VIEW.c.lesson_id,
            ),
        )
    )
    .where(_VIEW.c.id == bindparam("view_id"))
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
    now: datetime  # the beat's time, read once the user's clock is held
    duration: float
    status: str | None
    is_published: bool
    opened_at: datetime
    last_seq: int | None  # the view's record, as the user's previous beat left it
    last_answer: dict | None
    played: list
    view_credited_seconds: float
    view_max_rate: float
    view_last_beat_at: datetime | None
    superseded_at: datetime | None
    handover_from: datetime | None
    evidence: dict
    risk_level: str
    risk_signals: list
    playing_view_id: int | None
    playing_since: datetime | None
    night_date: date | None
    night_seconds: float
    last_beat_at: datetime | None
    has_progress: bool
    coverage: list
    completed_at: datetime | None
    course_id: int
    year_seconds: float


def _beat_state(
    connection, view: LessonView, now: datetime | None, retry: bool = True
) -> _BeatState:
    """What a beat reads, in one statement once the user's clock is held: the view's record,
    the lesson (length, status, course published), the clock, the user's progress in the
    lesson and what they were credited in the statistics year of the beat's time, read then
    from the year's total (``lms.tracking.totals``: one row, not the year's ledger days).

    The user's clock row guards every row a beat writes (the user's views, progress, daily
    credit and totals: only beats write them, besides a re-total), and is locked before any of
    them is read, so the user's beats run one after the other (rule 5) and one lock is the only
    lock: no order to get wrong, no deadlock. The view was loaded before the lock (to authorize
    the beat), so its record is read again here. On PostgreSQL the lock takes a statement of its
    own: a statement that waited for a lock reads the other tables as they were when it started
    (READ COMMITTED), so it would miss what the beat it waited for wrote. A writing request
    on SQLite holds the database's write lock from its first statement (lms/core/database.py).
    """
    if connection.dialect.name == "postgresql":
        connection.execute(_LOCK_CLOCK, {"user_id": view.user_id})
    # Read after the lock: a beat that waited is timed after the one it waited for.
    at = now or utcnow()
    row = connection.execute(
        _STATE,
        {"user_id": view.user_id, "view_id": view.id, "year": statsyear.year_of_moment(at)},
    ).one()
    (duration, status, is_published, opened_at, last_seq, last_answer, played) = row[:7]
    (view_credited, view_max_rate, view_last_beat_at, superseded_at, handover_from) = row[7:12]
    (evidence, risk_level, risk_signals, playing_view_id, playing_since) = row[12:17]
    (night_date, night_seconds, clock_user, last_beat_at, progress_id) = row[17:22]
    coverage, completed_at, course_id, seconds = row[22:]
    if clock_user is None and retry:  # a view older than the clocks: create it, read again
        ensure_clock(view.user_id)
        return _beat_state(connection, view, now, retry=False)
    if progress_id is not None:
        _expire_loaded(LessonProgress, progress_id)
    _expire_loaded(CreditClock, view.user_id)
    return _BeatState(
        now=at,
        duration=float(duration or 0),
        status=status,
        is_published=bool(is_published),
        opened_at=opened_at,
        last_seq=last_seq,
        last_answer=last_answer,
        played=played or [],
        view_credited_seconds=float(view_credited or 0.0),
        view_max_rate=float(view_max_rate or 0.0),
        view_last_beat_at=view_last_beat_at,
        superseded_at=superseded_at,
        handover_from=handover_from,
        evidence=evidence or {},
        risk_level=risk_level or "low",
        risk_signals=risk_signals or [],
        playing_view_id=playing_view_id,
        playing_since=playing_since,
        night_date=night_date,
        night_seconds=float(night_seconds or 0.0),
        last_beat_at=last_beat_at,
        has_progress=progress_id is not None,
        coverage=coverage or [],
        completed_at=completed_at,
        course_id=course_id,
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


def _save_view(connection, view, state, beat, played, credited, position, answer, evidence) -> None:
    """Add the beat to the view's record (rule 8) as read under the lock, with what it adds
    to the session's evidence and the risk judged from it, and keep the loaded object in
    step, unchanged for the session (no second UPDATE at the next flush)."""
    values = {
        "credited_seconds": state.view_credited_seconds + credited,
        "position_seconds": position,
        "last_seq": beat.seq,
        "last_beat_at": state.now,
        "last_answer": answer,
    }
    seen = [tuple(p) for p in state.played]
    merged = union([*seen, *played])
    if merged != seen:
        values["played"] = [list(p) for p in merged]
    if (max_rate := max(state.view_max_rate, beat.rate)) != state.view_max_rate:
        values["max_rate"] = max_rate
    if evidence != state.evidence:
        values["evidence"] = evidence
    judged = signals.judge(evidence, _length(merged))
    if judged.level != state.risk_level or judged.signals != state.risk_signals:
        values["risk_level"], values["risk_signals"] = judged.level, judged.signals
    connection.execute(_UPDATE_VIEW, {"b_id": view.id, **values})
    loaded = {
        "played": state.played,
        "max_rate": state.view_max_rate,
        "opened_at": state.opened_at,
        "evidence": state.evidence,
        "risk_level": state.risk_level,
        "risk_signals": state.risk_signals,
    }
    for key, value in (loaded | values).items():
        set_committed_value(view, key, value)


def _length(coverage) -> float:
    return sum(end - start for start, end in coverage)


def _book(connection, user_id: int, now: datetime, by_date: dict[date, float]) -> float:
    """Add a beat's credit to its local dates and to the totals of the statistics years
    they count toward (``lms.tracking.totals``); returns the part booked in the statistics
    year that ``now`` counts toward.

    One statement per date and one per year: an insert that adds to the row when it exists,
    in one step, so even a writer without the user's clock would lose no seconds.
    """
    upsert = _UPSERT_DAY[connection.dialect.name]
    start, end = statsyear.window(statsyear.year_of_moment(now))
    in_year = 0.0
    for local_date, part in by_date.items():
        connection.execute(upsert, {"user_id": user_id, "local_date": local_date, "seconds": part})
        in_year += part if start <= local_date <= end else 0.0
    add_to_totals(connection, user_id, by_date)
    return in_year
