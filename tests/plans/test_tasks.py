"""The nightly sync of the year's assigned courses, run as the queue's scheduler runs it."""

from datetime import datetime

import pytest
from sqlalchemy import select

from lms.core import statsyear
from lms.core.queue import get_huey
from lms.core.timeutil import local_today
from lms.courses.models import Enrollment, Lesson
from lms.extensions import db
from lms.plans.assignments import create_assignment, sync_assignments
from lms.plans.audiences import AudienceInput
from lms.plans.years import ensure_plan, plan_window
from lms.tracking.models import DailyCredit, LessonProgress
from lms.tracking.progress import credited_seconds


def run_nightly_jobs(app) -> list[str]:
    """Run what the scheduler starts at 18:30 UTC (02:30 in Beijing), as a consumer would."""
    db.session.commit()
    huey = get_huey(app)
    ran = []
    for task in huey.read_periodic(datetime(2026, 3, 4, 18, 30)):
        if task.name.endswith("plans.sync_daily"):
            ran.append("plans.sync_daily")
            huey.execute(task)
    db.session.expire_all()
    return ran


def required(user, course) -> bool | None:
    return db.session.scalar(
        select(Enrollment.is_required).where(
            Enrollment.user_id == user.id, Enrollment.course_id == course.id
        )
    )


@pytest.fixture
def for_district_management(tree, make_user, category, course):
    """This statistics year, the course is assigned to district-management cadres."""
    plan = ensure_plan(statsyear.current_year())
    admin = make_user("boss", roles=["admin"])
    create_assignment(
        admin,
        plan,
        AudienceInput(category=category("district_management")),
        plan_window(plan)[1],
        course=course,
    )
    db.session.commit()
    return plan


def test_the_nightly_sync_follows_a_changed_category(
    app, tree, make_cadre, category, course, for_district_management
):
    joiner = make_cadre("joiner", tree["a"], "civil_servant")
    leaver = make_cadre("leaver", tree["b"], "district_management")
    sync_assignments(for_district_management.year)
    db.session.commit()
    assert (required(joiner, course), required(leaver, course)) == (None, True)

    # The leaver studied the course; both categories change outside any page that syncs.
    lesson = db.session.scalar(select(Lesson).where(Lesson.course_id == course.id))
    db.session.add_all(
        [
            LessonProgress(
                user_id=leaver.id,
                lesson_id=lesson.id,
                coverage=[[0, 1800]],
                credited_seconds=1800.0,
                position_seconds=1800.0,
            ),
            DailyCredit(user_id=leaver.id, local_date=local_today(), seconds=1800),
        ]
    )
    joiner.cadre.category = category("district_management")
    leaver.cadre.category = category("civil_servant")
    db.session.commit()
    hours_before = credited_seconds(leaver.id, for_district_management.year)

    assert run_nightly_jobs(app) == ["plans.sync_daily"]
    assert required(joiner, course) is True
    # No longer in the audience: the course stays in "My courses" as an elective, and what
    # was watched stays watched and counted.
    assert required(leaver, course) is False
    progress = db.session.scalar(select(LessonProgress).where(LessonProgress.user_id == leaver.id))
    assert (progress.credited_seconds, progress.coverage) == (1800.0, [[0, 1800]])
    assert credited_seconds(leaver.id, for_district_management.year) == hours_before
    assert hours_before == 1800.0

    # Nothing changed since: the next night changes nothing.
    assert run_nightly_jobs(app) == ["plans.sync_daily"]
    assert (required(joiner, course), required(leaver, course)) == (True, False)
