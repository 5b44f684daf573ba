"""The exams the annual plan assigns, as quizzes ask for them.

The plan decides who must take which exam; it sits a floor above quizzes, which import
nothing of it (docs/architecture.md). The plans feature registers where its assignments are
kept (``register_source``), as it registers its cut-offs with ``lms.core.statsyear``.
Without a registered source no exam is assigned to anyone.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from flask import Flask, current_app
from sqlalchemy import ColumnElement

_SOURCE = "lms.quiz_assignments"


@dataclass(frozen=True)
class ExamAssignment:
    """One assignment of an exam in a year's plan: the quiz, its due date, and the cadres its
    audience reaches (a SQL condition over ``User``, ``Cadre`` and ``Unit``)."""

    quiz_id: int
    due_on: date
    audience: ColumnElement[bool]


@dataclass(frozen=True)
class AssignmentSource:
    """What the plans feature answers: the quizzes assigned to a user in the running year, and
    a year's assignments of one quiz (of every quiz when the id is None)."""

    quiz_ids_of: Callable[[object], set[int]]
    exams_of_year: Callable[[int, int | None], list[ExamAssignment]]


def register_source(app: Flask, source: AssignmentSource) -> None:
    """Where the plan's exam assignments are kept (the plans feature)."""
    app.extensions[_SOURCE] = source


def _source() -> AssignmentSource | None:
    return current_app.extensions.get(_SOURCE)


def assigned_quiz_ids(user) -> set[int]:
    """Standalone exams assigned to ``user`` by the running year's plan."""
    source = _source()
    return set(source.quiz_ids_of(user)) if source else set()


def exam_assignments(year: int, quiz_id: int | None = None) -> list[ExamAssignment]:
    """The assignments of ``quiz_id`` (of every exam when None) in ``year``'s plan."""
    source = _source()
    return list(source.exams_of_year(year, quiz_id)) if source else []
