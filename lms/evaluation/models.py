"""Questionnaires (versioned), who has answered a course, and what was answered, kept apart.

Who answered (``EvaluationSubmission``: a user and a course, so each answers once) and what
was answered (``EvaluationResponse`` with its answers) share no key: a response's id is random
and it keeps no time, so nothing ties an answer to a person (README, Course evaluation).
"""

import enum
import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.core.timeutil import utcnow
from lms.extensions import db


class QuestionKind(enum.StrEnum):
    RATING = "rating"  # 1 to 5
    TEXT = "text"  # a free-text answer, optional


class Aspect(enum.StrEnum):
    """What a rated question asks about; the health score reads ``relevance``."""

    RELEVANCE = "relevance"
    CLARITY = "clarity"
    TEACHER = "teacher"
    OTHER = "other"


RATING_MIN, RATING_MAX = 1, 5


class Questionnaire(db.Model):
    """One version of the course questionnaire; editing makes the next version."""

    __tablename__ = "evaluation_questionnaire"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    created_by = relationship("User")
    questions = relationship(
        "EvaluationQuestion",
        back_populates="questionnaire",
        order_by="EvaluationQuestion.position",
        cascade="all, delete-orphan",
    )


class EvaluationQuestion(db.Model):
    __tablename__ = "evaluation_question"

    id: Mapped[int] = mapped_column(primary_key=True)
    questionnaire_id: Mapped[int] = mapped_column(
        ForeignKey("evaluation_questionnaire.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    kind: Mapped[str] = mapped_column(String(10), default=QuestionKind.RATING.value)
    aspect: Mapped[str] = mapped_column(String(20), default=Aspect.OTHER.value)
    text_zh: Mapped[str] = mapped_column(String(300), default="")
    text_en: Mapped[str] = mapped_column(String(300), default="")

    questionnaire = relationship("Questionnaire", back_populates="questions")

    @property
    def is_rating(self) -> bool:
        return self.kind == QuestionKind.RATING.value

    def text(self, locale) -> str:
        """The question in ``locale``, or in the other language when it has none there."""
        chinese = str(locale).startswith("zh")
        first, second = (self.text_zh, self.text_en) if chinese else (self.text_en, self.text_zh)
        return first or second


class EvaluationSubmission(db.Model):
    """That a user has evaluated a course (once), and when; never what they answered."""

    __tablename__ = "evaluation_submission"
    __table_args__ = (UniqueConstraint("user_id", "course_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"), index=True)
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)


def _random_id() -> str:
    return uuid.uuid4().hex


class EvaluationResponse(db.Model):
    """One anonymous set of answers to a course, in the questionnaire version it answered.

    The id is random (not a sequence that would follow the submissions' order) and only the
    statistics year is kept, not the time.
    """

    __tablename__ = "evaluation_response"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=_random_id)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"), index=True)
    questionnaire_id: Mapped[int] = mapped_column(
        ForeignKey("evaluation_questionnaire.id"), index=True
    )
    year: Mapped[int] = mapped_column()

    answers = relationship("EvaluationAnswer", cascade="all, delete-orphan")


class EvaluationAnswer(db.Model):
    """One answer of a response; keyed by response and question (no sequence to order by)."""

    __tablename__ = "evaluation_answer"

    response_id: Mapped[str] = mapped_column(
        ForeignKey("evaluation_response.id", ondelete="CASCADE"), primary_key=True
    )
    question_id: Mapped[int] = mapped_column(
        ForeignKey("evaluation_question.id"), primary_key=True, index=True
    )
    rating: Mapped[int | None] = mapped_column()
    text: Mapped[str | None] = mapped_column(Text)
