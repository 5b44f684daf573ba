"""``GET /api/v1/me/classes``: the caller's places in classes, with the sessions."""

from datetime import datetime

from flask import Blueprint, jsonify
from flask_login import current_user, login_required

from lms.classes import seats
from lms.classes.models import ClassMember
from lms.core.access import protect_cookie_writes
from lms.core.openapi import NULLABLE_INT, NULLABLE_STRING, array, documented, obj
from lms.core.timeutil import local_zone

bp = Blueprint("classes_api", __name__, url_prefix="/api/v1")
bp.before_request(protect_cookie_writes())

SESSION = obj(
    ["id", "start", "end", "room", "teacher", "topic"],
    id={"type": "integer"},
    start={"type": "string", "format": "date-time"},
    end={"type": "string", "format": "date-time"},
    room={"type": "string"},
    teacher={"type": "string"},
    topic={"type": "string"},
)
CLASSES = obj(
    ["classes"],
    classes=array(
        obj(
            ["id", "title", "type", "status", "waiting_position", "venue", "sessions"],
            id={"type": "integer"},
            title={"type": "string"},
            type={"type": "string"},
            status={"type": "string"},
            waiting_position=NULLABLE_INT,
            venue={"type": "string"},
            institution={"type": "string"},
            organizer=NULLABLE_STRING,
            enrol_closes_on={"type": "string", "format": "date"},
            cancel_until={"type": "string", "format": "date"},
            sessions=array(SESSION),
        )
    ),
)


def _moment(day, at) -> str:
    """A session's local day and time as an ISO moment with the site's offset."""
    return datetime.combine(day, at, tzinfo=local_zone()).isoformat()


def place_json(member: ClassMember) -> dict:
    training_class = member.training_class
    return {
        "id": training_class.id,
        "title": training_class.title,
        "type": training_class.class_type,
        "status": member.status,
        "waiting_position": seats.waiting_position(member),
        "venue": training_class.venue,
        "institution": training_class.institution,
        "organizer": training_class.organizer_unit.name if training_class.organizer_unit else None,
        "enrol_closes_on": training_class.enrol_closes_on.isoformat(),
        "cancel_until": training_class.cancel_until.isoformat(),
        "sessions": [
            {
                "id": s.id,
                "start": _moment(s.day, s.starts_at),
                "end": _moment(s.day, s.ends_at),
                "room": s.room,
                "teacher": s.teacher,
                "topic": s.topic,
            }
            for s in training_class.sessions
        ],
    }


@bp.route("/me/classes")
@documented(responses={200: CLASSES})
@login_required
def my_classes():
    """The caller's places in classes (signed up, waiting with position, nominated, confirmed,
    and ended ones: refused, declined, cancelled) with each class's sessions."""
    return jsonify({"classes": [place_json(m) for m in seats.my_places(current_user)]})
