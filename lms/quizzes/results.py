"""Quiz results: item analysis and score figures for a quiz's managers, and the results of
a supervisor's cadres.

Only graded attempts by cadres count (an editor's preview attempts are left out), by the
statistics year they are filed under (``services.result_year``; ``year_bounds`` is the same
rule as a range). Each taker's score is the one their quiz's counting rule gives over their
graded attempts of the year; the item analysis uses one attempt per person, their first
graded one of the year, as classical item analysis does (later attempts are coloured by
having seen the questions).

Every figure comes from a fixed handful of queries, however many attempts there are.
"""

import statistics
from dataclasses import dataclass, field
from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import and_, false, func, or_, select

from lms.accounts.models import User
from lms.banks.models import Question
from lms.core import statsyear
from lms.extensions import db
from lms.org.models import Cadre, Unit
from lms.org.visibility import unit_scope_clause
from lms.quizzes import analysis, grading
from lms.quizzes.models import AttemptQuestion, AttemptStatus, Quiz, QuizAttempt, QuizResult

BANDS = 10
TEXT_PREVIEW = 80

GRADED = QuizAttempt.status == AttemptStatus.GRADED.value


@dataclass
class PersonRow:
    """One cadre's line: who they are and their counted result (None: not taken)."""

    user_id: int
    name: str
    personnel_number: str
    unit_path: str
    attempts: int = 0
    percent: float | None = None
    is_passed: bool | None = None
    last_attempt_at: datetime | None = None


@dataclass
class QuestionRow:
    stats: analysis.ItemStats
    bank_id: int | None
    text: str
    kind: str
    reasons: list[str] = field(default_factory=list)


@dataclass
class QuizFigures:
    takers: list[PersonRow]
    attempt_count: int
    distribution: list[int]
    questions: list[QuestionRow]

    @property
    def taker_count(self) -> int:
        return len(self.takers)

    @property
    def percents(self) -> list[float]:
        return [row.percent for row in self.takers if row.percent is not None]

    @property
    def pass_rate(self) -> float | None:
        if not self.takers:
            return None
        return sum(1 for row in self.takers if row.is_passed) / len(self.takers)

    @property
    def average(self) -> float | None:
        return round(statistics.fmean(self.percents), 1) if self.percents else None

    @property
    def median(self) -> float | None:
        return round(statistics.median(self.percents), 1) if self.percents else None

    @property
    def flagged_count(self) -> int:
        return sum(1 for row in self.questions if row.stats.is_flagged)


def band_labels(bands: int = BANDS) -> list[str]:
    """ "0–9", "10–19", ... "90–100": the bands of ``analysis.score_distribution``."""
    width = 100 // bands
    return [
        f"{start}–{start + width - 1}" if start + width < 100 else f"{start}–100"
        for start in range(0, 100, width)
    ]


def flag_reasons(stats: analysis.ItemStats) -> list[str]:
    """Why a question is flagged, in plain words for its author."""
    if not stats.is_flagged:
        return []
    reasons = []
    if stats.discrimination is not None and stats.discrimination < 0:
        reasons.append(_("Weak takers do better than strong ones: check the key or the wording."))
    elif stats.discrimination is not None and stats.discrimination < analysis.FLAG_DISCRIMINATION:
        reasons.append(
            _(
                "Strong and weak takers do about as well: the question may be ambiguous, "
                "or too easy or too hard to tell them apart."
            )
        )
    if stats.difficulty < 0.2:
        reasons.append(_("Most takers miss it: check the key, or whether it is too hard."))
    return reasons


def preview(text: str, limit: int = TEXT_PREVIEW) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- a quiz's figures, for its managers ----------------------------------------------------


def year_window(year: int) -> tuple[date, date]:
    """The local dates (inclusive) whose attempts are filed under ``year``: from the day
    after the previous year's cut-off through this year's, each by its own plan, so the
    years neither overlap nor leave a gap (the dates ``services.result_year`` gives
    ``year``)."""
    return statsyear.window(year)


def year_bounds(year: int) -> tuple[datetime, datetime]:
    """``year_window`` as naive-UTC datetimes (end exclusive)."""
    return statsyear.utc_bounds(year_window(year))


def _cadre_attempts(quiz_id: int, bounds: tuple[datetime, datetime]):
    start, end = bounds
    return (
        select(QuizAttempt)
        .join(Cadre, Cadre.user_id == QuizAttempt.user_id)
        .where(
            QuizAttempt.quiz_id == quiz_id,
            GRADED,
            QuizAttempt.submitted_at >= start,
            QuizAttempt.submitted_at < end,
        )
    )


def _people(user_ids_query) -> dict[int, PersonRow]:
    rows = db.session.execute(
        select(User.id, User.display_name, Cadre.personnel_number, Unit.name_path)
        .join(Cadre, Cadre.user_id == User.id)
        .outerjoin(Unit, Unit.id == User.unit_id)
        .where(User.id.in_(user_ids_query))
    )
    return {
        user_id: PersonRow(user_id, name, number, path or "")
        for user_id, name, number, path in rows
    }


