"""A small hand-computed district for the dashboards (year 2024, cut-off 30 November).

District ─ Bureau A ─ Section A1: a1 (district-management, 75 h), a2 (rank 科员, 8 h)
         │          └ Section A2: a3 (reserve, rank 科员, 0 h), a4 (young, 2 h, exempted)
         └ Bureau B ─ Section B1: b1 (60 h);  b2 directly in Bureau B (only hours outside
                                               the window)

Quota rules (each wins for someone): everyone 50; district-management 70; Bureau B and below
60; reserve 40; rank 科员 in Section A1 only (not below) 55; young 52. Quotas: a1 70, a2 55,
a3 50, a4 52, b1 60, b2 60. Course C1 (two 600 s lessons, a required test), C2 (one
1000 s lesson); quiz results of 2024 for a1 (pass 80), a2 (fail 40), b1 (pass 90).
"""

from datetime import date, datetime

import pytest

from lms.courses.models import Course, Enrollment, Lesson
from lms.extensions import db
from lms.offline.models import Exemption
from lms.org.categories import ensure_default_categories
from lms.org.models import CadreCategory
from lms.plans.models import QuotaRule, TrainingYear
from lms.quizzes.models import Quiz, QuizResult
from lms.tracking.models import DailyCredit, LessonProgress

YEAR = 2024
DONE = datetime(2024, 6, 1, 12, 0)


def credit(user, hours: float, on: date) -> None:
    db.session.add(DailyCredit(user_id=user.id, local_date=on, seconds=hours * 3600))


def progress(user, lesson, seconds: float, completed: bool) -> None:
    db.session.add(
        LessonProgress(
            user_id=user.id,
            lesson_id=lesson.id,
            credited_seconds=seconds,
            coverage=[[0, seconds]],
            completed_at=DONE if completed else None,
        )
    )


def set_cadre(user, **fields) -> None:
    for name, value in fields.items():
        setattr(user.cadre, name, value)


@pytest.fixture
def district(app, make_unit, make_user):
    ensure_default_categories()
    categories = {c.code: c for c in db.session.query(CadreCategory)}
    units = {
        "district": make_unit("District"),
        "a": make_unit("District/Bureau A"),
        "a1": make_unit("District/Bureau A/Section A1"),
        "a2": make_unit("District/Bureau A/Section A2"),
        "b": make_unit("District/Bureau B"),
        "b1": make_unit("District/Bureau B/Section B1"),
    }
    people = {
        name: make_user(name, unit=units[unit], display_name=name.upper())
        for name, unit in [
            ("a1", "a1"),
            ("a2", "a1"),
            ("a3", "a2"),
            ("a4", "a2"),
            ("b1", "b1"),
            ("b2", "b"),
            ("gone", "a1"),
        ]
    }
    set_cadre(people["a1"], category_id=categories["district_management"].id)
    set_cadre(people["a2"], category_id=categories["civil_servant"].id, rank="科员")
    set_cadre(people["a2"], date_of_birth=date(1960, 5, 1))
    set_cadre(people["a3"], is_reserve=True, rank="科员", date_of_birth=date(1970, 1, 1))
    set_cadre(people["a4"], date_of_birth=date(1995, 1, 1))  # young: at most 40 on 1 Jan
    set_cadre(people["b1"], category_id=categories["civil_servant"].id)
    people["gone"].is_active_account = False

    plan = TrainingYear(year=YEAR, cutoff_month=11, cutoff_day=30)
    db.session.add(plan)
    db.session.flush()
    rules = [
        {"online_hours": 50},
        {"online_hours": 70, "category_id": categories["district_management"].id},
        {"online_hours": 60, "unit_id": units["b"].id},
        {"online_hours": 40, "priority_group": "reserve"},
        {"online_hours": 55, "unit_id": units["a1"].id, "include_sub_units": False, "rank": "科员"},
        {"online_hours": 52, "priority_group": "young"},
    ]
    for fields in rules:
        db.session.add(QuotaRule(training_year_id=plan.id, **fields))

    a1, a2, a3, a4, b1, b2 = (people[n] for n in ("a1", "a2", "a3", "a4", "b1", "b2"))
    credit(a1, 20, date(2024, 3, 2))  # Saturday
    credit(a1, 20, date(2024, 3, 4))  # Monday
    credit(a1, 20, date(2024, 5, 11))  # Saturday
    credit(a1, 15, date(2024, 6, 3))  # Monday
    credit(a1, 10, date(2024, 12, 1))  # after the cut-off: 2025's
    credit(a2, 5, date(2023, 12, 3))  # Sunday, first month of the 2024 window
    credit(a2, 3, date(2024, 3, 4))
    credit(a4, 2, date(2024, 3, 2))
    credit(b1, 60, date(2024, 5, 11))
    credit(b2, 10, date(2023, 11, 30))  # before the window: 2023's
    credit(people["gone"], 5, date(2024, 3, 2))  # inactive: never counted
    db.session.add(
        Exemption(
            user_id=a4.id,
            kind="illness",
            start_date=date(2024, 4, 1),
            end_date=date(2024, 5, 31),
            effect="prorate",
            status="approved",
        )
    )

    c1 = Course(title="C1 Theory", is_published=True)
    c2 = Course(title="C2 Practice", is_published=True)
    c1_lessons = [
        Lesson(course=c1, title="C1 one", duration_seconds=600, position=0),
        Lesson(course=c1, title="C1 two", duration_seconds=600, position=1),
    ]
    c2_lesson = Lesson(course=c2, title="C2 one", duration_seconds=1000, position=0)
    db.session.add_all([c1, c2, *c1_lessons, c2_lesson])
    db.session.flush()
    quiz = Quiz(
        title="C1 test", course_id=c1.id, is_published=True, is_required_for_completion=True
    )
    db.session.add(quiz)
    db.session.flush()
    for user, course, required in [
        (a1, c1, True),
        (a2, c1, True),
        (a3, c1, True),
        (b1, c1, True),
        (a2, c2, False),
        (b2, c2, False),
    ]:
        db.session.add(Enrollment(user_id=user.id, course_id=course.id, is_required=required))
    for lesson in c1_lessons:
        progress(a1, lesson, 600, True)
        progress(b1, lesson, 600, True)
        progress(a3, lesson, 600, True)  # but the required test is not passed
    progress(a2, c1_lessons[0], 600, True)
    progress(a2, c2_lesson, 250, False)
    progress(b2, c2_lesson, 1000, True)
    for user, year, percent, passed in [
        (a1, 2024, 80.0, True),
        (a2, 2024, 40.0, False),
        (b1, 2024, 90.0, True),
        (a3, 2023, 30.0, False),
    ]:
        db.session.add(
            QuizResult(
                user_id=user.id, quiz_id=quiz.id, year=year, percent=percent, is_passed=passed
            )
        )
    db.session.commit()
    return {"units": units, "people": people, "plan": plan, "courses": (c1, c2), "quiz": quiz}


@pytest.fixture
def supervisors(district, make_user):
    units = district["units"]
    return {
        "district": make_user("sup_district", roles=["supervisor"], unit=units["district"]),
        "a": make_user("sup_a", roles=["supervisor"], unit=units["a"]),
        "b": make_user("sup_b", roles=["supervisor"], unit=units["b"]),
    }
