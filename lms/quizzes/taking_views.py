"""Taking a quiz: its rules, starting or resuming an attempt, answering and submitting."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from lms.core.inputs import parse_int
from lms.core.timeutil import utcnow
from lms.quizzes.access import can_manage_quiz
from lms.quizzes.attempts import (
    attempts_of,
    close_expired_on_read,
    save_answer,
    start_blocker,
    start_or_resume,
    submit_attempt,
)
from lms.quizzes.authoring import question_count
from lms.quizzes.errors import QuizError
from lms.quizzes.filing import best_results
from lms.quizzes.models import AttemptStatus
from lms.quizzes.taker_view import attempt_view
from lms.quizzes.views import bp, own_attempt, takeable_quiz


@bp.route("/<int:quiz_id>")
@login_required
def detail(quiz_id: int):
    """A quiz's rules, the caller's attempts and result, and the start or resume button."""
    quiz = takeable_quiz(quiz_id)
    attempts = attempts_of(current_user.id, quiz.id)
    now = utcnow()
    if close_expired_on_read([a for a in attempts if a.is_open], now):
        attempts = attempts_of(current_user.id, quiz.id)
    open_attempt = next((a for a in attempts if a.is_open), None)
    blocker = None if open_attempt else start_blocker(current_user, quiz, attempts, now)
    return render_template(
        "quizzes/detail.html",
        quiz=quiz,
        attempts=attempts,
        open_attempt=open_attempt,
        blocker=blocker,
        result=best_results(current_user.id, [quiz.id]).get(quiz.id),
        question_count=question_count(quiz),
        can_manage=can_manage_quiz(current_user, quiz),
    )


@bp.route("/<int:quiz_id>/start", methods=["POST"])
@login_required
def start(quiz_id: int):
    """Start a new attempt or resume the open one."""
    quiz = takeable_quiz(quiz_id)
    try:
        attempt, _created = start_or_resume(current_user, quiz)
    except QuizError as exc:
        flash(str(exc), "error")
        return redirect(url_for("quizzes.detail", quiz_id=quiz.id))
    return redirect(url_for("quizzes.attempt", attempt_id=attempt.id))


@bp.route("/attempts/<int:attempt_id>")
@login_required
def attempt(attempt_id: int):
    """Take an open attempt (answers save as they change), or see a graded one."""
    found = own_attempt(attempt_id)
    if close_expired_on_read([found]):
        found = own_attempt(attempt_id)
        flash(_("Time is up: the attempt was closed and graded with the saved answers."), "error")
    view = attempt_view(found)
    template = "quizzes/take.html" if found.is_open else "quizzes/result.html"
    return render_template(template, attempt=found, view=view, quiz=found.quiz)


def _form_answer(item, form):
    key = f"q{item.question_id}"
    if item.question.kind == "fill_blank":
        return {"text": form.get(key, "")}
    if item.question.kind == "multiple":
        return [n for v in form.getlist(key) if (n := parse_int(v)) is not None]
    value = parse_int(form.get(key, ""))
    return [value] if value is not None else None


@bp.route("/attempts/<int:attempt_id>", methods=["POST"])
@login_required
def save(attempt_id: int):
    """Without JavaScript: save every answer of the form, and submit when asked."""
    found = own_attempt(attempt_id)
    try:
        for item in list(found.items):
            save_answer(found, item.question_id, _form_answer(item, request.form))
        if request.form.get("action") == "submit":
            submit_attempt(found)
    except QuizError as exc:
        flash(str(exc), "error")
        return redirect(url_for("quizzes.attempt", attempt_id=found.id))
    if found.status == AttemptStatus.GRADED.value:
        flash(_("Your answers were submitted."), "success")
    else:
        flash(_("Your answers were saved."), "success")
    return redirect(url_for("quizzes.attempt", attempt_id=found.id))
