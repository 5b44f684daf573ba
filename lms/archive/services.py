"""Gather a cadre's archive: hours against quota per year, courses, results, offline records."""

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import func, select

from lms.assessment.models import AssessmentResult, AssessmentRun
from lms.courses.models import Course, Lesson
from lms.extensions import db
from lms.offline.models import Exemption, OfflineTraining, ReviewStatus
from lms.plans import rules as plan_rules
from lms.plans import services as plans
from lms.quizzes.models import Quiz, QuizResult
from lms.tracking.models import DailyCredit, LessonProgress


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
    cutoffs: dict[int, tuple[int, int]] = {}
    hours: dict[int, float] = defaultdict(float)
    for day, seconds in db.session.execute(
        select(DailyCredit.local_date, DailyCredit.seconds).where(DailyCredit.user_id == user_id)
    ):
        cutoff = cutoffs.setdefault(day.year, plans.cutoff_for(day.year))
        hours[plan_rules.stats_year(day, cutoff)] += seconds / 3600
    return hours


def _completed_courses(user_id: int) -> list[tuple[Course, object]]:
    """Courses whose every lesson the cadre completed, with the day the last one was."""
    done = (
        select(
            Lesson.course_id,
            func.count(LessonProgress.completed_at).label("done"),
            func.max(LessonProgress.completed_at).label("on"),
        )
        .join(Lesson, Lesson.id == LessonProgress.lesson_id)
        .where(LessonProgress.user_id == user_id)
        .group_by(Lesson.course_id)
        .subquery()
    )
    totals = (
        select(Lesson.course_id, func.count(Lesson.id).label("total"))
        .group_by(Lesson.course_id)
        .subquery()
    )
    rows = db.session.execute(
        select(Course, done.c.on)
        .join(done, done.c.course_id == Course.id)
        .join(totals, totals.c.course_id == Course.id)
        .where(done.c.done == totals.c.total)
        .order_by(done.c.on)
    ).all()
    from lms.quizzes.services import courses_awaiting_test

    waiting = courses_awaiting_test(user_id, [course.id for course, _on in rows])
    return [(course, on) for course, on in rows if course.id not in waiting]


def build_archive(user) -> list[YearRecord]:
    """Every year with anything on record, newest first."""
    years: dict[int, YearRecord] = {}

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
        year(record.end_date.year).offline.append(record)
    for item in db.session.scalars(
        select(Exemption)
        .where(Exemption.user_id == user.id, Exemption.status == ReviewStatus.APPROVED.value)
        .order_by(Exemption.start_date)
    ):
        for value in range(item.start_date.year, item.end_date.year + 1):
            year(value).exemptions.append(item)
    for quiz, result in db.session.execute(
        select(Quiz, QuizResult)
        .join(QuizResult, QuizResult.quiz_id == Quiz.id)
        .where(QuizResult.user_id == user.id)
        .order_by(QuizResult.year, Quiz.title)
    ):
        year(result.year).quiz_results.append((quiz, result))
    for course, on in _completed_courses(user.id):
        year(on.year if on else 0).courses.append((course, on))
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
        quota = plans.quota_for_user(user, value)
        record.quota_hours = quota.online_hours if quota else None
    return [years[value] for value in sorted(years, reverse=True)]


def total_online_hours(records: list[YearRecord]) -> float:
    return round(sum(r.online_hours for r in records), 1)
