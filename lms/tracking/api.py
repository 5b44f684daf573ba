"""The heartbeat protocol: open a view on a lesson, then send beats of played segments."""

import json
from datetime import UTC

from flask import Blueprint, current_app, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload

from lms.accounts.models import Role
from lms.core import statsyear
from lms.core.access import protect_cookie_writes, role_required
from lms.core.errors import api_error
from lms.core.inputs import query_int
from lms.core.openapi import ERROR, array, documented, obj
from lms.core.unit_of_work import keep_on_refusal
from lms.courses.models import Lesson
from lms.extensions import db
from lms.org.models import Cadre
from lms.org.visibility import can_see_person
from lms.tracking import risk, study_records
from lms.tracking.beats import record_beat
from lms.tracking.intervals import total_length
from lms.tracking.models import LessonView
from lms.tracking.playback import PlayingElsewhere, claim_playback
from lms.tracking.viewing import (
    MAX_REPORTED_RATE,
    MAX_SEQ,
    BeatError,
    can_watch,
    lesson_standing,
    parse_beat,
    parse_device_id,
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
    signals=obj(
        [],
        webdriver={"type": "boolean"},
        audible={"type": "boolean"},
        visible={"type": "boolean"},
        focused={"type": "boolean"},
        headless={
            "type": "array",
            "maxItems": 5,
            "items": {"type": "string", "minLength": 1, "maxLength": 40},
        },
        inputs={"type": "integer", "minimum": 0, "maximum": 10**9},
        presence={
            "type": "array",
            "maxItems": 20,
            "items": {"type": "number", "minimum": 0, "maximum": 3600},
        },
    ),
)
OPEN = obj([], device_id={"type": "string", "pattern": "^[A-Za-z0-9_-]{8,64}$"})
BEAT_ANSWER = obj(
    ["credited_seconds"],
    credited_seconds={"type": "number"},
    lesson_credited_seconds={"type": "number"},
    lesson_progress={"type": "number"},
    lesson_completed={"type": "boolean"},
    year_credited_seconds={"type": "number"},
)
MAX_PER_PAGE, DEFAULT_PER_PAGE = 100, 20
PLAYBACK = obj(["view_id", "playing"], view_id={"type": "string"}, playing={"type": "boolean"})
PROGRESS = {"type": "object", "required": ["year"], "properties": {"year": {"type": "integer"}}}


