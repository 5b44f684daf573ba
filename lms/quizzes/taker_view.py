"""What the taker sees of an attempt: no correctness data until the quiz reveals it."""

from datetime import datetime

from lms.core.timeutil import utcnow
from lms.quizzes.attempts import question_key
from lms.quizzes.models import (
    QuizAttempt,
    RevealRule,
)


def may_review(attempt: QuizAttempt, now: datetime | None = None) -> bool:
    """Whether the correct answers and explanations of a graded attempt may be shown."""
    if attempt.is_open:
        return False
    reveal = attempt.quiz.reveal
    if reveal == RevealRule.AFTER_ATTEMPT.value:
        return True
    if reveal == RevealRule.AFTER_CLOSE.value:
        closes_at = attempt.quiz.closes_at
        return closes_at is not None and (now or utcnow()) >= closes_at
    return False


def attempt_view(attempt: QuizAttempt, now: datetime | None = None) -> dict:
    """The attempt as its taker may see it: no correctness data until it is graded and the
    quiz reveals answers."""
    now = now or utcnow()
    review = may_review(attempt, now)
    questions = []
    for item in attempt.items:
        question = item.question
        options = {option.id: option for option in question.options}
        entry = {
            "id": question.id,
            "position": item.position + 1,
            "kind": question.kind,
            "text": question.text,
            "points": item.points,
            "options": [
                {"id": oid, "text": options[oid].text}
                for oid in item.option_order
                if oid in options
            ],
            "answer": item.answer,
        }
        if review:
            key = question_key(question, item.points)
            correct = key.correct_option_ids
            entry.update(
                awarded_points=item.awarded_points,
                correct_option_ids=[oid for oid in item.option_order if oid in correct],
                accepted_answers=list(key.accepted_answers),
                explanation=question.explanation,
            )
        questions.append(entry)
    body = {
        "id": attempt.id,
        "quiz": {"id": attempt.quiz.id, "title": attempt.quiz.title},
        "number": attempt.number,
        "status": attempt.status,
        "started_at": iso_utc(attempt.started_at),
        "deadline_at": iso_utc(attempt.deadline_at),
        "remaining_seconds": (
            max(0, int((attempt.deadline_at - now).total_seconds()))
            if attempt.deadline_at and attempt.is_open
            else None
        ),
        "max_score": attempt.max_score,
        "questions": questions,
        "review": review,
    }
    if not attempt.is_open:
        body.update(
            submitted_at=iso_utc(attempt.submitted_at),
            is_expired=attempt.is_expired,
            score=attempt.score,
            percent=attempt.percent,
            passed=attempt.is_passed,
        )
    return body


def iso_utc(value: datetime | None) -> str | None:
    return value.isoformat() + "Z" if value else None
