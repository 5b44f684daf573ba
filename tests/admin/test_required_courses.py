"""Creating, editing, deactivating a cadre on the admin's pages brings the year's assigned
courses along (the pages queue the sync; the queue's consumer runs it)."""

import pytest
from sqlalchemy import select

from lms.accounts.models import User
from lms.core import statsyear
from lms.courses.models import Course, Enrollment
from lms.extensions import db
from lms.org.categories import ensure_default_categories, find_category
from lms.plans.assignments import create_assignment, sync_assignments
from lms.plans.audiences import AudienceInput
from lms.plans.years import ensure_plan, plan_window
from tests.admin.conftest import form_data
from tests.conftest import run_queued_jobs


@pytest.fixture
def assigned(app, admin, make_unit):
    """A course assigned this statistics year to district-management cadres."""
    ensure_default_categories()
    course = Course(title="Party history", is_published=True)
    db.session.add(course)
    plan = ensure_plan(statsyear.current_year())
    audience = AudienceInput(category=find_category("district_management"))
    create_assignment(admin, plan, audience, plan_window(plan)[1], course=course)
    db.session.commit()
    return course


def required(username, course) -> bool | None:
    user = db.session.scalar(select(User).where(User.username == username))
    return db.session.scalar(
        select(Enrollment.is_required).where(
            Enrollment.user_id == user.id, Enrollment.course_id == course.id
        )
    )


def cadre_form(unit, category, **overrides):
    return form_data(
        username="ann",
        display_name="Ann Li",
        roles=["cadre"],
        unit_id=str(unit.id),
        password="a-good-password",
        personnel_number="A-1",
        category_id=str(category.id) if category else "",
        **overrides,
    )


def test_created_and_edited_cadres_follow_the_assignment(app, post, assigned, make_unit):
    unit = make_unit("District/Finance Bureau")
    manager = find_category("district_management")
    clerk = find_category("civil_servant")

    assert post("/admin/users/new", cadre_form(unit, manager)).status_code == 302
    assert run_queued_jobs(app) == ["plans.sync_year"]
    assert required("ann", assigned) is True

    ann = db.session.scalar(select(User).where(User.username == "ann"))
    edited = cadre_form(unit, clerk)
    del edited["password"]
    assert post(f"/admin/users/{ann.id}/edit", edited).status_code == 302
    assert run_queued_jobs(app) == ["plans.sync_year"]
    assert required("ann", assigned) is False  # kept as an elective

    edited = cadre_form(unit, manager)
    del edited["password"]
    post(f"/admin/users/{ann.id}/edit", edited)
    run_queued_jobs(app)
    assert required("ann", assigned) is True


def test_deactivation_releases_and_reactivation_restores(app, post, assigned, make_user):
    ann = make_user("ann", roles=["cadre"])
    ann.cadre.category = find_category("district_management")
    db.session.commit()
    sync_assignments(statsyear.current_year())
    db.session.commit()
    assert required("ann", assigned) is True

    post(f"/admin/users/{ann.id}/deactivate", token_page=f"/admin/users/{ann.id}")
    assert run_queued_jobs(app) == ["plans.sync_year"]
    assert required("ann", assigned) is False

    post(f"/admin/users/{ann.id}/reactivate", token_page=f"/admin/users/{ann.id}")
    assert run_queued_jobs(app) == ["plans.sync_year"]
    assert required("ann", assigned) is True


def test_a_user_without_a_cadre_record_queues_nothing(app, post, assigned):
    # No password given: the user is created and the one-time password page shown.
    assert post("/admin/users/new", form_data(username="teach")).status_code == 200
    assert db.session.scalar(select(User).where(User.username == "teach")).cadre is None
    assert run_queued_jobs(app) == []


def test_a_moved_unit_brings_its_cadres_into_the_assigned_audience(
    app, post, admin, make_unit, make_user
):
    course = Course(title="Rural revitalisation", is_published=True)
    db.session.add(course)
    county = make_unit("County")
    plan = ensure_plan(statsyear.current_year())
    create_assignment(admin, plan, AudienceInput(unit=county), plan_window(plan)[1], course=course)
    township = make_unit("Township")
    make_user("village_head", unit=make_unit("Township/Village"))
    db.session.commit()
    sync_assignments(statsyear.current_year())
    db.session.commit()
    assert required("village_head", course) is None

    response = post(f"/org/units/{township.id}/move", {"new_parent_id": str(county.id)})
    assert response.status_code == 302
    assert run_queued_jobs(app) == ["plans.sync_year"]
    assert required("village_head", course) is True
