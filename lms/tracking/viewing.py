"""Opening viewing sessions and reading beats: who may watch, and what a beat must say."""

import math
import re
import secrets
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from lms.core.errors import LmsError
from lms.core.timeutil import utcnow
from lms.courses.access import can_see_course
from lms.courses.models import Lesson, LessonStatus
from lms.extensions import db
from lms.tracking import risk, signals
from lms.tracking.intervals import SegmentError, parse_segments
from lms.tracking.models import CreditClock, LessonProgress, LessonView

# lesson_view.last_seq is an ``integer`` on PostgreSQL, where SQLite's holds 64 bits: one
# range for both databases, so a larger seq gets the same 400 on each instead of a 500 on one.
MAX_SEQ = 2**31 - 1
# The highest playback rate a browser plays at (HTMLMediaElement.playbackRate); 0 is a pause.
MAX_REPORTED_RATE = 16
DEVICE_ID = re.compile(r"[A-Za-z0-9_-]{8,64}")


class BeatError(LmsError):
    """A beat the server refuses; ``status`` is the HTTP status to answer with."""


@dataclass(frozen=True)
class Beat:
    seq: int
    segments: list
    position: float
    rate: float
    ended: bool
    signals: dict | None = None  # the player's report (lms.tracking.risk), if it sent one


def can_watch(user, lesson: Lesson | None) -> bool:
    """Published courses are open to every user; drafts to their instructors and admins."""
    return lesson is not None and can_see_course(user, lesson.course)


def open_view(
    user, lesson: Lesson, user_agent: str = "", address: str = "", device_id: str | None = None
) -> LessonView:
    """Start a viewing session; the public id is the capability that authorizes its beats.

    Other accounts seen on its device or address within minutes are recorded as evidence
    now, once, rather than looked up at every beat."""
    if not is_ready(lesson.status, lesson.duration_seconds):
        raise BeatError(_("This lesson is not ready to play yet."), status=409)
    view = LessonView(
        public_id=secrets.token_urlsafe(24),
        user_id=user.id,
        lesson_id=lesson.id,
        opened_at=utcnow(),
        played=[],
        user_agent=(user_agent or "")[:300] or None,
        address=(address or "")[:64] or None,
        device_id=device_id,
    )
    db.session.add(view)
    ensure_clock(user.id)
    db.session.flush()
    view.evidence = signals.shared_evidence(view)
    judged = signals.judge(view.evidence, 0.0)
    view.risk_level, view.risk_signals = judged.level, judged.signals
    db.session.flush()
    return view


def parse_device_id(body) -> str | None:
    """The device id the player keeps in the browser, if the request names one."""
    if body is None:
        return None
    if not isinstance(body, dict):
        raise BeatError(_("The request must be a JSON object."))
    device_id = body.get("device_id")
    if device_id is None:
        return None
    if not isinstance(device_id, str) or not DEVICE_ID.fullmatch(device_id):
        raise BeatError(_("“device_id” must be 8 to 64 letters, digits, “-” or “_”."))
    return device_id


def lesson_standing(user_id: int, lesson: Lesson) -> dict:
    """Where a user stands on a lesson when opening it: the position to resume from and the
    credit so far, in the beat answer's words (the player shows them before the first beat)."""
    progress = _progress(user_id, lesson.id, lock=False)
    duration = float(lesson.duration_seconds or 0)
    credited = float(progress.credited_seconds) if progress else 0.0
    return {
        "resume_position": float(progress.position_seconds) if progress else 0.0,
        "lesson_credited_seconds": round(credited, 3),
        "lesson_progress": round(credited / duration, 4) if duration else 0.0,
        "lesson_completed": progress is not None and progress.completed_at is not None,
    }


def parse_beat(body) -> Beat:
    """Rule 2: a malformed beat is refused with a message and credits nothing."""
    if not isinstance(body, dict):
        raise BeatError(_("The beat must be a JSON object."))
    seq = body.get("seq")
    if isinstance(seq, bool) or not isinstance(seq, int) or not 0 <= seq <= MAX_SEQ:
        raise BeatError(
            _(
                "“seq” must be a whole number from 0 to %(max)d that grows with each beat.",
                max=MAX_SEQ,
            )
        )
    position, rate = _finite(body.get("position", 0)), _finite(body.get("rate", 1))
    if position is None:
        raise BeatError(_("“%(name)s” must be a number.", name="position"))
    if rate is None or not 0 <= rate <= MAX_REPORTED_RATE:
        raise BeatError(
            _("“rate” must be a playback rate from 0 to %(max)d.", max=MAX_REPORTED_RATE)
        )
    ended = body.get("ended", False)
    if not isinstance(ended, bool):
        raise BeatError(_("“ended” must be true or false."))
    segments = body.get("segments", [])
    try:
        parse_segments(segments, duration=float("inf"))
    except SegmentError as exc:
        raise BeatError(_("The segments are not valid: %(reason)s", reason=str(exc))) from exc
    report = _player_report(body.get("signals"))
    return Beat(
        seq=seq, segments=segments, position=position, rate=rate, ended=ended, signals=report
    )


def _player_report(report) -> dict | None:
    """The player's observations sent with a beat (lms.tracking.risk), checked field by field."""
    if report is None:
        return None
    if not isinstance(report, dict):
        raise BeatError(_("“signals” must be a JSON object."))
    for flag in ("webdriver", "audible", "visible", "focused"):
        if not isinstance(report.get(flag, False), bool):
            raise BeatError(_("“%(name)s” must be true or false.", name="signals." + flag))
    markers = report.get("headless", [])
    if (
        not isinstance(markers, list)
        or len(markers) > risk.MAX_MARKERS
        or not all(isinstance(m, str) and 0 < len(m) <= 40 for m in markers)
    ):
        raise BeatError(
            _(
                "“signals.headless” must be a list of at most %(max)d short texts.",
                max=risk.MAX_MARKERS,
            )
        )
    inputs = report.get("inputs", 0)
    if (
        isinstance(inputs, bool)
        or not isinstance(inputs, int)
        or not 0 <= inputs <= risk.MAX_INPUTS
    ):
        raise BeatError(_("“signals.inputs” must be a count of input events."))
    presence = report.get("presence", [])
    if (
        not isinstance(presence, list)
        or len(presence) > risk.MAX_PRESENCE_ANSWERS
        or any((delay := _finite(value)) is None or not 0 <= delay <= 3600 for value in presence)
    ):
        raise BeatError(
            _("“signals.presence” must be a list of at most %(max)d answer delays in seconds.",
              max=risk.MAX_PRESENCE_ANSWERS)
        )  # fmt: skip
    return {
        "webdriver": report.get("webdriver", False),
        "audible": report.get("audible", False),
        "visible": report.get("visible", False),
        "focused": report.get("focused", False),
        "headless": markers,
        "inputs": inputs,
        "presence": [float(value) for value in presence],
    }


def _finite(value) -> float | None:
    """A JSON number as a float, or None if it is not one or no float holds it (10**400)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        number = float(value)
    except OverflowError:
        return None
    return number if math.isfinite(number) else None


def is_ready(status: str | None, duration_seconds: float | None) -> bool:
    """A lesson can be played, and earn credit, once its media is processed."""
    return status == LessonStatus.READY.value and bool(duration_seconds)


def ensure_clock(user_id: int) -> None:
    """Create the user's clock row once; two first views racing must not both insert it."""
    # Not loaded as an object: the beats write the row with Core statements (record_beat).
    clock = CreditClock.__table__
    if db.session.scalar(select(clock.c.user_id).where(clock.c.user_id == user_id)):
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
