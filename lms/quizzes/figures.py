"""A quiz's figures for its managers: takers, the distribution of counted scores and the
item analysis of a statistics year.

Only graded attempts by cadres count (an editor's preview attempts are left out), by the
statistics year they are filed under (``filing.result_year``; ``filing.stats_year_bounds``
is the same rule as a range). Each taker's score is the one their quiz's counting rule
gives over their graded attempts of the year; the item analysis uses one attempt per
person, their first graded one of the year, as classical item analysis does (later
attempts are coloured by having seen the questions).

Every figure comes from a fixed handful of queries, however many attempts there are.
"""

import statistics
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import and_, func, select

from lms.accounts.models import User
from lms.banks.models import Question
from lms.extensions import db
from lms.org.models import Cadre, Unit
from lms.quizzes import analysis, grading
from lms.quizzes.filing import stats_year_bounds
from lms.quizzes.models import AttemptQuestion, AttemptStatus, Quiz, QuizAttempt

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
    negative_r = (
        stats.point_biserial is not None
        and stats.point_biserial < 0
        and stats.takers >= analysis.MIN_TAKERS_FOR_CORRELATION
    )
    if (stats.discrimination is not None and stats.discrimination < 0) or negative_r:
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


def person_rows(user_ids_query) -> dict[int, PersonRow]:
    """The cadres ``user_ids_query`` selects, as rows with no result yet, by user id."""
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
    people = person_rows(_cadre_attempts(quiz.id, bounds).with_only_columns(QuizAttempt.user_id))
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
    bounds = stats_year_bounds(year)
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
