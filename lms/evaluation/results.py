"""A course's evaluation results: anonymous, and only from ``LMS_EVALUATION_MIN_RESPONDENTS``
respondents on.

Results are grouped by questionnaire version (a question belongs to one version). A version
with fewer respondents than the threshold shows its count and nothing else: no average, no
distribution, no free text, on the page, in the export and in the API alike. Free text is
listed by the response's random id, so its order says nothing of who wrote it or when.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import func, select

from lms.accounts.models import Role, User
from lms.courses.models import Course
from lms.evaluation.models import (
    RATING_MAX,
    RATING_MIN,
    EvaluationAnswer,
    EvaluationQuestion,
    EvaluationResponse,
    EvaluationSubmission,
    Questionnaire,
)
from lms.extensions import db
from lms.org.models import Unit
from lms.org.visibility import unit_scope_clause
from lms.tracking.completion import completed_courses


def min_respondents() -> int:
    return int(current_app.config["EVALUATION_MIN_RESPONDENTS"])


@dataclass
class QuestionResult:
    question: EvaluationQuestion
    answered: int = 0
    average: float | None = None
    distribution: list[int] = field(default_factory=lambda: [0] * (RATING_MAX - RATING_MIN + 1))
    texts: list[str] = field(default_factory=list)


@dataclass
class VersionResult:
    questionnaire: Questionnaire
    respondents: int
    is_shown: bool
    questions: list[QuestionResult]


@dataclass
class CourseResults:
    respondents: int
    threshold: int
    versions: list[VersionResult]

    @property
    def is_shown(self) -> bool:
        return any(version.is_shown for version in self.versions)


def course_results(course: Course) -> CourseResults:
    """Respondents per questionnaire version, and each shown version's figures."""
    threshold = min_respondents()
    counts = dict(
        db.session.execute(
            select(EvaluationResponse.questionnaire_id, func.count())
            .where(EvaluationResponse.course_id == course.id)
            .group_by(EvaluationResponse.questionnaire_id)
        ).all()
    )
    versions = []
    for questionnaire in db.session.scalars(
        select(Questionnaire)
        .where(Questionnaire.id.in_(counts))
        .order_by(Questionnaire.version.desc())
    ):
        respondents = counts[questionnaire.id]
        shown = respondents >= threshold
        questions = [QuestionResult(q) for q in questionnaire.questions]
        if shown:
            _fill(course.id, questions)
        versions.append(VersionResult(questionnaire, respondents, shown, questions))
    return CourseResults(sum(counts.values()), threshold, versions)


def _fill(course_id: int, questions: list[QuestionResult]) -> None:
    by_id = {result.question.id: result for result in questions}
    ratings = db.session.execute(
        select(EvaluationAnswer.question_id, EvaluationAnswer.rating, func.count())
        .join(EvaluationResponse, EvaluationResponse.id == EvaluationAnswer.response_id)
        .where(
            EvaluationResponse.course_id == course_id,
            EvaluationAnswer.question_id.in_(by_id),
            EvaluationAnswer.rating.is_not(None),
        )
        .group_by(EvaluationAnswer.question_id, EvaluationAnswer.rating)
    )
    for question_id, rating, count in ratings:
        result = by_id[question_id]
        result.distribution[rating - RATING_MIN] += count
    for result in questions:
        result.answered = sum(result.distribution)
        if result.answered:
            total = sum((i + RATING_MIN) * n for i, n in enumerate(result.distribution))
            result.average = total / result.answered
    texts = db.session.execute(
        select(EvaluationAnswer.question_id, EvaluationAnswer.text)
        .join(EvaluationResponse, EvaluationResponse.id == EvaluationAnswer.response_id)
        .where(
            EvaluationResponse.course_id == course_id,
            EvaluationAnswer.question_id.in_(by_id),
            EvaluationAnswer.text.is_not(None),
        )
        .order_by(EvaluationAnswer.response_id)
    )
    for question_id, text in texts:
        by_id[question_id].texts.append(text)
        by_id[question_id].answered += 1


@dataclass(frozen=True)
class ResponseRate:
    respondents: int  # of those who completed the course, how many evaluated it
    completed: int

    @property
    def share(self) -> float | None:
        return self.respondents / self.completed if self.completed else None


def response_rate(course: Course, viewer) -> ResponseRate:
    """Among the cadres ``viewer`` may see (a supervisor's subtree; everyone for others),
    how many completed the course and how many of them evaluated it: counts, never names."""
    if viewer.is_admin or not viewer.has_role(Role.SUPERVISOR):
        limit = lambda column: []  # noqa: E731
    else:
        people = (
            select(User.id).join(Unit, Unit.id == User.unit_id).where(unit_scope_clause(viewer))
        )
        limit = lambda column: [column.in_(people)]  # noqa: E731
    done = completed_courses(limit)
    rows = (
        db.session.execute(select(done.c.user_id).where(done.c.course_id == course.id))
        .scalars()
        .all()
    )
    completed = set(rows)
    answered = set(
        db.session.scalars(
            select(EvaluationSubmission.user_id).where(
                EvaluationSubmission.course_id == course.id, *limit(EvaluationSubmission.user_id)
            )
        )
    )
    return ResponseRate(len(answered & completed), len(completed))


def rating_summary(course_id: int) -> tuple[int, dict[str, list[int]]]:
    """Respondents of shown versions and, per aspect, every rating given (for the health
    score); nothing from versions below the threshold."""
    threshold = min_respondents()
    counts = dict(
        db.session.execute(
            select(EvaluationResponse.questionnaire_id, func.count())
            .where(EvaluationResponse.course_id == course_id)
            .group_by(EvaluationResponse.questionnaire_id)
        ).all()
    )
    shown = [qid for qid, count in counts.items() if count >= threshold]
    ratings: dict[str, list[int]] = defaultdict(list)
    for aspect, rating in db.session.execute(
        select(EvaluationQuestion.aspect, EvaluationAnswer.rating)
        .join(EvaluationAnswer, EvaluationAnswer.question_id == EvaluationQuestion.id)
        .join(EvaluationResponse, EvaluationResponse.id == EvaluationAnswer.response_id)
        .where(
            EvaluationResponse.course_id == course_id,
            EvaluationResponse.questionnaire_id.in_(shown),
            EvaluationAnswer.rating.is_not(None),
        )
    ):
        ratings[aspect].append(rating)
    return sum(counts[qid] for qid in shown), dict(ratings)
