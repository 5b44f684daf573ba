"""The quiz JSON API for a mobile client: start or resume an attempt, save answers, submit."""

from flask import Blueprint, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from lms.core.access import protect_cookie_writes
from lms.core.errors import api_error
from lms.core.openapi import (
    ERROR,
    NULLABLE_INT,
    NULLABLE_NUMBER,
    NULLABLE_STRING,
    array,
    documented,
    obj,
)
from lms.core.unit_of_work import keep_on_refusal
from lms.extensions import db
from lms.quizzes import attempts as quiz_attempts
from lms.quizzes.access import can_take_quiz
from lms.quizzes.errors import QuizError
from lms.quizzes.models import Quiz, QuizAttempt
from lms.quizzes.taker_view import attempt_view, iso_utc

bp = Blueprint("quizzes_api", __name__, url_prefix="/api/v1")
bp.before_request(protect_cookie_writes())


QUESTION = obj(
    ["id", "position", "kind", "text", "points", "options", "answer"],
    id={"type": "integer"},
    position={"type": "integer"},
    kind={"type": "string"},
    text={"type": "string"},
    points={"type": "number"},
    options=array(obj(["id", "text"], id={"type": "integer"}, text={"type": "string"})),
    answer={},
    awarded_points=NULLABLE_NUMBER,
    correct_option_ids=array({"type": "integer"}),
    accepted_answers=array({"type": "string"}),
    explanation=NULLABLE_STRING,
)
ATTEMPT = obj(
    ["id", "quiz", "number", "status", "started_at", "deadline_at", "questions"],
    id={"type": "integer"},
    quiz=obj(["id", "title"], id={"type": "integer"}, title={"type": "string"}),
    number={"type": "integer"},
    status={"type": "string"},
    started_at=NULLABLE_STRING,
    deadline_at=NULLABLE_STRING,
    remaining_seconds=NULLABLE_INT,
    max_score=NULLABLE_NUMBER,
    questions=array(QUESTION),
)
ANSWER = obj(
    ["answer"],
    answer={
        "oneOf": [
            array({"type": "integer"}),
            obj(["text"], text={"type": "string"}),
            {"type": "null"},
        ]
    },
)
SAVED = obj(
    ["question_id", "answer", "saved_at"],
    question_id={"type": "integer"},
    answer={},
    saved_at=NULLABLE_STRING,
)


def _own_attempt(attempt_id: int) -> QuizAttempt | None:
    """The caller's attempt; another user's is as good as missing (404)."""
    return db.session.scalar(
        select(QuizAttempt).where(
            QuizAttempt.id == attempt_id, QuizAttempt.user_id == current_user.id
        )
    )


def _not_found():
    return api_error(404, "not_found", _("No such attempt."))


def _quiz_error(exc: QuizError):
    keep_on_refusal()  # keep what the rule itself closed (an expired attempt's grade)
    return api_error(exc.status, exc.code, exc.message)


@bp.route("/quizzes/<int:quiz_id>/attempts", methods=["POST"])
@documented(responses={200: ATTEMPT, 201: ATTEMPT, 409: ERROR})
@login_required
def start_attempt(quiz_id: int):
    """Start an attempt, or resume the open one: questions without answers, deadline."""
    quiz = db.session.get(Quiz, quiz_id)
    if not can_take_quiz(current_user, quiz):
        return api_error(404, "not_found", _("No such quiz."))
    try:
        attempt, created = quiz_attempts.start_or_resume(current_user, quiz)
    except QuizError as exc:
        return _quiz_error(exc)
    return jsonify(attempt_view(attempt)), 201 if created else 200


@bp.route("/attempts/<int:attempt_id>")
@documented(responses={200: ATTEMPT})
@login_required
def attempt(attempt_id: int):
    """Read an attempt back (closed first if its time is up)."""
    found = _own_attempt(attempt_id)
    if found is None:
        return _not_found()
    if quiz_attempts.close_expired_on_read([found]):
        found = _own_attempt(attempt_id)
    return jsonify(attempt_view(found))


@bp.route("/attempts/<int:attempt_id>/answers/<int:question_id>", methods=["PUT"])
@documented(responses={200: SAVED, 409: ERROR}, body=ANSWER)
@login_required
def save_answer(attempt_id: int, question_id: int):
    """Save one answer: ``{"answer": [option ids]}`` or ``{"answer": {"text": "..."}}``."""
    found = _own_attempt(attempt_id)
    if found is None:
        return _not_found()
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or "answer" not in body:
        return api_error(400, "bad_request", _('Send {"answer": ...} as JSON.'))
    try:
        item = quiz_attempts.save_answer(found, question_id, body["answer"])
    except QuizError as exc:
        return _quiz_error(exc)
    return jsonify(
        {
            "question_id": item.question_id,
            "answer": item.answer,
            "saved_at": iso_utc(item.answered_at),
        }
    )


@bp.route("/attempts/<int:attempt_id>/submit", methods=["POST"])
@documented(responses={200: ATTEMPT, 409: ERROR})
@login_required
def submit(attempt_id: int):
    """Submit and grade an open attempt; 409 on a closed one (its grade stays)."""
    found = _own_attempt(attempt_id)
    if found is None:
        return _not_found()
    try:
        quiz_attempts.submit_attempt(found)
    except QuizError as exc:
        return _quiz_error(exc)
    return jsonify(attempt_view(found))
