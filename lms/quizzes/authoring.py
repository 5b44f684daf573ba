"""Writing a quiz: its settings, fixed questions and random draw rules."""

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _

from lms.banks.models import Bank, Question
from lms.courses.models import Course
from lms.extensions import db
from lms.quizzes.drawing import draw_candidates
from lms.quizzes.errors import QuizError
from lms.quizzes.labels import COUNTING_LABELS, REVEAL_LABELS
from lms.quizzes.models import (
    CountingRule,
    DrawRule,
    Quiz,
    QuizQuestion,
    RevealRule,
)

MAX_DRAW = 200


@dataclass
class QuizSettings:
    title: str
    description: str = ""
    is_published: bool = False
    shuffle_questions: bool = True
    shuffle_options: bool = True
    time_limit_minutes: int | None = None
    opens_at: datetime | None = None  # UTC
    closes_at: datetime | None = None  # UTC
    max_attempts: int | None = None
    counting_rule: str = CountingRule.HIGHEST.value
    pass_percent: float = 60.0
    reveal: str = RevealRule.AFTER_ATTEMPT.value
    requires_lessons_completed: bool = False
    is_required_for_completion: bool = False


def _check_settings(settings: QuizSettings, course: Course | None) -> None:
    if not (settings.title or "").strip():
        raise QuizError(_("A quiz needs a title."), 400)
    if settings.opens_at and settings.closes_at and settings.closes_at <= settings.opens_at:
        raise QuizError(_("The closing time must be after the opening time."), 400)
    if settings.counting_rule not in COUNTING_LABELS or settings.reveal not in REVEAL_LABELS:
        raise QuizError(_("Choose a counting rule and when answers are revealed."), 400)
    if not 0 <= settings.pass_percent <= 100:
        raise QuizError(_("The pass mark is a percentage between 0 and 100."), 400)
    needs_course = settings.requires_lessons_completed or settings.is_required_for_completion
    if course is None and needs_course:
        raise QuizError(_("Only a course test can depend on or complete a course."), 400)


def save_quiz(quiz: Quiz | None, settings: QuizSettings, course: Course | None, user) -> Quiz:
    """Create (``quiz`` None) or change a quiz's settings."""
    _check_settings(settings, course if quiz is None else quiz.course)
    if quiz is None:
        quiz = Quiz(course=course, is_exam=course is None, created_by_id=user.id)
        db.session.add(quiz)
    for name, value in vars(settings).items():
        setattr(quiz, name, value.strip() if isinstance(value, str) else value)
    db.session.flush()
    return quiz


def delete_quiz(quiz: Quiz) -> None:
    """Delete a quiz with its attempts and results."""
    db.session.delete(quiz)
    db.session.flush()


def add_fixed_questions(quiz: Quiz, questions: list[Question]) -> int:
    """Append questions to the fixed list (those already there are skipped); returns how many."""
    present = {item.question_id for item in quiz.fixed_questions}
    position = max((item.position for item in quiz.fixed_questions), default=-1)
    added = 0
    for question in questions:
        if question.id in present or question.is_retired:
            continue
        position += 1
        quiz.fixed_questions.append(QuizQuestion(question_id=question.id, position=position))
        present.add(question.id)
        added += 1
    db.session.flush()
    return added


def remove_fixed_question(quiz: Quiz, item_id: int) -> None:
    """Take a question off the fixed list (attempts already started keep it)."""
    _remove_from(quiz.fixed_questions, item_id, _("That question is not in the quiz."))


def _remove_from(parts: list, part_id: int, missing: str) -> None:
    for part in parts:
        if part.id == part_id:
            parts.remove(part)
            db.session.flush()
            return
    raise QuizError(missing, 404)


def add_draw_rule(quiz: Quiz, bank: Bank, count: int, tag: str | None, difficulty: int | None):
    """Draw ``count`` questions from ``bank`` per attempt, optionally of a tag and difficulty."""
    if not 1 <= count <= MAX_DRAW:
        raise QuizError(_("Draw between 1 and %(max)d questions.", max=MAX_DRAW), 400)
    if difficulty is not None and difficulty not in (1, 2, 3):
        raise QuizError(_("The difficulty is 1, 2 or 3."), 400)
    tag = (tag or "").strip()[:50] or None
    available = len(draw_candidates(bank.id, tag, difficulty))
    if available < count:
        raise QuizError(
            _(
                "The bank has only %(available)d matching questions; %(count)d were asked for.",
                available=available,
                count=count,
            ),
            400,
        )
    position = max((rule.position for rule in quiz.draw_rules), default=-1) + 1
    rule = DrawRule(bank_id=bank.id, count=count, tag=tag, difficulty=difficulty, position=position)
    quiz.draw_rules.append(rule)
    db.session.flush()
    return rule


def remove_draw_rule(quiz: Quiz, rule_id: int) -> None:
    """Remove a random draw rule."""
    _remove_from(quiz.draw_rules, rule_id, _("That draw rule is not in the quiz."))


def question_count(quiz: Quiz) -> int:
    """How many questions each attempt gets."""
    fixed = sum(1 for item in quiz.fixed_questions if not item.question.is_retired)
    return fixed + sum(rule.count for rule in quiz.draw_rules)
