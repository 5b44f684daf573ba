"""The quiz pages' blueprint: the quiz list, what course pages show of quizzes, and the
loading of a quiz or attempt with its access check. The pages themselves are in
``authoring_views`` (settings), ``taking_views`` (attempts) and ``result_views`` (results),
which register on this blueprint."""

from flask import Blueprint, abort, render_template, request
from flask_login import current_user, login_required
from sqlalchemy import select

from lms.accounts.models import Role
from lms.banks.editing import register_usage_source
from lms.extensions import db
from lms.quizzes.access import (
    can_manage_quiz,
    can_take_quiz,
    course_quizzes,
    manageable_quizzes_query,
)
from lms.quizzes.assignments import assigned_quiz_ids
from lms.quizzes.attempts import attempts_of
from lms.quizzes.bank_usage import usage_of
from lms.quizzes.filing import best_results
from lms.quizzes.labels import COUNTING_LABELS, KIND_LABELS, REVEAL_LABELS
from lms.quizzes.models import Quiz, QuizAttempt, QuizResult

bp = Blueprint("quizzes", __name__, url_prefix="/quizzes")
# What quizzes make of bank questions: banks (a floor below) ask before deleting them.
bp.record_once(lambda state: register_usage_source(state.app, usage_of))


@bp.app_template_global()
def course_quiz_rows(course) -> list[dict]:
    """For the course page: the course's quizzes the user may take, with their state."""
    quizzes = course_quizzes(course.id, current_user)
    results = best_results(current_user.id, [q.id for q in quizzes])
    rows = []
    for quiz in quizzes:
        attempts = attempts_of(current_user.id, quiz.id)
        rows.append(
            {
                "quiz": quiz,
                "result": results.get(quiz.id),
                "open_attempt": next((a for a in attempts if a.is_open), None),
                "can_manage": can_manage_quiz(current_user, quiz),
            }
        )
    return rows


@bp.app_context_processor
def _labels():
    return {
        "quiz_counting_labels": COUNTING_LABELS,
        "quiz_reveal_labels": REVEAL_LABELS,
        "question_kind_labels": KIND_LABELS,
    }


# --- loading with access checks ----------------------------------------------------------


def managed_quiz(quiz_id: int) -> Quiz:
    quiz = db.session.get(Quiz, quiz_id)
    if not can_manage_quiz(current_user, quiz):
        abort(404)
    return quiz


def takeable_quiz(quiz_id: int) -> Quiz:
    quiz = db.session.get(Quiz, quiz_id)
    if not can_take_quiz(current_user, quiz):
        abort(404)
    return quiz


def own_attempt(attempt_id: int) -> QuizAttempt:
    attempt = db.session.get(QuizAttempt, attempt_id)
    if attempt is None or attempt.user_id != current_user.id:
        abort(404)
    return attempt


# --- lists -------------------------------------------------------------------------------


@bp.route("/")
@login_required
def index():
    """The exams assigned to the caller, their results, and the quizzes they manage."""
    assigned_ids = assigned_quiz_ids(current_user)
    assigned = []
    if assigned_ids:
        assigned = db.session.scalars(
            select(Quiz)
            .where(Quiz.id.in_(assigned_ids), Quiz.is_published.is_(True))
            .order_by(Quiz.closes_at, Quiz.id)
        ).all()
    results = db.session.scalars(
        select(QuizResult)
        .where(QuizResult.user_id == current_user.id)
        .order_by(QuizResult.year.desc(), QuizResult.updated_at.desc())
        .limit(50)
    ).all()
    managed = None
    if current_user.has_role(Role.ADMIN, Role.INSTRUCTOR):
        managed = db.paginate(
            manageable_quizzes_query(current_user),
            page=request.args.get("page", 1, type=int) or 1,
            error_out=False,
        )
    return render_template(
        "quizzes/index.html",
        assigned=assigned,
        results=results,
        managed=managed,
    )
