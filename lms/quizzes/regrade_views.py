"""Regrading a question from its bank page: the route sits on the banks blueprint (its
pages link to ``banks.regrade_question``) but lives here, a floor above banks, since it
reads and rescores quiz attempts (docs/architecture.md)."""

from flask import current_app, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lms.banks.views import EDITORS, bp, question_or_404
from lms.core.access import role_required
from lms.core.timeutil import utcnow
from lms.quizzes import regrading
from lms.quizzes.views import bp as quizzes_bp


@quizzes_bp.app_template_global()
def question_regrade_status(question) -> regrading.RegradeStatus:
    """For a bank's question page: the graded attempts that asked the question, and how many
    its current key would score differently."""
    return regrading.regrade_status(question)


@bp.route("/<int:bank_id>/questions/<int:question_id>/regrade", methods=["POST"])
@role_required(*EDITORS)
def regrade_question(bank_id: int, question_id: int):
    """Score the question again, by its current key, in every graded attempt that asked it."""
    bank, question = question_or_404(bank_id, question_id)
    outcome = regrading.regrade_question(question)
    # The audit of a regrade: who and when, in the application log (quizzes keep no audit table).
    current_app.logger.info(
        "question %s regraded by user %s (%s) at %s: %s attempts, %s scores changed, "
        "%s results updated",
        question.id,
        current_user.id,
        current_user.username,
        utcnow().isoformat(),
        outcome.attempts,
        outcome.changed,
        outcome.results,
    )
    flash(
        _(
            "Regraded %(count)d attempts with the current key: %(changed)d scores changed and "
            "%(results)d cadres' results were updated.",
            count=outcome.attempts,
            changed=outcome.changed,
            results=outcome.results,
        ),
        "success",
    )
    return redirect(url_for("banks.edit_question", bank_id=bank.id, question_id=question.id))
