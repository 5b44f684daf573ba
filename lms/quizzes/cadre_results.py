"""The quiz results of a supervisor's cadres: the quizzes they took or the year's plan
assigns them, and each cadre's counted result (or none yet) of one quiz.

Results are those filed under a statistics year (``filing.result_year``); a fixed handful
of queries, however many cadres there are.
"""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import false, func, or_, select

from lms.accounts.models import User
from lms.extensions import db
from lms.org.models import Cadre, Unit
from lms.org.visibility import unit_scope_clause
from lms.quizzes.assignments import ExamAssignment, exam_assignments
from lms.quizzes.figures import GRADED, PersonRow, person_rows
from lms.quizzes.filing import stats_year_bounds
from lms.quizzes.models import Quiz, QuizAttempt, QuizResult


def _audience_condition(assignments: list[ExamAssignment]):
    if not assignments:
        return false()
    return or_(*(assignment.audience for assignment in assignments))


def _assigned_in_scope(actor, assignments: list[ExamAssignment]):
    """A select of the user ids of active cadres the assignments reach, in the actor's scope."""
    return (
        select(User.id)
        .select_from(Cadre)
        .join(User, User.id == Cadre.user_id)
        .join(Unit, Unit.id == User.unit_id)
        .where(
            User.is_active_account.is_(True),
            unit_scope_clause(actor),
            _audience_condition(assignments),
        )
    )


def _results_in_scope(actor, year: int):
    return (
        select(QuizResult)
        .join(User, User.id == QuizResult.user_id)
        .join(Cadre, Cadre.user_id == User.id)
        .join(Unit, Unit.id == User.unit_id)
        .where(QuizResult.year == year, unit_scope_clause(actor))
    )


def has_results_in_scope(actor, quiz_id: int) -> bool:
    """Whether a cadre of the actor's subtree has a result of the quiz in any year."""
    query = (
        select(QuizResult.id)
        .join(User, User.id == QuizResult.user_id)
        .join(Unit, Unit.id == User.unit_id)
        .where(QuizResult.quiz_id == quiz_id, unit_scope_clause(actor))
        .limit(1)
    )
    return db.session.scalar(query) is not None


def is_assigned_in_scope(actor, quiz_id: int, year: int) -> bool:
    """Whether the year's plan assigns the quiz to someone in the actor's subtree."""
    assignments = exam_assignments(year, quiz_id)
    if not assignments:
        return False
    query = _assigned_in_scope(actor, assignments).limit(1)
    return db.session.scalar(query) is not None


def quiz_result_years(quiz: Quiz) -> list[int]:
    """Years in which cadres have results of ``quiz``, newest first."""
    query = (
        select(QuizResult.year)
        .join(Cadre, Cadre.user_id == QuizResult.user_id)
        .where(QuizResult.quiz_id == quiz.id)
        .distinct()
    )
    return sorted(db.session.scalars(query), reverse=True)


def result_years(actor) -> list[int]:
    """Years in which the actor's cadres have quiz results, newest first."""
    query = (
        select(QuizResult.year)
        .join(User, User.id == QuizResult.user_id)
        .join(Unit, Unit.id == User.unit_id)
        .where(unit_scope_clause(actor))
        .distinct()
    )
    return sorted(db.session.scalars(query), reverse=True)


@dataclass
class ScopeQuiz:
    quiz: Quiz
    results: int = 0
    passed: int = 0
    due_on: date | None = None  # set when the year's plan assigns the quiz


def scope_overview(actor, year: int) -> list[ScopeQuiz]:
    """Quizzes with results of the actor's cadres in ``year``, and exams the year's plan
    assigns to someone in the actor's subtree."""
    counts = db.session.execute(
        _results_in_scope(actor, year)
        .with_only_columns(
            QuizResult.quiz_id,
            func.count(QuizResult.id),
            func.count(QuizResult.id).filter(QuizResult.is_passed.is_(True)),
        )
        .group_by(QuizResult.quiz_id)
    ).all()
    rows = {quiz_id: ScopeQuiz(None, results, passed) for quiz_id, results, passed in counts}
    assignments = exam_assignments(year)
    if assignments:
        by_quiz: dict[int, list] = {}
        for assignment in assignments:
            by_quiz.setdefault(assignment.quiz_id, []).append(assignment)
        for quiz_id, quiz_assignments in by_quiz.items():
            reached = _assigned_in_scope(actor, quiz_assignments).limit(1)
            if quiz_id in rows or db.session.scalar(reached) is not None:
                row = rows.setdefault(quiz_id, ScopeQuiz(None))
                row.due_on = min(a.due_on for a in quiz_assignments)
    if not rows:
        return []
    for quiz in db.session.scalars(select(Quiz).where(Quiz.id.in_(list(rows)))):
        rows[quiz.id].quiz = quiz
    return sorted(rows.values(), key=lambda r: (r.quiz.title, r.quiz.id))


def scope_people(actor, quiz: Quiz, year: int) -> list[PersonRow]:
    """The actor's cadres with a result of ``quiz`` in ``year`` and, for an exam the year's
    plan assigns, those it reaches who have none (result None), by unit and name."""
    start, end = stats_year_bounds(year)
    last = (
        select(QuizAttempt.user_id, func.max(QuizAttempt.submitted_at).label("at"))
        .where(
            QuizAttempt.quiz_id == quiz.id,
            GRADED,
            QuizAttempt.submitted_at >= start,
            QuizAttempt.submitted_at < end,
        )
        .group_by(QuizAttempt.user_id)
        .subquery()
    )
    found = db.session.execute(
        _results_in_scope(actor, year)
        .with_only_columns(
            User.id,
            User.display_name,
            Cadre.personnel_number,
            Unit.name_path,
            QuizResult.attempt_count,
            QuizResult.percent,
            QuizResult.is_passed,
            last.c.at,
        )
        .outerjoin(last, last.c.user_id == User.id)
        .where(QuizResult.quiz_id == quiz.id)
    ).all()
    people = [PersonRow(*row) for row in found]
    assignments = exam_assignments(year, quiz.id)
    if assignments:
        have = select(QuizResult.user_id).where(
            QuizResult.quiz_id == quiz.id, QuizResult.year == year
        )
        missing = _assigned_in_scope(actor, assignments).where(User.id.not_in(have))
        people.extend(person_rows(missing).values())
    return sorted(people, key=lambda p: (p.unit_path, p.name, p.user_id))
