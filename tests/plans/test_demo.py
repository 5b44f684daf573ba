"""seed-demo brings this year's plan: the default rules and an assigned, required course."""

from sqlalchemy import func, select

from lms.core import statsyear
from lms.courses.models import Enrollment
from lms.demo.services import seed_demo
from lms.extensions import db
from lms.plans.assignments import year_assignments
from lms.plans.models import Assignment
from lms.plans.quotas import quotas_for_cadres
from lms.plans.years import get_plan


def test_the_demo_has_a_plan_with_a_required_course(app):
    summary = seed_demo(with_media=False)
    db.session.commit()
    year = statsyear.current_year()
    plan = get_plan(year)
    assert f"the {year} plan with 4 quota rules" in summary
    assignments = year_assignments(year)
    course_ids = {a.course_id for a in assignments if a.course_id}
    assert len(course_ids) == 1
    required = db.session.scalar(
        select(func.count(Enrollment.id)).where(
            Enrollment.course_id.in_(course_ids), Enrollment.is_required.is_(True)
        )
    )
    assert required == 20  # every demo cadre is below the root unit
    quotas = quotas_for_cadres(plan)
    assert sorted({q.online_hours for q in quotas.values()}) == [50, 70]

    seed_demo(with_media=False)  # again: nothing doubles
    db.session.commit()
    # Counted in this year's plan: seeded in the assessment season, the closed year has its own.
    assert db.session.scalar(
        select(func.count(Assignment.id)).where(Assignment.training_year_id == plan.id)
    ) == len(assignments)
    assert len(get_plan(year).quota_rules) == 4
