"""The demo plan's assignments, offline training records and an exemption (idempotent)."""

from datetime import date, timedelta

from sqlalchemy import select

from lms.accounts.models import User
from lms.courses.models import Course
from lms.extensions import db
from lms.offline.models import Exemption, OfflineTraining
from lms.offline.recording import record_exemptions, record_offline_training, review
from lms.org.models import Unit
from lms.plans.models import Assignment, TrainingYear
from lms.plans.years import plan_window
from lms.quizzes.models import Quiz


def ensure_assignments(plan: TrainingYear, root: Unit, course: Course, exam: Quiz) -> None:
    """The required course and the exam, each assigned to the whole district once."""
    for field, value in (("course_id", course.id), ("quiz_id", exam.id)):
        exists = db.session.scalar(
            select(Assignment.id).where(
                Assignment.training_year_id == plan.id,
                getattr(Assignment, field) == value,
                Assignment.unit_id == root.id,
                Assignment.priority_group.is_(None),
            )
        )
        if exists is None:
            db.session.add(
                Assignment(
                    training_year_id=plan.id,
                    unit_id=root.id,
                    due_on=plan_window(plan)[1],
                    **{field: value},
                )
            )
    db.session.flush()


def _user(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


def _period(first: date, days: int, window: tuple[date, date], today: date):
    """``days`` calendar days from ``first``, kept inside the window and before today."""
    start = max(first, window[0])
    end = min(start + timedelta(days=days - 1), today - timedelta(days=1))
    return (start, end) if end >= start else None


def _saturday_before(day: date) -> date:
    return day - timedelta(days=(day.weekday() - 5) % 7)


# (cadre numbers, type, title, provider, start days before today, calendar days, figure,
#  in days, approved)
OFFLINE = [
    (
        (3, 8, 13),
        "party_school",
        "区委党校中青年干部培训班",
        "中共未央区委党校",
        75,
        12,
        10,
        True,
        True,
    ),
    ((1, 6, 12), "weekend_class", "领导干部周末讲堂", "区委组织部", 40, 2, 12, False, True),
    ((4,), "university_course", "公共管理能力提升研修班", "西北大学", 30, 5, 5, True, True),
    ((9,), "university_course", "数字政府建设专题研修班", "西安交通大学", 12, 5, 5, True, False),
]


def seed_offline(window: tuple[date, date], today: date) -> int:
    """Offline training recorded by the supervisor; all but one approved by the admin."""
    supervisor, admin = _user("supervisor"), _user("admin")
    added = 0
    for numbers, kind, title, provider, before, days, figure, in_days, approved in OFFLINE:
        first = today - timedelta(days=before)
        period = _period(_saturday_before(first) if kind == "weekend_class" else first, days,
                         window, today)  # fmt: skip
        if period is None:
            continue
        cadres = [
            user
            for user in (_user(f"cadre{n}") for n in numbers)
            if not db.session.scalar(
                select(OfflineTraining.id).where(
                    OfflineTraining.user_id == user.id, OfflineTraining.title == title
                )
            )
        ]
        if not cadres:
            continue
        span = (period[1] - period[0]).days + 1
        fields = {
            "training_type": kind,
            "title": title,
            "provider": provider,
            "start_date": period[0],
            "end_date": period[1],
            "days": min(figure, span) if in_days else None,
            "hours": None if in_days else min(figure, 8 * span),
        }
        for record in record_offline_training(supervisor, cadres, fields):
            if approved:
                review(admin, record, True)
            added += 1
    return added


EXEMPT_CADRE = 10


def seed_exemption(window: tuple[date, date], today: date) -> int:
    """One approved exemption: a cadre on sick leave, whose quota is waived this year."""
    user = _user(f"cadre{EXEMPT_CADRE}")
    if db.session.scalar(select(Exemption.id).where(Exemption.user_id == user.id)):
        return 0
    start = max(window[0], today - timedelta(days=120))
    fields = {
        "kind": "illness",
        "reason": "因病住院治疗及康复",
        "effect": "waive",
        "start_date": start,
        "end_date": max(start, today + timedelta(days=30)),
    }
    (exemption,) = record_exemptions(_user("supervisor"), [user], fields)
    review(_user("admin"), exemption, True)
    return 1
