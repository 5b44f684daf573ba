"""Results: each cadre's counted result of a quiz, filed under a statistics year."""

from collections import defaultdict
from datetime import date, datetime

from sqlalchemy import and_, select

from lms.core import statsyear
from lms.core.timeutil import to_local
from lms.extensions import db
from lms.quizzes import grading
from lms.quizzes.models import (
    AttemptStatus,
    Quiz,
    QuizAttempt,
    QuizResult,
)


def result_year(submitted_at: datetime) -> int:
    """The year a result of an attempt submitted at ``submitted_at`` (UTC) is filed under.

    The statistics year of its local date, as for hours (docs/domain.md: the training year has a
    statistics cut-off before the annual appraisal): an exam passed after the cut-off counts
    toward next year's assessment, like the hours studied that day.
    """
    return statsyear.year_of_moment(submitted_at)


def stats_year_bounds(year: int) -> tuple[datetime, datetime]:
    """The statistics year ``year`` as naive-UTC datetimes (end exclusive): the submission
    times ``result_year`` files under it, from the day after the previous year's cut-off
    through this year's, each by its own plan (``lms.core.statsyear.window``)."""
    return statsyear.utc_bounds(statsyear.window(year))


def _set_result(
    result: QuizResult | None, user_id: int, quiz: Quiz, year: int, percents: list[float]
) -> QuizResult | None:
    """Give a result the figures of the year's graded attempts (percentages, oldest first)
    by the quiz's counting rule, creating it when missing; None without attempts."""
    percent = grading.counted_percent(quiz.counting_rule, percents)
    if percent is None:
        return result
    if result is None:
        result = QuizResult(user_id=user_id, quiz_id=quiz.id, year=year)
        db.session.add(result)
    result.percent = percent
    result.is_passed = grading.is_pass(percent, quiz.pass_percent)
    result.attempt_count = len(percents)
    return result


def update_result(user_id: int, quiz: Quiz, year: int) -> QuizResult | None:
    """Recompute the user's result of ``quiz`` in ``year`` by the quiz's counting rule."""
    # The year's window holds exactly the times ``result_year`` files under it: two plan
    # lookups per submission instead of one per attempt.
    start, end = stats_year_bounds(year)
    attempts = db.session.scalars(
        select(QuizAttempt).where(QuizAttempt.user_id == user_id, QuizAttempt.quiz_id == quiz.id)
    )
    graded = [
        a
        for a in attempts
        if a.status == AttemptStatus.GRADED.value and start <= a.submitted_at < end
    ]
    graded.sort(key=lambda a: (a.submitted_at, a.number))
    result = db.session.scalar(
        select(QuizResult).where(
            QuizResult.user_id == user_id, QuizResult.quiz_id == quiz.id, QuizResult.year == year
        )
    )
    result = _set_result(result, user_id, quiz, year, [a.percent or 0.0 for a in graded])
    db.session.flush()
    return result


def refile_results(start: datetime | None = None, end: datetime | None = None) -> int:
    """Re-file the results of everyone with a graded attempt submitted in [start, end) (UTC;
    every attempt when None) under the years ``result_year`` gives now, after a cut-off
    changed; returns how many results were added, changed or removed.

    Each (cadre, quiz) is recomputed from all its graded attempts, which stay untouched; a
    result whose year no attempt falls in any more is removed. A fixed number of queries.
    """
    in_range = [QuizAttempt.status == AttemptStatus.GRADED.value]
    if start is not None:
        in_range.append(QuizAttempt.submitted_at >= start)
    if end is not None:
        in_range.append(QuizAttempt.submitted_at < end)
    return refile_results_of(select(QuizAttempt.user_id, QuizAttempt.quiz_id).where(*in_range))


def refile_results_of(pairs_query) -> int:
    """Recompute the results of the (user_id, quiz_id) pairs ``pairs_query`` selects from all
    their graded attempts, filed under the years ``result_year`` gives now; returns how many
    results were added, changed or removed (see ``refile_results``)."""
    graded = QuizAttempt.status == AttemptStatus.GRADED.value
    pairs = pairs_query.distinct().subquery()

    def of_pairs(model):
        return and_(pairs.c.user_id == model.user_id, pairs.c.quiz_id == model.quiz_id)

    years: dict[date, int] = {}  # one plan lookup per local date, not per attempt
    wanted: dict[tuple[int, int, int], list[float]] = defaultdict(list)
    for user_id, quiz_id, submitted_at, percent in db.session.execute(
        select(QuizAttempt.user_id, QuizAttempt.quiz_id, QuizAttempt.submitted_at)
        .add_columns(QuizAttempt.percent)
        .join(pairs, of_pairs(QuizAttempt))
        .where(graded)
        .order_by(QuizAttempt.submitted_at, QuizAttempt.number)
    ):
        day = to_local(submitted_at).date()
        if day not in years:
            years[day] = statsyear.year_of(day)
        wanted[user_id, quiz_id, years[day]].append(percent or 0.0)
    existing = {
        (r.user_id, r.quiz_id, r.year): r
        for r in db.session.scalars(select(QuizResult).join(pairs, of_pairs(QuizResult)))
    }
    quizzes = {
        quiz.id: quiz
        for quiz in db.session.scalars(select(Quiz).where(Quiz.id.in_(select(pairs.c.quiz_id))))
    }
    changed = 0
    for key, result in existing.items():
        if key not in wanted:
            db.session.delete(result)
            changed += 1
    for (user_id, quiz_id, year), percents in wanted.items():
        result = existing.get((user_id, quiz_id, year))
        before = (result.percent, result.is_passed, result.attempt_count) if result else None
        result = _set_result(result, user_id, quizzes[quiz_id], year, percents)
        changed += before != (result.percent, result.is_passed, result.attempt_count)
    db.session.flush()
    return changed


def refile_after_cutoff_change(year: int, cutoff_before: tuple[int, int]) -> int:
    """Re-file the results of attempts submitted in local calendar ``year`` when that year's
    cut-off is no longer ``cutoff_before`` (a plan was saved or copied); returns how many
    results changed. Results are stored per year, hours are summed by window on reading:
    only results need this."""
    if statsyear.cutoff_for(year) == cutoff_before:
        return 0
    start, end = statsyear.utc_bounds((date(year, 1, 1), date(year, 12, 31)))
    return refile_results(start, end)


def best_results(user_id: int, quiz_ids) -> dict[int, QuizResult]:
    """The user's latest-year result of each quiz."""
    rows = db.session.scalars(
        select(QuizResult)
        .where(QuizResult.user_id == user_id, QuizResult.quiz_id.in_(list(quiz_ids)))
        .order_by(QuizResult.year)
    )
    return {row.quiz_id: row for row in rows}
