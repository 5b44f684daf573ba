"""The demo's year: quizzes, plan, offline records and a viewing history booked by the tracker."""

import time
from datetime import date

import pytest
from sqlalchemy import func, select

from lms.accounts.models import User
from lms.assessment.participation import non_participation
from lms.assessment.services import run_assessment
from lms.banks.models import Question
from lms.core import statsyear
from lms.demo import history
from lms.demo.services import seed_demo
from lms.extensions import db
from lms.offline.models import Exemption, OfflineTraining
from lms.plans.assignments import assigned_quiz_ids, assignments_for_user, year_assignments
from lms.plans.models import Assignment
from lms.plans.quotas import forecast_for
from lms.quizzes.models import Quiz, QuizAttempt, QuizResult
from lms.tracking.models import DailyCredit, LessonProgress, LessonView

# A Saturday late in the year: five weeks to the 30 November cut-off.
TODAY = date(2026, 10, 24)
MODELS = (
    Question, Quiz, Assignment, OfflineTraining, Exemption, LessonView, LessonProgress,
    DailyCredit, QuizAttempt, QuizResult,
)  # fmt: skip


def _counts():
    return {m.__name__: db.session.scalar(select(func.count(m.id))) for m in MODELS}


def _outlooks(today):
    users = db.session.scalars(select(User).where(User.username.like("cadre%"))).all()
    return {
        user.username: (result.outlook.value if (result := forecast_for(user, today)) else None)
        for user in users
    }


def _seed(today=TODAY):
    summary = seed_demo("pw-12345678", with_media=False, today=today)
    db.session.commit()
    return summary


def test_seeding_twice_adds_nothing_and_stays_quick(app):
    started = time.monotonic()
    summary = _seed()
    elapsed = time.monotonic() - started
    first = _counts()
    assert "4 lecture series, 3 course tests and the exam 年度理论考试" in summary
    assert first["LessonView"] > 50 and first["QuizAttempt"] >= 17
    assert first["OfflineTraining"] == 8 and first["Exemption"] == 1
    again = _seed()
    assert _counts() == first
    assert "0 viewing beats, 0 graded quiz attempts" in again
    assert elapsed < 60, elapsed


def test_quizzes_banks_and_assignments(app):
    _seed()
    kinds = set(db.session.scalars(select(Question.kind)))
    assert kinds == {"single", "multiple", "true_false", "fill_blank"}
    quizzes = db.session.scalars(select(Quiz)).all()
    assert sorted(q.is_exam for q in quizzes) == [False, False, False, True]
    assert all(q.is_published for q in quizzes)
    year = statsyear.current_year(TODAY)
    assignments = year_assignments(year)
    exam = next(q for q in quizzes if q.is_exam)
    assert any(a.quiz_id == exam.id and a.priority_group is None for a in assignments)
    # Every cadre of the district has the exam assigned and the required course enrolled.
    cadre = db.session.scalar(select(User).where(User.username == "cadre20"))
    assert exam.id in assigned_quiz_ids(cadre, year)
    assert len({a.course_id for a in assignments_for_user(cadre, year) if a.course_id}) == 1
    # Graded attempts, a spread of results.
    percents = set(db.session.scalars(select(QuizResult.percent)))
    assert len(percents) >= 3


@pytest.mark.parametrize("today", [TODAY, date(2026, 11, 28)])
def test_every_outlook_is_shown_by_the_forecast(app, today):
    _seed(today)
    outlooks = _outlooks(today)
    assert {"met", "on_track", "at_risk", "behind"} <= set(outlooks.values()), outlooks
    # Each studying cadre's forecast is their profile's; the exempted one has none.
    for number, profile in history.PROFILES.items():
        if profile != history.NEVER:
            assert outlooks[f"cadre{number}"] == profile, (number, outlooks)
    assert outlooks["cadre10"] is None
    never = db.session.scalar(select(User).where(User.username == "cadre15"))
    assert not db.session.scalar(select(DailyCredit.id).where(DailyCredit.user_id == never.id))


def test_credit_is_booked_on_weekends_mostly_and_never_today(app):
    _seed()
    days = db.session.execute(select(DailyCredit.local_date, DailyCredit.seconds)).all()
    weekend = sum(s for d, s in days if d.weekday() >= 5)
    assert weekend / sum(s for _d, s in days) > 0.8
    assert max(d for d, _s in days) < TODAY
    assert min(d for d, _s in days) >= date(2025, 12, 1)  # inside the 2026 window


def test_assessment_and_non_participation_over_the_demo(app):
    _seed()
    year = statsyear.current_year(TODAY)
    run = run_assessment(year, None)
    db.session.commit()
    assert len([band for band, count in run.band_counts.items() if count]) >= 3, run.band_counts
    listed = {
        line.personnel_number for unit in non_participation(year, None) for line in unit.absent
    }
    assert {"WY0015", "WY0020"} <= listed
    assert "WY0010" not in listed  # exempted
    assert "WY0001" not in listed
