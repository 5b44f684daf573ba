"""The heartbeat protocol: open a view on a lesson, then send beats of played segments."""

import json

from flask import Blueprint, current_app, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import bindparam, select

from lms.core.access import protect_cookie_writes
from lms.core.errors import api_error
from lms.core.openapi import ERROR, array, documented, obj
from lms.courses.models import Lesson
from lms.extensions import db
from lms.tracking.beats import record_beat
from lms.tracking.models import LessonView
from lms.tracking.viewing import (
    MAX_REPORTED_RATE,
    MAX_SEQ,
    BeatError,
    can_watch,
    lesson_standing,
    parse_beat,
)
from lms.tracking.viewing import open_view as open_lesson_view

bp = Blueprint("tracking_api", __name__, url_prefix="/api/v1")

# A beat is authorized by its unguessable view id bound to the caller; sendBeacon cannot
# add a CSRF header, so the beats endpoint is the one cookie write without it.
bp.before_request(protect_cookie_writes(exempt_endpoints={"tracking_api.beat"}))

MAX_BEAT_BYTES = 64 * 1024
# Built once: a statement's construction costs the heartbeat path more than its execution.
_VIEW_OF_USER = select(LessonView).where(
    LessonView.public_id == bindparam("public_id"), LessonView.user_id == bindparam("user_id")
)


VIEW = obj(
    ["view_id", "resume_position", "heartbeat_seconds", "max_playback_rate"],
    view_id={"type": "string"},
    resume_position={"type": "number"},
    heartbeat_seconds={"type": "number"},
    max_playback_rate={"type": "number"},
    completion_threshold={"type": "number"},
    lesson_credited_seconds={"type": "number"},
    lesson_progress={"type": "number"},
    lesson_completed={"type": "boolean"},
)
BEAT = obj(
    ["seq"],
    seq={"type": "integer", "minimum": 0, "maximum": MAX_SEQ},
    position={"type": "number"},
    rate={"type": "number", "minimum": 0, "maximum": MAX_REPORTED_RATE},
    ended={"type": "boolean"},
    segments=array(array({"type": "number"})),
)
BEAT_ANSWER = obj(
    ["credited_seconds"],
    credited_seconds={"type": "number"},
    lesson_credited_seconds={"type": "number"},
    lesson_progress={"type": "number"},
    lesson_completed={"type": "boolean"},
    year_credited_seconds={"type": "number"},
)
PROGRESS = {"type": "object", "required": ["year"], "properties": {"year": {"type": "integer"}}}


@bp.route("/lessons/<int:lesson_id>/views", methods=["POST"])
@documented(responses={201: VIEW, 409: ERROR})
@login_required
def open_view(lesson_id: int):
    """Open a viewing session on a lesson the caller may watch."""
    lesson = db.session.get(Lesson, lesson_id)
    if not can_watch(current_user, lesson):
        return api_error(404, "not_found", _("No such lesson."))
    try:
        view = open_lesson_view(
            current_user,
            lesson,
            user_agent=request.headers.get("User-Agent", ""),
            address=request.remote_addr or "",
        )
    except BeatError as exc:
        return api_error(exc.status, "not_ready", str(exc))
    config = current_app.config
    return (
        jsonify(
            {
                "view_id": view.public_id,
                **lesson_standing(current_user.id, lesson),
                "heartbeat_seconds": config["HEARTBEAT_SECONDS"],
                "max_playback_rate": config["MAX_PLAYBACK_RATE"],
                "completion_threshold": config["COMPLETION_THRESHOLD"],
            }
        ),
        201,
    )


@bp.route("/views/<view_id>/beats", methods=["POST"])
@documented(
    responses={200: BEAT_ANSWER, 409: ERROR, 413: ERROR},
    body=BEAT,
    body_types=("application/json", "text/plain"),
)
@login_required
def beat(view_id: str):
    """Record one beat; the body may be sent as text/plain JSON (navigator.sendBeacon)."""
    view = db.session.scalar(_VIEW_OF_USER, {"public_id": view_id[:64], "user_id": current_user.id})
    if view is None:
        return api_error(404, "not_found", _("No such viewing session."))
    raw = request.get_data(cache=False, as_text=True)
    if len(raw) > MAX_BEAT_BYTES:
        return api_error(413, "too_large", _("The beat is too large."))
    try:
        body = json.loads(raw) if raw else None
    except RecursionError:  # nested deeper than the parser's stack: no beat looks like that
        return api_error(400, "bad_request", _("The beat is nested too deeply."))
    except ValueError:
        return api_error(400, "bad_request", _("The beat must be JSON."))
    try:
        answer = record_beat(view, parse_beat(body))
    except BeatError as exc:
        code = "conflict" if exc.status == 409 else "bad_request"
        return api_error(exc.status, code, str(exc))  # a refusal: the request keeps nothing
    # The request's one commit (lms.core.unit_of_work) keeps the beat and releases the clock.
    return jsonify(answer)
