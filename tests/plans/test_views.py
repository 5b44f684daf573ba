"""The plan pages: who may do what, assignment scope, preview, rules in plain words,
copy from last year, and the quota on "My learning" and in the progress API."""

from datetime import date

import pytest
from sqlalchemy import func, select

from lms.core import statsyear
from lms.courses.models import Enrollment
from lms.extensions import db
from lms.plans.assignments import assignments_for_user, create_assignment, sync_assignments
from lms.plans.audiences import AudienceInput
from lms.plans.models import Assignment, QuotaRule
from lms.plans.quotas import quota_for_user
from lms.plans.seeding import seed_default_plan
from lms.plans.years import get_plan, plan_window
from lms.tracking.models import DailyCredit

YEAR = statsyear.current_year  # called inside tests (needs the app)


@pytest.fixture
def people(tree, make_user, make_cadre):
    return {
        "admin": make_user("boss", roles=["admin"]),
        "sup_a": make_user("sup_a", roles=["supervisor"], unit=tree["a"]),
        "sup_b": make_user("sup_b", roles=["supervisor"], unit=tree["b"]),
        "in_a": make_cadre("in_a", tree["section"], "district_management"),
        "in_b": make_cadre("in_b", tree["b"], "civil_servant"),
    }


@pytest.fixture
def plan(app):
    plan = seed_default_plan(YEAR())
    db.session.commit()
    return plan


def _assignment_form(unit, course, due_on, **extra):
    data = {
        "unit_id": str(unit.id),
        "include_sub_units": "y",
        "category_id": "",
        "rank": "",
        "priority_group": "",
        "course_id": str(course.id),
        "quiz_id": "",
        "due_on": due_on.isoformat(),
        "action": "save",
    }
    data.update(extra)
    return data


def _count(model):
    return db.session.scalar(select(func.count(model.id)))


def test_a_supervisor_cannot_assign_to_another_bureau(
    client, login, post, tree, people, plan, course
):
    login(people["sup_a"])
    due = plan_window(plan)[1]
    response = post(f"/plan/{plan.year}/assignments/new", _assignment_form(tree["b"], course, due))
    assert response.status_code == 404
    response = post(
        f"/plan/{plan.year}/assignments/new", _assignment_form(tree["district"], course, due)
    )
    assert response.status_code == 404
    assert _count(Assignment) == 0
    assert _count(Enrollment) == 0