@bp.route("/lessons/<int:lesson_id>/views", methods=["POST"])
@documented(responses={201: VIEW, 409: ERROR}, body=OPEN)
@login_required
def open_view(lesson_id: int):
    """Open a viewing session on a lesson the caller may watch."""
    lesson = db.session.get(Lesson, lesson_id)
    if not can_watch(current_user, lesson):
        return api_error(404, "not_found", _("No such lesson."))
    raw = request.get_data(cache=False, as_text=True)
    try:
        device_id = parse_device_id(json.loads(raw) if raw.strip() else None)
    except (ValueError, RecursionError):
        return api_error(400, "bad_request", _("The request must be a JSON object."))
    try:
        view = open_lesson_view(
            current_user,
            lesson,
            user_agent=request.headers.get("User-Agent", ""),
            address=request.remote_addr or "",
            device_id=device_id,
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
    except PlayingElsewhere as exc:
        if exc.keep:
            keep_on_refusal()  # the closing beat: its credit before the takeover stays
        return api_error(409, exc.code, str(exc))
    except BeatError as exc:
        code = "conflict" if exc.status == 409 else "bad_request"
        return api_error(exc.status, code, str(exc))  # a refusal: the request keeps nothing
    # The request's one commit (lms.core.unit_of_work) keeps the beat and releases the clock.
    return jsonify(answer)


@bp.route("/views/<view_id>/playback", methods=["POST"])
@documented(responses={200: PLAYBACK, 404: ERROR})
@login_required
def take_over(view_id: str):
    """Make this view the account's one playback; the view that played before is refused
    from now on (409 ``playing_elsewhere``) and may take it back the same way."""
    view = db.session.scalar(_VIEW_OF_USER, {"public_id": view_id[:64], "user_id": current_user.id})
    if view is None:
        return api_error(404, "not_found", _("No such viewing session."))
    claim_playback(view)
    return jsonify({"view_id": view.public_id, "playing": True})


CADRE_VIEWS = obj(
    ["cadre_id", "year", "views", "page", "pages", "total"],
    cadre_id={"type": "integer"},
    year={"type": "integer"},
    views=array(
        obj(
            ["id", "lesson", "opened_at", "credited_seconds", "risk_level", "signals"],
            id={"type": "integer"},
            lesson=obj(
                ["id", "title", "course_id", "course_title"],
                id={"type": "integer"},
                title={"type": "string"},
                course_id={"type": "integer"},
                course_title={"type": "string"},
            ),
            opened_at={"type": "string"},
            last_beat_at={"type": ["string", "null"]},
            credited_seconds={"type": "number"},
            played_seconds={"type": "number"},
            max_rate={"type": "number"},
            risk_level={"type": "string", "enum": list(risk.LEVELS)},
            signals=array(
                obj(
                    ["code", "text", "evidence"],
                    code={"type": "string"},
                    text={"type": "string"},
                    evidence={"type": "object"},
                )
            ),
            user_agent={"type": ["string", "null"]},
            address={"type": ["string", "null"]},
        )
    ),
    page={"type": "integer"},
    pages={"type": "integer"},
    total={"type": "integer"},
)


@bp.route("/cadres/<int:cadre_id>/views")
@documented(
    responses={200: CADRE_VIEWS, 403: ERROR, 404: ERROR},
    query={
        "year": {"type": "integer", "minimum": 2000, "maximum": 2100},
        "page": {"type": "integer", "minimum": 1},
        "per_page": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE},
    },
)
@role_required(Role.ADMIN, Role.SUPERVISOR)
def cadre_views(cadre_id: int):
    """A cadre's viewing sessions opened in a statistics year, newest first: what each was
    credited, its risk level and the signals behind it (supervisors in scope, admins)."""
    cadre = db.session.get(Cadre, cadre_id)
    if cadre is None or not can_see_person(current_user, cadre.user):
        return api_error(404, "not_found", _("No such cadre."))
    year = query_int("year", statsyear.current_year(), minimum=2000, maximum=2100)
    page = query_int("page", 1, minimum=1)
    per_page = query_int("per_page", DEFAULT_PER_PAGE, minimum=1, maximum=MAX_PER_PAGE)
    result = db.paginate(
        study_records.year_views_query(cadre.user_id, year).options(
            joinedload(LessonView.lesson).joinedload(Lesson.course)
        ),
        page=page,
        per_page=per_page,
        error_out=False,
    )
    return jsonify(
        {
            "cadre_id": cadre.id,
            "year": year,
            "views": [_view_json(view) for view in result.items],
            "page": result.page,
            "pages": result.pages,
            "total": result.total,
        }
    )


def _view_json(view: LessonView) -> dict:
    lesson = view.lesson
    return {
        "id": view.id,
        "lesson": {
            "id": lesson.id,
            "title": lesson.title,
            "course_id": lesson.course_id,
            "course_title": lesson.course.title,
        },
        "opened_at": _iso(view.opened_at),
        "last_beat_at": _iso(view.last_beat_at),
        "credited_seconds": round(view.credited_seconds, 3),
        "played_seconds": round(total_length(tuple(p) for p in view.played or []), 3),
        "max_rate": view.max_rate,
        "risk_level": view.risk_level,
        "signals": [
            {"code": s["code"], "text": risk.describe(s), "evidence": s.get("evidence") or {}}
            for s in view.risk_signals or []
        ],
        "user_agent": view.user_agent,
        "address": view.address,
    }


def _iso(moment) -> str | None:
    return None if moment is None else moment.replace(tzinfo=UTC).isoformat()
