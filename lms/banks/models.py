"""Question banks, their questions and the options of choice questions."""

import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.core.timeutil import utcnow
from lms.extensions import db


class QuestionKind(enum.StrEnum):
    SINGLE = "single"  # one correct option
    MULTIPLE = "multiple"  # one or more correct options
    TRUE_FALSE = "true_false"  # two options, 对 / 错
    FILL_BLANK = "fill_blank"  # typed answer matched against accepted answers


class Bank(db.Model):
    """A bank belongs to a course, or is shared by content category (both may be empty)."""

    __tablename__ = "question_bank"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    course_id: Mapped[int | None] = mapped_column(
        ForeignKey("course.id", ondelete="SET NULL"), index=True
    )
    content_category_id: Mapped[int | None] = mapped_column(
        ForeignKey("content_category.id"), index=True
    )
    owner_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # The token of the last import preview applied (see files.claim_import).
    last_import_token: Mapped[str | None] = mapped_column(String(32))

    course = relationship("Course")
    content_category = relationship("ContentCategory")
    owner = relationship("User")
    questions = relationship(
        "Question",
        back_populates="bank",
        order_by="Question.position",
        cascade="all, delete-orphan",
    )


class Question(db.Model):
    """One question; retired questions stay (attempts refer to them) but are never drawn."""

    __tablename__ = "question"

    id: Mapped[int] = mapped_column(primary_key=True)
    bank_id: Mapped[int] = mapped_column(
        ForeignKey("question_bank.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    kind: Mapped[str] = mapped_column(String(20))  # a QuestionKind
    text: Mapped[str] = mapped_column(Text)
    points: Mapped[float] = mapped_column(default=1.0)
    difficulty: Mapped[int] = mapped_column(default=2)  # 1 easy, 2 medium, 3 hard
    tags: Mapped[list] = mapped_column(JSON, default=list)  # list of str
    explanation: Mapped[str] = mapped_column(Text, default="")
    # Multiple choice only: partial credit (True) or all-or-nothing (False).
    is_partial_credit: Mapped[bool] = mapped_column(default=False)
    # Fill in the blank only: every accepted answer, as written (normalized when grading).
    accepted_answers: Mapped[list] = mapped_column(JSON, default=list)
    is_retired: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    bank = relationship("Bank", back_populates="questions")
    options = relationship(
        "Option",
        back_populates="question",
        order_by="Option.position",
        cascade="all, delete-orphan",
        lazy="selectin",
    )


class Option(db.Model):
    """A choice of a single, multiple or true/false question."""

    __tablename__ = "question_option"

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(
        ForeignKey("question.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    text: Mapped[str] = mapped_column(String(1000))
    is_correct: Mapped[bool] = mapped_column(default=False)

    question = relationship("Question", back_populates="options")