def test_a_supervisor_assigns_a_course_to_their_bureau_in_one_step(
    client, login, post, tree, people, plan, course
):
    login(people["sup_a"])
    response = post(
        f"/plan/{plan.year}/assignments/new",
        _assignment_form(tree["a"], course, plan_window(plan)[1]),
        follow_redirects=True,
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Assigned to 1 cadres" in page
    assert "Party history" in page
    required = db.session.execute(select(Enrollment.user_id, Enrollment.is_required)).all()
    assert required == [(people["in_a"].id, True)]
    # The cadre sees it among their courses as required.
    assert {
        a.course_id for a in assignments_for_user(people["in_a"], plan.year) if a.course_id
    } == {course.id}


def test_preview_counts_the_audience_and_saves_nothing(
    client, login, post, tree, people, plan, course
):
    login(people["sup_a"])
    response = post(
        f"/plan/{plan.year}/assignments/new",
        _assignment_form(tree["a"], course, plan_window(plan)[1], action="preview"),
    )
    assert response.status_code == 200
    assert "This audience matches 1 active cadre." in response.get_data(as_text=True)
    assert _count(Assignment) == 0


def test_bad_assignment_input_is_refused_clearly(client, login, post, tree, people, plan, course):
    login(people["sup_a"])
    response = post(
        f"/plan/{plan.year}/assignments/new",
        _assignment_form(tree["a"], course, date(plan.year + 1, 6, 1)),
    )
    assert response.status_code == 400
    assert "The due date must fall within the plan year" in response.get_data(as_text=True)
    response = post(
        f"/plan/{plan.year}/assignments/new",
        _assignment_form(tree["a"], course, plan_window(plan)[1], course_id=""),
    )
    assert response.status_code == 400
    assert "Choose either a course or an exam." in response.get_data(as_text=True)
    assert _count(Assignment) == 0


def test_supervisors_see_and_withdraw_only_assignments_in_their_scope(
    client, login, post, tree, people, plan, course
):
    mine = create_assignment(
        people["sup_a"],
        plan,
        AudienceInput(unit=tree["a"]),
        plan_window(plan)[1],
        course=course,
    )
    everyone = create_assignment(
        people["admin"], plan, AudienceInput(), plan_window(plan)[1], course=course
    )
    sync_assignments(plan.year)
    db.session.commit()
    mine_id, everyone_id = mine.id, everyone.id

    login(people["sup_b"])
    listing = client.get(f"/plan/{plan.year}/assignments").get_data(as_text=True)
    assert "Bureau A" not in listing  # another bureau's assignment is invisible
    assert "Set above your unit" in listing  # the district-wide one is shown, read-only
    assert post(f"/plan/assignments/{mine_id}/delete").status_code == 404
    assert post(f"/plan/assignments/{everyone_id}/delete").status_code == 404
    assert _count(Assignment) == 2

    post("/logout")
    login(people["sup_a"])
    response = post(f"/plan/assignments/{mine_id}/delete", follow_redirects=True)
    assert "The assignment has been withdrawn." in response.get_data(as_text=True)
    assert _count(Assignment) == 1


def test_admins_edit_rules_and_supervisors_only_read_them(
    client, login, post, tree, people, plan, category
):
    login(people["sup_a"])
    overview = client.get(f"/plan/{plan.year}").get_data(as_text=True)
    assert "District-management cadre: 70 online hours, 20 from required courses" in overview
    assert f"/plan/{plan.year}/rules/new" not in overview
    assert client.get(f"/plan/{plan.year}/rules/new").status_code == 403
    rule_id = plan.quota_rules[0].id
    assert post(f"/plan/rules/{rule_id}/delete").status_code == 403
    assert _count(QuotaRule) == 4


def test_an_admin_adds_a_rule_with_preview_and_checks(
    client, login, post, tree, people, plan, category
):
    login(people["admin"])
    form = {
        "unit_id": str(tree["a"].id),
        "include_sub_units": "y",
        "category_id": str(category("district_management").id),
        "rank": "",
        "priority_group": "",
        "online_hours": "80",
        "required_hours": "90",
        "offline_days": "0",
        "action": "save",
    }
    response = post(f"/plan/{plan.year}/rules/new", form)
    assert response.status_code == 400
    assert "cannot exceed the online hours" in response.get_data(as_text=True)
    assert _count(QuotaRule) == 4

    preview = post(f"/plan/{plan.year}/rules/new", form | {"action": "preview"})
    assert "This audience matches 1 active cadre." in preview.get_data(as_text=True)
    assert _count(QuotaRule) == 4

    response = post(
        f"/plan/{plan.year}/rules/new", form | {"required_hours": "30"}, follow_redirects=True
    )
    page = response.get_data(as_text=True)
    assert (
        "District-management cadre, in District/Bureau A and all units below it: "
        "80 online hours, 30 from required courses" in page
    )
    assert quota_for_user(people["in_a"], plan.year).online_hours == 80

    rule = db.session.scalar(select(QuotaRule).where(QuotaRule.online_hours == 80))
    edit = client.get(f"/plan/rules/{rule.id}/edit").get_data(as_text=True)
    assert 'value="80.0"' in edit or 'value="80"' in edit
    response = post(f"/plan/rules/{rule.id}/delete", follow_redirects=True)
    assert "The rule has been deleted." in response.get_data(as_text=True)
    assert _count(QuotaRule) == 4


def test_an_admin_copies_last_years_plan(client, login, post, tree, people, plan, course):
    login(people["admin"])
    next_year = plan.year + 1
    empty = client.get(f"/plan/{next_year}").get_data(as_text=True)
    assert f"There is no plan for {next_year} yet." in empty
    assert f"Copy the plan of {plan.year}" in empty
    response = post(f"/plan/{next_year}/copy", follow_redirects=True)
    assert f"has been copied into {next_year}" in response.get_data(as_text=True)
    assert len(get_plan(next_year).quota_rules) == 4
    response = post(f"/plan/{next_year}/copy", follow_redirects=True)
    assert "already has rules or assignments" in response.get_data(as_text=True)
    assert len(get_plan(next_year).quota_rules) == 4


def test_an_admin_starts_a_plan_with_settings(client, login, post, people):
    login(people["admin"])
    form = {
        "cutoff": "12-31",
        "hours_per_training_day": "7.5",
        "young_age_limit": "35",
        "newly_promoted_months": "12",
    }
    bad = post("/plan/2030/settings", form | {"cutoff": "13-40"})
    assert bad.status_code == 400
    assert get_plan(2030) is None
    assert post("/plan/2030/settings", form).status_code == 302
    plan = get_plan(2030)
    assert (plan.cutoff, plan.hours_per_training_day, plan.young_age_limit) == (
        (12, 31),
        7.5,
        35,
    )
    assert client.get("/plan/1999").status_code == 404


def test_cadres_have_no_plan_pages(client, login, people, plan):
    login(people["in_a"])
    assert client.get("/plan/").status_code == 403
    assert client.get(f"/plan/{plan.year}/assignments").status_code == 403


def test_my_learning_and_the_api_show_the_quota(client, login, people, plan, course):
    cadre = people["in_a"]
    start, _end = plan_window(plan)
    db.session.add(DailyCredit(user_id=cadre.id, local_date=start, seconds=14 * 3600))
    db.session.commit()
    login(cadre)
    page = client.get("/learning/").get_data(as_text=True)
    assert "14.0 of 70.0 hours" in page
    assert "0.0 of 20.0 hours from required courses" in page
    body = client.get(f"/api/v1/me/progress?year={plan.year}").get_json()
    assert body["quota_hours"] == 70
    assert body["required_hours_done"] == 0
    assert body["counted_hours"] == 14
    assert client.get(f"/api/v1/me/progress?year={plan.year + 5}").get_json()["quota_hours"] is None


def test_the_plan_page_says_where_each_default_rule_comes_from(client, login, people, plan):
    """Issue 14: "60 training days" follows the district's own rule, not a national one; the
    page says so for each default rule, beside the national minimums (in both languages)."""
    login(people["sup_a"])
    page = client.get(f"/plan/{plan.year}", headers={"Accept-Language": "en"}).get_data(
        as_text=True
    )
    sources = page[page.index("Where the default rules come from") :]
    sources = sources[: sources.index("</details>")]
    for rule, source in (
        ("Every cadre: 50 online hours a year, 10 of them", "at least 50 study hours"),
        ("District-management cadres: 70 online hours, 20 of them", "70-hour online course task"),
        ("60 training days a year, online and offline together", "at least two months a year"),
    ):
        assert rule in sources and source in sources, rule
    assert "12 days or 90 study hours" in sources and "550 study hours in five years" in sources
    chinese = client.get(f"/plan/{plan.year}", headers={"Accept-Language": "zh-CN"})
    assert "默认规则的依据" in chinese.get_data(as_text=True)
