"""Taking a quiz: starting or resuming an attempt, saving answers, submitting and grading."""

import random
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select

from lms.accounts.models import User
from lms.banks.editing import answer_key
from lms.banks.models import Question, QuestionKind
from lms.core.database import will_write
from lms.core.timeutil import utcnow
from lms.courses.models import Lesson
from lms.extensions import db
from lms.quizzes import grading
from lms.quizzes.authoring import question_count
from lms.quizzes.drawing import draw_questions, option_order
from lms.quizzes.errors import QuizError
from lms.quizzes.filing import result_year, update_result
from lms.quizzes.models import (
    AttemptQuestion,
    AttemptStatus,
    Quiz,
    QuizAttempt,
)
from lms.tracking.models import LessonProgress

MAX_BLANK_LENGTH = 500


def grace() -> timedelta:
    return timedelta(seconds=float(current_app.config.get("QUIZ_GRACE_SECONDS", 10.0)))


def is_past_deadline(attempt: QuizAttempt, now: datetime) -> bool:
    """Past the deadline plus the grace for network latency."""
    return attempt.deadline_at is not None and now > attempt.deadline_at + grace()


def _lock_user(user_id: int) -> None:
    # Serializes one user's starts and answers (PostgreSQL; SQLite writers queue anyway).
    db.session.execute(select(User.id).where(User.id == user_id).with_for_update())


def attempts_of(user_id: int, quiz_id: int) -> list[QuizAttempt]:
    return list(
        db.session.scalars(
            select(QuizAttempt)
            .where(QuizAttempt.user_id == user_id, QuizAttempt.quiz_id == quiz_id)
            .order_by(QuizAttempt.number)
        )
    )


def lessons_completed(user_id: int, course_id: int) -> bool:
    total = db.session.scalar(select(func.count(Lesson.id)).where(Lesson.course_id == course_id))
    done = db.session.scalar(
        select(func.count(LessonProgress.id))
        .join(Lesson, Lesson.id == LessonProgress.lesson_id)
        .where(
            Lesson.course_id == course_id,
            LessonProgress.user_id == user_id,
            LessonProgress.completed_at.is_not(None),
        )
    )
    return done >= total


def start_blocker(user, quiz: Quiz, attempts: list[QuizAttempt], now: datetime) -> str | None:
    """Why ``user`` may not start a new attempt now, or None."""
    if quiz.opens_at and now < quiz.opens_at:
        return _("The quiz is not open yet.")
    if quiz.closes_at and now >= quiz.closes_at:
        return _("The quiz is closed.")
    if quiz.max_attempts and len(attempts) >= quiz.max_attempts:
        return _("You have used all the attempts allowed (%(count)d).", count=quiz.max_attempts)
    if (
        quiz.requires_lessons_completed
        and quiz.course_id is not None
        and not lessons_completed(user.id, quiz.course_id)
    ):
        return _("Complete every lesson of the course before taking its test.")
    if question_count(quiz) == 0:
        return _("The quiz has no questions yet.")
    return None


def start_or_resume(user, quiz: Quiz, now: datetime | None = None) -> tuple[QuizAttempt, bool]:
    """The user's open attempt of ``quiz``, or a new one; returns (attempt, created)."""
    now = now or utcnow()
    _lock_user(user.id)
    attempts = attempts_of(user.id, quiz.id)
    for attempt in attempts:
        if attempt.is_open:
            if not is_past_deadline(attempt, now):
                return attempt, False
            grade_attempt(attempt, now, expired=True)
    blocker = start_blocker(user, quiz, attempts, now)
    if blocker:
        raise QuizError(blocker, 409)
    rng = random.SystemRandom()
    questions = draw_questions(quiz, rng)
    if not questions:
        raise QuizError(_("The quiz has no questions yet."), 409)
    deadline = None
    if quiz.time_limit_minutes:
        deadline = now + timedelta(minutes=quiz.time_limit_minutes)
    if quiz.closes_at:
        deadline = min(deadline, quiz.closes_at) if deadline else quiz.closes_at
    attempt = QuizAttempt(
        quiz_id=quiz.id,
        user_id=user.id,
        number=len(attempts) + 1,
        started_at=now,
        deadline_at=deadline,
        max_score=grading.total_points(q.points for q in questions),
    )
    for position, question in enumerate(questions):
        attempt.items.append(
            AttemptQuestion(
                question_id=question.id,
                position=position,
                option_order=option_order(question, quiz.shuffle_options, rng),
                points=question.points,
            )
        )
    db.session.add(attempt)
    db.session.flush()
    return attempt, True


def close_if_expired(attempt: QuizAttempt, now: datetime | None = None) -> bool:
    """Grade an open attempt whose deadline (plus grace) has passed; True when it did."""
    now = now or utcnow()
    if attempt.is_open and is_past_deadline(attempt, now):
        grade_attempt(attempt, now, expired=True)
        return True
    return False


