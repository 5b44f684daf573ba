"""``/api/v1/courses/<id>/evaluation``: a cadre evaluates a completed course (once); its
instructors and supervisors read the respondents and the averages per question."""

from flask import Blueprint, jsonify, request
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from lms.accounts.models import Role
from lms.core.access import protect_cookie_writes
from lms.core.errors import api_error
from lms.core.openapi import ERROR, NULLABLE_NUMBER, array, documented, obj
from lms.courses.access import can_see_course
from lms.courses.models import Course
from lms.evaluation import answering
from lms.evaluation.access import can_see_results
from lms.evaluation.errors import EvaluationError
from lms.evaluation.questionnaires import current_questionnaire
from lms.evaluation.results import course_results
from lms.extensions import db

bp = Blueprint("evaluation_api", __name__, url_prefix="/api/v1")
bp.before_request(protect_cookie_writes())

RESULTS = obj(
    ["course_id", "respondents", "threshold", "questions"],
    course_id={"type": "integer"},
    respondents={"type": "integer"},
    threshold={"type": "integer"},
    questions=array(
        obj(
            ["id", "version", "kind", "text", "respondents", "average"],
            id={"type": "integer"},
            version={"type": "integer"},
            kind={"type": "string"},
            text={"type": "string"},
            respondents={"type": "integer"},
            average=NULLABLE_NUMBER,
        )
    ),
)
ANSWERS = obj(
    ["answers"],
    answers={
        "type": "object",
        "additionalProperties": {"oneOf": [{"type": "integer"}, {"type": "string"}]},
    },
    version={"type": "integer"},
)
SUBMITTED = obj(
    ["course_id", "version"], course_id={"type": "integer"}, version={"type": "integer"}
)


def _course(course_id: int, allowed):
    course = db.session.get(Course, course_id)
    if course is None or not allowed(current_user, course):
        return None
    return course


def _not_found():
    return api_error(404, "not_found", _("The course was not found."))


@bp.route("/courses/<int:course_id>/evaluation", methods=["POST"])
@documented(responses={201: SUBMITTED, 400: ERROR, 403: ERROR, 409: ERROR}, body=ANSWERS)
@login_required
def submit(course_id: int):
    """Evaluate a completed course, once: ``{"answers": {"<question id>": 1..5 or "text"}}``
    with the ids of the current questionnaire (``version`` optional, checked when sent)."""
    if not current_user.has_role(Role.CADRE):
        return api_error(403, "forbidden", _("Only cadres evaluate courses."))
    course = _course(course_id, can_see_course)
    if course is None:
        return _not_found()
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("answers"), dict):
        return api_error(400, "bad_request", _('Send {"answers": {...}} as JSON.'))
    questionnaire = current_questionnaire()
    version = body.get("version")
    try:
        if version is not None and version != questionnaire.version:
            raise EvaluationError(
                _("The questionnaire has changed since you opened it. Please answer it again."),
                status=409,
                code="conflict",
            )
        answering.check_not_evaluated(current_user, course)
        answers, errors = answering.read_answers(questionnaire, body["answers"])
        if errors:
            raise EvaluationError(
                " ".join(f"{question_id}: {message}" for question_id, message in errors.items())
            )
        answering.submit_evaluation(current_user, course, questionnaire, answers)
    except EvaluationError as exc:
        return api_error(exc.status, exc.code, exc.message)
    return jsonify({"course_id": course.id, "version": questionnaire.version}), 201


@bp.route("/courses/<int:course_id>/evaluation")
@documented(responses={200: RESULTS, 403: ERROR})
@login_required
def results(course_id: int):
    """Respondents and the average per rated question; averages are null while a
    questionnaire version has fewer respondents than the threshold."""
    if not current_user.has_role(Role.ADMIN, Role.SUPERVISOR, Role.INSTRUCTOR):
        return api_error(403, "forbidden", _("You do not have permission to see this page."))
    course = _course(course_id, can_see_results)
    if course is None:
        return _not_found()
    found = course_results(course)
    locale = str(get_locale())
    questions = [
        {
            "id": item.question.id,
            "version": version.questionnaire.version,
            "kind": item.question.kind,
            "text": item.question.text(locale),
            "respondents": version.respondents,
            "average": round(item.average, 2)
            if version.is_shown and item.average is not None
            else None,
        }
        for version in found.versions
        for item in version.questions
        if item.question.is_rating
    ]
    return jsonify(
        {
            "course_id": course.id,
            "respondents": found.respondents,
            "threshold": found.threshold,
            "questions": questions,
        }
    )
