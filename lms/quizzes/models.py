"""Quizzes and exams, their questions drawn per attempt, attempts, answers and results."""

import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.core.timeutil import utcnow
from lms.extensions import db


class CountingRule(enum.StrEnum):
    HIGHEST = "highest"  # the best attempt counts
    LAST = "last"  # the latest graded attempt counts
    AVERAGE = "average"  # the mean of every graded attempt


class RevealRule(enum.StrEnum):
    NEVER = "never"
    AFTER_ATTEMPT = "after_attempt"  # as soon as each attempt is graded
    AFTER_CLOSE = "after_close"  # once the quiz's closing time has passed


class AttemptStatus(enum.StrEnum):
    OPEN = "open"
    GRADED = "graded"


class Quiz(db.Model):
    """An end-of-course test (course_id set) or a standalone exam (is_exam, no course)."""

    __tablename__ = "quiz"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    course_id: Mapped[int | None] = mapped_column(
        ForeignKey("course.id", ondelete="CASCADE"), index=True
    )
    is_exam: Mapped[bool] = mapped_column(default=False)  # standalone, assigned by the plan
    is_published: Mapped[bool] = mapped_column(default=False)
    shuffle_questions: Mapped[bool] = mapped_column(default=True)
    shuffle_options: Mapped[bool] = mapped_column(default=True)
    time_limit_minutes: Mapped[int | None] = mapped_column()
    opens_at: Mapped[datetime | None] = mapped_column()  # UTC
    closes_at: Mapped[datetime | None] = mapped_column()  # UTC
    max_attempts: Mapped[int | None] = mapped_column()  # None: unlimited
    counting_rule: Mapped[str] = mapped_column(String(20), default=CountingRule.HIGHEST.value)
    pass_percent: Mapped[float] = mapped_column(default=60.0)
    reveal: Mapped[str] = mapped_column(String(20), default=RevealRule.AFTER_ATTEMPT.value)
    requires_lessons_completed: Mapped[bool] = mapped_column(default=False)
    # A passed test completes its course when this is set (the course test is required).
    is_required_for_completion: Mapped[bool] = mapped_column(default=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    course = relationship("Course")
    created_by = relationship("User")
    fixed_questions = relationship(
        "QuizQuestion",
        order_by="QuizQuestion.position",
        cascade="all, delete-orphan",
        back_populates="quiz",
    )
    draw_rules = relationship(
        "DrawRule",
        order_by="DrawRule.position",
        cascade="all, delete-orphan",
        back_populates="quiz",
    )


class QuizQuestion(db.Model):
    """A question every attempt of the quiz gets (the fixed list)."""

    __tablename__ = "quiz_question"
    __table_args__ = (UniqueConstraint("quiz_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    quiz_id: Mapped[int] = mapped_column(ForeignKey("quiz.id", ondelete="CASCADE"), index=True)
    question_id: Mapped[int] = mapped_column(
        ForeignKey("question.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)

    quiz = relationship("Quiz", back_populates="fixed_questions")
    question = relationship("Question")


class DrawRule(db.Model):
    """Draw ``count`` random questions from a bank, optionally of one tag and difficulty."""

    __tablename__ = "quiz_draw_rule"

    id: Mapped[int] = mapped_column(primary_key=True)
    quiz_id: Mapped[int] = mapped_column(ForeignKey("quiz.id", ondelete="CASCADE"), index=True)
    bank_id: Mapped[int] = mapped_column(
        ForeignKey("question_bank.id", ondelete="CASCADE"), index=True
    )
    count: Mapped[int] = mapped_column(default=1)
    tag: Mapped[str | None] = mapped_column(String(50))
    difficulty: Mapped[int | None] = mapped_column()
    position: Mapped[int] = mapped_column(default=0)

    quiz = relationship("Quiz", back_populates="draw_rules")
    bank = relationship("Bank")


class QuizAttempt(db.Model):
    """One sitting; its questions and option order are fixed on its rows when it starts."""

    __tablename__ = "quiz_attempt"
    __table_args__ = (Index("ix_quiz_attempt_quiz_user", "quiz_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    quiz_id: Mapped[int] = mapped_column(ForeignKey("quiz.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(default=1)  # 1 for the user's first attempt
    status: Mapped[str] = mapped_column(String(20), default=AttemptStatus.OPEN.value, index=True)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    deadline_at: Mapped[datetime | None] = mapped_column()  # UTC; None without a time limit
    submitted_at: Mapped[datetime | None] = mapped_column()  # when it was closed
    is_expired: Mapped[bool] = mapped_column(default=False)  # closed by the deadline
    score: Mapped[float | None] = mapped_column()  # points awarded
    max_score: Mapped[float] = mapped_column(default=0.0)
    percent: Mapped[float | None] = mapped_column()
    is_passed: Mapped[bool | None] = mapped_column()

    quiz = relationship("Quiz")
    user = relationship("User")
    items = relationship(
        "AttemptQuestion",
        order_by="AttemptQuestion.position",
        cascade="all, delete-orphan",
        back_populates="attempt",
    )

    @property
    def is_open(self) -> bool:
        return self.status == AttemptStatus.OPEN.value


class AttemptQuestion(db.Model):
    """A question as this attempt shows it: position, option order, points, and the answer."""

    __tablename__ = "quiz_attempt_question"
    __table_args__ = (UniqueConstraint("attempt_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(
        ForeignKey("quiz_attempt.id", ondelete="CASCADE"), index=True
    )
    question_id: Mapped[int] = mapped_column(ForeignKey("question.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(default=0)
    option_order: Mapped[list] = mapped_column(JSON, default=list)  # option ids as shown
    points: Mapped[float] = mapped_column(default=1.0)  # snapshot when the attempt started
    # The saved answer: a list of option ids (choice questions) or {"text": ...} (fill blank).
    answer: Mapped[dict | list | None] = mapped_column(JSON)
    answered_at: Mapped[datetime | None] = mapped_column()
    awarded_points: Mapped[float | None] = mapped_column()

    attempt = relationship("QuizAttempt", back_populates="items")
    question = relationship("Question")


class QuizResult(db.Model):
    """A cadre's result of a quiz in a training year, by the quiz's counting rule.

    The annual assessment weighs these rows (docs/domain.md: quiz results are part of the
    credit-system assessment); the year is the statistics year of the attempts, by the plan's
    cut-off like the hours (``lms.quizzes.filing.result_year``).
    """

    __tablename__ = "quiz_result"
    __table_args__ = (UniqueConstraint("user_id", "quiz_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    quiz_id: Mapped[int] = mapped_column(ForeignKey("quiz.id", ondelete="CASCADE"), index=True)
    year: Mapped[int] = mapped_column(index=True)
    percent: Mapped[float] = mapped_column(default=0.0)
    is_passed: Mapped[bool] = mapped_column(default=False)
    attempt_count: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    quiz = relationship("Quiz")
    user = relationship("User")
