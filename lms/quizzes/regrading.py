"""Regrading after a key was corrected: the attempts that asked a question, scored again."""

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from lms.banks.models import Question
from lms.extensions import db
from lms.quizzes import grading
from lms.quizzes.attempts import question_key
from lms.quizzes.filing import refile_results_of
from lms.quizzes.models import (
    AttemptQuestion,
    AttemptStatus,
    QuizAttempt,
)


def _graded_attempts_with(question_id: int):
    """A select of the graded attempts that asked the question."""
    asked = select(AttemptQuestion.attempt_id).where(AttemptQuestion.question_id == question_id)
    return select(QuizAttempt).where(
        QuizAttempt.status == AttemptStatus.GRADED.value, QuizAttempt.id.in_(asked)
    )


def _rescored(item: AttemptQuestion, question: Question) -> float:
    # The points stay those the attempt showed (its snapshot); only the key is the current one.
    return grading.score_question(question_key(question, item.points), item.answer)


def _graded_items_of(question: Question):
    return db.session.execute(
        select(AttemptQuestion.points, AttemptQuestion.answer, AttemptQuestion.awarded_points)
        .join(QuizAttempt, QuizAttempt.id == AttemptQuestion.attempt_id)
        .where(
            AttemptQuestion.question_id == question.id,
            QuizAttempt.status == AttemptStatus.GRADED.value,
        )
    )


@dataclass
class RegradeStatus:
    """Graded attempts that asked a question, and how many of them the current key would
    score differently than they were scored."""

    attempts: int = 0
    outdated: int = 0


def regrade_status(question: Question) -> RegradeStatus:
    """How many graded attempts asked ``question``, and how many are scored by another key."""
    status = RegradeStatus()
    for item in _graded_items_of(question):
        status.attempts += 1
        status.outdated += abs(_rescored(item, question) - (item.awarded_points or 0.0)) > 1e-9
    return status


@dataclass
class RegradeOutcome:
    attempts: int = 0  # graded attempts that asked the question
    changed: int = 0  # of them, those whose score changed
    results: int = 0  # cadres' results added, changed or removed


def regrade_question(question: Question) -> RegradeOutcome:
    """Score the question again in every graded attempt that asked it, by its current key
    (after an editor corrected a wrong key), and recompute those attempts' scores and the
    cadres' results; running it again changes nothing.

    Results feed the annual assessment (docs/domain.md), so a wrong key must not keep counting.
    """
    outcome = RegradeOutcome()
    attempts = db.session.scalars(
        _graded_attempts_with(question.id).options(
            selectinload(QuizAttempt.items), selectinload(QuizAttempt.quiz)
        )
    ).all()
    for attempt in attempts:
        outcome.attempts += 1
        for item in attempt.items:
            if item.question_id == question.id:
                item.awarded_points = _rescored(item, question)
        score = grading.total_points(item.awarded_points or 0.0 for item in attempt.items)
        if score == attempt.score:
            continue
        attempt.score = score
        attempt.percent = grading.percent_of(score, attempt.max_score)
        attempt.is_passed = grading.is_pass(attempt.percent, attempt.quiz.pass_percent)
        outcome.changed += 1
    db.session.flush()
    if outcome.changed:
        pairs = _graded_attempts_with(question.id).with_only_columns(
            QuizAttempt.user_id, QuizAttempt.quiz_id
        )
        outcome.results = refile_results_of(pairs)
    return outcome