def _takers(quiz: Quiz, bounds) -> tuple[list[PersonRow], int]:
    """Each cadre's counted result over their graded attempts; and how many attempts."""
    attempts = db.session.execute(
        _cadre_attempts(quiz.id, bounds)
        .with_only_columns(QuizAttempt.user_id, QuizAttempt.percent, QuizAttempt.submitted_at)
        .order_by(QuizAttempt.user_id, QuizAttempt.submitted_at, QuizAttempt.number)
    ).all()
    people = _people(_cadre_attempts(quiz.id, bounds).with_only_columns(QuizAttempt.user_id))
    by_user: dict[int, list] = {}
    for user_id, percent, submitted_at in attempts:
        by_user.setdefault(user_id, []).append((percent or 0.0, submitted_at))
    for user_id, rows in by_user.items():
        person = people[user_id]
        person.attempts = len(rows)
        person.percent = grading.counted_percent(quiz.counting_rule, [p for p, _at in rows])
        person.is_passed = grading.is_pass(person.percent, quiz.pass_percent)
        person.last_attempt_at = max((at for _p, at in rows if at), default=None)
    takers = sorted(people.values(), key=lambda p: (p.unit_path, p.name, p.user_id))
    return [p for p in takers if p.attempts], len(attempts)


def _first_attempt_shares(quiz: Quiz, bounds) -> list[dict[int, float]]:
    """Per cadre, their first graded attempt as question id -> share of its points earned."""
    first = (
        _cadre_attempts(quiz.id, bounds)
        .with_only_columns(QuizAttempt.user_id, func.min(QuizAttempt.number).label("number"))
        .group_by(QuizAttempt.user_id)
        .subquery()
    )
    rows = db.session.execute(
        select(AttemptQuestion.attempt_id, AttemptQuestion.question_id)
        .add_columns(AttemptQuestion.points, AttemptQuestion.awarded_points)
        .join(QuizAttempt, QuizAttempt.id == AttemptQuestion.attempt_id)
        .join(
            first,
            and_(first.c.user_id == QuizAttempt.user_id, first.c.number == QuizAttempt.number),
        )
        .where(QuizAttempt.quiz_id == quiz.id)
    )
    shares: dict[int, dict[int, float]] = {}
    for attempt_id, question_id, points, awarded in rows:
        if points and points > 0:
            share = max(0.0, min(1.0, (awarded or 0.0) / points))
            shares.setdefault(attempt_id, {})[question_id] = share
    return list(shares.values())


def quiz_figures(quiz: Quiz, year: int) -> QuizFigures:
    """Takers, attempts, the distribution of counted scores and the item analysis of the
    attempts filed under ``year``."""
    bounds = year_bounds(year)
    takers, attempt_count = _takers(quiz, bounds)
    stats = analysis.item_analysis(_first_attempt_shares(quiz, bounds))
    questions = {}
    if stats:
        questions = {
            row.id: row
            for row in db.session.execute(
                select(Question.id, Question.bank_id, Question.text, Question.kind).where(
                    Question.id.in_([s.question_id for s in stats])
                )
            )
        }
    rows = []
    for item in stats:
        question = questions.get(item.question_id)
        rows.append(
            QuestionRow(
                stats=item,
                bank_id=question.bank_id if question else None,
                text=preview(question.text) if question else "",
                kind=question.kind if question else "",
                reasons=flag_reasons(item),
            )
        )
    percents = [row.percent for row in takers if row.percent is not None]
    distribution = analysis.score_distribution(percents, BANDS)
    return QuizFigures(takers, attempt_count, distribution, rows)


# --- a supervisor's cadres -----------------------------------------------------------------


def _plan_assignments(quiz_id: int | None, year: int):
    """The year's plan and its assignments of ``quiz_id`` (of every quiz when None)."""
    try:
        from lms.plans.models import Assignment
        from lms.plans.services import get_plan
    except ImportError:
        return None, []
    plan = get_plan(year)
    if plan is None:
        return None, []
    query = select(Assignment).where(
        Assignment.training_year_id == plan.id, Assignment.quiz_id.is_not(None)
    )
    if quiz_id is not None:
        query = query.where(Assignment.quiz_id == quiz_id)
    return plan, list(db.session.scalars(query))


def _audience_condition(plan, assignments):
    from lms.plans.services import audience_clause

    if not assignments:
        return false()
    return or_(*(audience_clause(a.audience, plan.as_of, plan.limits) for a in assignments))


def _assigned_in_scope(actor, plan, assignments):
    """A select of the user ids of active cadres the assignments reach, in the actor's scope."""
    return (
        select(User.id)
        .select_from(Cadre)
        .join(User, User.id == Cadre.user_id)
        .join(Unit, Unit.id == User.unit_id)
        .where(
            User.is_active_account.is_(True),
            unit_scope_clause(actor),
            _audience_condition(plan, assignments),
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
    plan, assignments = _plan_assignments(quiz_id, year)
    if not assignments:
        return False
    query = _assigned_in_scope(actor, plan, assignments).limit(1)
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
    plan, assignments = _plan_assignments(None, year)
    if assignments:
        by_quiz: dict[int, list] = {}
        for assignment in assignments:
            by_quiz.setdefault(assignment.quiz_id, []).append(assignment)
        for quiz_id, quiz_assignments in by_quiz.items():
            reached = _assigned_in_scope(actor, plan, quiz_assignments).limit(1)
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
    start, end = year_bounds(year)
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
    plan, assignments = _plan_assignments(quiz.id, year)
    if assignments:
        have = select(QuizResult.user_id).where(
            QuizResult.quiz_id == quiz.id, QuizResult.year == year
        )
        missing = _assigned_in_scope(actor, plan, assignments).where(User.id.not_in(have))
        people.extend(_people(missing).values())
    return sorted(people, key=lambda p: (p.unit_path, p.name, p.user_id))