def _item(attempt: QuizAttempt, question_id: int) -> AttemptQuestion:
    for item in attempt.items:
        if item.question_id == question_id:
            return item
    raise QuizError(_("That question is not part of this attempt."), 404)


def clean_answer(item: AttemptQuestion, raw):
    """The answer to store for ``item`` from what the client sent (None clears it)."""
    kind = item.question.kind
    if raw is None or raw == [] or raw == "":
        return None
    if kind == QuestionKind.FILL_BLANK.value:
        text = raw.get("text") if isinstance(raw, dict) else raw
        if not isinstance(text, str):
            raise QuizError(_("A fill-in answer is text."), 400)
        if len(text) > MAX_BLANK_LENGTH:
            raise QuizError(
                _("An answer can have at most %(count)d characters.", count=MAX_BLANK_LENGTH), 400
            )
        return {"text": text} if text.strip() else None
    if isinstance(raw, int) and not isinstance(raw, bool):
        raw = [raw]
    if not isinstance(raw, list) or not all(
        isinstance(v, int) and not isinstance(v, bool) for v in raw
    ):
        raise QuizError(_("A choice answer is a list of option ids."), 400)
    chosen = sorted(set(raw))
    if not set(chosen) <= set(item.option_order):
        raise QuizError(_("That option does not belong to the question."), 400)
    if kind != QuestionKind.MULTIPLE.value and len(chosen) > 1:
        raise QuizError(_("Choose one option only."), 400)
    return chosen


def save_answer(attempt: QuizAttempt, question_id: int, raw, now: datetime | None = None):
    """Save one answer of an open attempt; refused after the deadline (the attempt is closed)."""
    now = now or utcnow()
    _lock_user(attempt.user_id)
    db.session.refresh(attempt)
    item = _item(attempt, question_id)
    if close_if_expired(attempt, now):
        raise QuizError(_("Time is up: the attempt was closed and graded with the saved answers."))
    if not attempt.is_open:
        raise QuizError(_("The attempt is already closed."))
    item.answer = clean_answer(item, raw)
    item.answered_at = now
    db.session.flush()
    return item


def submit_attempt(attempt: QuizAttempt, now: datetime | None = None) -> QuizAttempt:
    """Close and grade an open attempt; a closed one is refused and keeps its grade."""
    now = now or utcnow()
    _lock_user(attempt.user_id)
    db.session.refresh(attempt)
    if close_if_expired(attempt, now):
        raise QuizError(_("Time is up: the attempt was closed and graded with the saved answers."))
    if not attempt.is_open:
        raise QuizError(_("The attempt is already closed."))
    grade_attempt(attempt, now, expired=False)
    return attempt


def question_key(question: Question, points: float) -> grading.Key:
    """The key grading scores ``question`` by, worth ``points`` (the attempt's own)."""
    return grading.Key(points=points, **answer_key(question))


def grade_attempt(attempt: QuizAttempt, now: datetime, expired: bool) -> None:
    """Score every answer, close the attempt and update the user's result for the year."""
    total = 0.0
    for item in attempt.items:
        item.awarded_points = grading.score_question(
            question_key(item.question, item.points), item.answer
        )
        total += item.awarded_points
    attempt.score = round(total, 4)
    attempt.percent = grading.percent_of(attempt.score, attempt.max_score)
    attempt.is_passed = grading.is_pass(attempt.percent, attempt.quiz.pass_percent)
    attempt.status = AttemptStatus.GRADED.value
    attempt.is_expired = expired
    # An expired attempt closes at its deadline, not when someone noticed.
    attempt.submitted_at = min(now, attempt.deadline_at) if expired and attempt.deadline_at else now
    db.session.flush()
    update_result(attempt.user_id, attempt.quiz, result_year(attempt.submitted_at))


def expired_open_attempt_ids(now: datetime) -> list[int]:
    """The open attempts past their deadline plus the grace."""
    return list(
        db.session.scalars(
            select(QuizAttempt.id).where(
                QuizAttempt.status == AttemptStatus.OPEN.value,
                QuizAttempt.deadline_at < now - grace(),
            )
        )
    )


def close_expired(attempt_id: int, now: datetime) -> bool:
    """Grade one attempt with its saved answers if it is still open past its deadline (read
    again under its taker's lock); True when it did."""
    attempt = db.session.get(QuizAttempt, attempt_id)
    _lock_user(attempt.user_id)
    db.session.refresh(attempt)
    return close_if_expired(attempt, now)


def close_expired_on_read(attempts, now=None) -> bool:
    """Grade the open attempts past their deadline while a GET request reads them.

    A GET reads in a deferred SQLite transaction, which must not turn into a write: start
    over in a writing one (lms.core.database.will_write); the request's unit of work keeps
    the grades. True when any closed.
    """
    now = now or utcnow()
    ids = [a.id for a in attempts if a.is_open and is_past_deadline(a, now)]
    if not ids:
        return False
    db.session.rollback()
    will_write()
    for attempt_id in ids:
        close_if_expired(db.session.get(QuizAttempt, attempt_id), now)
    return True
