"""Gather a cadre's archive: hours against quota per year, courses, results, offline records."""

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import select

from lms.assessment.models import AssessmentResult, AssessmentRun
from lms.core import statsyear
from lms.courses.models import Course
from lms.extensions import db
from lms.offline.models import Exemption, OfflineTraining, ReviewStatus
from lms.plans.quotas import quota_summary
from lms.quizzes.models import Quiz, QuizResult
from lms.tracking.completion import completed_courses, of_user
from lms.tracking.models import DailyCredit


@dataclass
class YearRecord:
    year: int
    online_hours: float = 0.0
    quota_hours: float | None = None
    offline: list = field(default_factory=list)  # OfflineTraining
    exemptions: list = field(default_factory=list)  # Exemption
    quiz_results: list = field(default_factory=list)  # (Quiz, QuizResult)
    courses: list = field(default_factory=list)  # (Course, completed_on)
    assessment: AssessmentResult | None = None
    run: AssessmentRun | None = None

    @property
    def share(self) -> float | None:
        if not self.quota_hours:
            return None
        return min(1.0, self.online_hours / self.quota_hours)


def _online_by_year(user_id: int) -> dict[int, float]:
    """Credited hours per statistics year (each year's own cut-off), from the daily ledger."""
    year_of = statsyear.year_finder()
    hours: dict[int, float] = defaultdict(float)
    for day, seconds in db.session.execute(
        select(DailyCredit.local_date, DailyCredit.seconds).where(DailyCredit.user_id == user_id)
    ):
        hours[year_of(day)] += seconds / 3600
    return hours


def _completed_courses(user_id: int) -> list[tuple[Course, object]]:
    """Courses the cadre completed (lms.tracking.completion), with the day the last lesson was."""
    completion = completed_courses(of_user(user_id))
    return db.session.execute(
        select(Course, completion.c.completed_on)
        .join(completion, completion.c.course_id == Course.id)
        .order_by(completion.c.completed_on)
    ).all()


def build_archive(user) -> list[YearRecord]:
    """Every statistics year with anything on record, newest first: each item under the
    year its date counts toward (``lms.core.statsyear``), as every other page files it."""
    years: dict[int, YearRecord] = {}
    year_of = statsyear.year_finder()

    def year(value: int) -> YearRecord:
        return years.setdefault(value, YearRecord(value))

    for value, hours in _online_by_year(user.id).items():
        year(value).online_hours = round(hours, 1)
    for record in db.session.scalars(
        select(OfflineTraining)
        .where(
            OfflineTraining.user_id == user.id,
            OfflineTraining.status == ReviewStatus.APPROVED.value,
        )
        .order_by(OfflineTraining.start_date)
    ):
        # As the quota pages count it: a record counts toward the year it ends in.
        year(year_of(record.end_date)).offline.append(record)
    for item in db.session.scalars(
        select(Exemption)
        .where(Exemption.user_id == user.id, Exemption.status == ReviewStatus.APPROVED.value)
        .order_by(Exemption.start_date)
    ):
        for value in range(year_of(item.start_date), year_of(item.end_date) + 1):
            year(value).exemptions.append(item)
    for quiz, result in db.session.execute(
        select(Quiz, QuizResult)
        .join(QuizResult, QuizResult.quiz_id == Quiz.id)
        .where(QuizResult.user_id == user.id)
        .order_by(QuizResult.year, Quiz.title)
    ):
        year(result.year).quiz_results.append((quiz, result))
    for course, on in _completed_courses(user.id):
        year(statsyear.year_of_moment(on) if on else 0).courses.append((course, on))
    # The newest run of each year that includes the cadre.
    for result, run in db.session.execute(
        select(AssessmentResult, AssessmentRun)
        .join(AssessmentRun, AssessmentRun.id == AssessmentResult.run_id)
        .where(AssessmentResult.user_id == user.id)
        .order_by(AssessmentRun.year, AssessmentRun.run_at)
    ):
        record = year(run.year)
        record.assessment, record.run = result, run
    for value, record in years.items():
        # The quota My learning and the API show: reduced by an approved exemption.
        record.quota_hours = quota_summary(user, value)["quota_hours"] if value else None
    return [years[value] for value in sorted(years, reverse=True)]


def total_online_hours(records: list[YearRecord]) -> float:
    return round(sum(r.online_hours for r in records), 1)
