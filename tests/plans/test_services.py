"""Plans against the database: audiences in SQL, statistics windows, the default plan,
quotas for a subtree, assignments made required and kept in step, copying a plan."""

from datetime import date, datetime

import pytest
from sqlalchemy import event, select

from lms.core import statsyear
from lms.courses.models import Enrollment
from lms.extensions import db
from lms.plans import rules
from lms.plans.assignments import (
    SyncResult,
    assigned_quiz_ids,
    assignments_for_user,
    create_assignment,
    delete_assignment,
    sync_assignments,
    year_assignments,
)
from lms.plans.audiences import AudienceInput, audience_user_ids, count_audience
from lms.plans.descriptions import describe_rule
from lms.plans.errors import PlanError
from lms.plans.hours import online_seconds_by_user, required_seconds
from lms.plans.models import Assignment, QuotaRule
from lms.plans.quotas import cadre_facts, quota_for_user, quotas_for_cadres, save_rule
from lms.plans.seeding import copy_plan, seed_default_plan
from lms.plans.years import ensure_plan, get_plan, new_plan, plan_window, update_plan_settings
from lms.quizzes.models import Quiz
from lms.tracking.models import DailyCredit, LessonView
from lms.tracking.progress import credited_seconds

YEAR = 2026


@pytest.fixture
def plan(app):
    plan = ensure_plan(YEAR)
    db.session.commit()
    return plan


def _required(user_id, course_id):
    return db.session.scalar(
        select(Enrollment.is_required).where(
            Enrollment.user_id == user_id, Enrollment.course_id == course_id
        )
    )


# --- audiences: the SQL twin agrees with the pure rules -----------------------------------


def test_sql_audiences_match_the_pure_rules_at_every_edge(tree, make_cadre, category, plan):
    dm = category("district_management")
    people = [
        make_cadre("exactly40", tree["a"], date_of_birth=date(1986, 1, 1)),
        make_cadre("turns41", tree["section"], date_of_birth=date(1985, 1, 1)),
        make_cadre("promoted24", tree["b"], last_promoted_on=date(2024, 1, 1)),
        make_cadre("promoted25", tree["a"], last_promoted_on=date(2023, 12, 31)),
        make_cadre("reserve", tree["section"], "district_management", is_reserve=True),
        make_cadre("key", tree["district"], is_key_position=True, rank="科级"),
        make_cadre("plain", tree["b"], "civil_servant", rank=" 科级"),
    ]
    audiences = [
        AudienceInput(),
        AudienceInput(unit=tree["a"]),
        AudienceInput(unit=tree["a"], include_sub_units=False),
        AudienceInput(category=dm),
        AudienceInput(rank="科级"),
        AudienceInput(unit=tree["district"], category=dm, priority_group=rules.RESERVE),
    ] + [AudienceInput(priority_group=group) for group in rules.PRIORITY_GROUPS]
    for audience_input in audiences:
        audience = audience_input.as_audience()
        in_sql = audience_user_ids(audience, plan)
        in_python = {
            person.id
            for person in people
            if rules.matches(audience, cadre_facts(person), plan.as_of, plan.limits)
        }
        assert in_sql == in_python, audience
        assert count_audience(audience, plan) == len(in_sql)
    young = AudienceInput(priority_group=rules.YOUNG).as_audience()
    assert audience_user_ids(young, plan) == {people[0].id}
    new = AudienceInput(priority_group=rules.NEWLY_PROMOTED).as_audience()
    assert audience_user_ids(new, plan) == {people[2].id}
    assert count_audience(AudienceInput().as_audience(), plan, within=tree["a"]) == 4


def test_inactive_accounts_are_not_counted(tree, make_cadre, plan):
    gone = make_cadre("gone", tree["a"])
    gone.is_active_account = False
    db.session.commit()
    assert count_audience(AudienceInput().as_audience(), plan) == 0


# --- the statistics window -----------------------------------------------------------------


def test_online_hours_of_a_year_respect_the_cutoff(tree, make_cadre, plan):
    cadre = make_cadre("ann", tree["a"])
    for day, hours in [
        (date(2025, 11, 30), 1),  # 2025's figures
        (date(2025, 12, 1), 2),  # after 2025's cut-off: 2026
        (date(2026, 11, 30), 4),  # 2026's cut-off day
        (date(2026, 12, 1), 8),  # 2027
    ]:
        db.session.add(DailyCredit(user_id=cadre.id, local_date=day, seconds=hours * 3600))
    db.session.commit()
    assert credited_seconds(cadre.id, 2026) == 6 * 3600
    assert credited_seconds(cadre.id, 2027) == 8 * 3600
    assert online_seconds_by_user(2026, tree["a"]) == {cadre.id: 6 * 3600}
    assert online_seconds_by_user(2026, tree["b"]) == {}
    assert statsyear.current_year(date(2026, 12, 1)) == 2027
    assert statsyear.current_year(date(2026, 11, 30)) == 2026


def test_a_plans_own_cutoff_moves_the_window(tree, make_cadre, plan):
    cadre = make_cadre("ann", tree["a"])
    db.session.add(DailyCredit(user_id=cadre.id, local_date=date(2026, 12, 15), seconds=3600))
    update_plan_settings(plan, "12-31", 8, 40, 24)
    db.session.commit()
    assert credited_seconds(cadre.id, 2026) == 3600
    with pytest.raises(PlanError):
        update_plan_settings(plan, "13-45", 8, 40, 24)


def test_consecutive_years_with_other_cutoffs_neither_overlap_nor_leave_a_gap(
    tree, make_cadre, plan
):
    from lms.reports.figures import make_context

    cadre = make_cadre("ann", tree["a"])
    db.session.add(DailyCredit(user_id=cadre.id, local_date=date(2026, 12, 15), seconds=3600))
    update_plan_settings(plan, "12-31", 8, 40, 24)  # 2026 runs to 31 December
    db.session.commit()
    # 2027 has no plan: its cut-off is the setting's (30 November), but it starts the day
    # after 2026's own cut-off, so 15 December 2026 counts once, toward 2026.
    assert statsyear.window(2027) == (date(2027, 1, 1), date(2027, 11, 30))
    assert plan_window(new_plan(2027)) == (date(2027, 1, 1), date(2027, 11, 30))
    assert make_context(2027).window == (date(2027, 1, 1), date(2027, 11, 30))
    assert credited_seconds(cadre.id, 2026) == 3600
    assert credited_seconds(cadre.id, 2027) == 0
    assert statsyear.current_year(date(2026, 12, 15)) == 2026


def test_required_hours_follow_local_midnight_at_the_cutoff(tree, make_cadre, course, plan):
    """A view opened 00:30 on 1 December in Shanghai (16:30 UTC the day before) counts toward
    the next year's required hours; one opened at 23:30 on 30 November does not."""
    cadre = make_cadre("ann", tree["a"])
    db.session.add(
        Assignment(training_year_id=plan.id, course_id=course.id, due_on=date(2026, 6, 30))
    )
    lesson = course.lessons[0]
    for opened, seconds in [
        (datetime(2025, 11, 30, 15, 30), 600),
        (datetime(2025, 11, 30, 16, 30), 900),
    ]:
        db.session.add(
            LessonView(
                public_id=f"v{seconds}",
                user_id=cadre.id,
                lesson_id=lesson.id,
                opened_at=opened,
                credited_seconds=seconds,
                played=[],
            )
        )
    db.session.commit()
    assert required_seconds(cadre, 2026) == 900


# --- the default plan and quotas ------------------------------------------------------------


def test_the_default_plan_gives_the_seeded_numbers(tree, make_cadre):
    people = {
        "dm": make_cadre("dm", tree["a"], "district_management"),
        "cs": make_cadre("cs", tree["a"], "civil_servant"),
        "pt": make_cadre("pt", tree["b"], "professional_technical"),
        "village": make_cadre("village", tree["b"], "village"),
        "none": make_cadre("none", tree["section"]),
    }
    plan = seed_default_plan(YEAR)
    db.session.commit()
    quotas = quotas_for_cadres(plan)
    figures = {
        key: (q.online_hours, q.required_hours, q.offline_days)
        for key, q in ((k, quotas[u.id]) for k, u in people.items())
    }
    assert figures == {
        "dm": (70, 20, 0),
        "cs": (50, 10, 60),
        "pt": (50, 10, 60),
        "village": (50, 10, 0),
        "none": (50, 10, 0),
    }
    # Seeding again adds nothing.
    assert len(seed_default_plan(YEAR).quota_rules) == 4
    assert db.session.scalar(select(db.func.count(QuotaRule.id))) == 4
    assert quota_for_user(people["dm"], YEAR).online_hours == 70
    assert quota_for_user(people["dm"], YEAR + 1) is None


def test_quotas_for_a_subtree_take_a_fixed_number_of_queries(tree, make_cadre):
    plan = seed_default_plan(YEAR)
    for number in range(30):
        make_cadre(f"c{number}", tree["section" if number % 2 else "b"], "civil_servant")
    db.session.commit()
    db.session.expire_all()
    plan = get_plan(YEAR)
    statements = []

    def count(*_args):
        statements.append(1)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        quotas = quotas_for_cadres(plan, tree["a"])
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert len(quotas) == 15
    assert len(statements) <= 3  # the rules (with their units) and the cadres' facts


def test_rule_figures_are_checked(tree, plan):
    for online, required, days in [(-1, 0, 0), (10, 11, 0), (10, 0, 400), (0, 0, 0), (3000, 0, 0)]:
        with pytest.raises(PlanError):
            save_rule(plan, None, AudienceInput(), online, required, days)
    db.session.rollback()
    assert db.session.scalar(select(db.func.count(QuotaRule.id))) == 0


def test_rules_read_in_plain_words(tree, category, plan):
    rule = save_rule(
        plan,
        None,
        AudienceInput(unit=tree["a"], category=category("district_management")),
        70,
        20,
        0,
    )
    assert describe_rule(rule, plan) == (
        "District-management cadre, in District/Bureau A and all units below it: "
        "70 online hours, 20 from required courses"
    )
    young = save_rule(plan, None, AudienceInput(priority_group=rules.YOUNG), 0, 0, 60)
    assert describe_rule(young, plan) == (
        "Young cadres (aged 40 or under): 60 training days online and offline"
    )
    everyone = save_rule(
        plan, None, AudienceInput(unit=tree["b"], include_sub_units=False), 50.5, 0, 0
    )
    assert describe_rule(everyone, plan) == (
        "In District/Bureau B only (not its sub-units): 50.5 online hours"
    )


# --- assignments -------------------------------------------------------------------------


@pytest.fixture
def supervisor_a(make_user, tree):
    return make_user("sup_a", roles=["supervisor"], unit=tree["a"])


def test_an_assigned_course_becomes_required_for_the_audience(
    tree, make_cadre, course, plan, supervisor_a
):
    in_a = make_cadre("in_a", tree["a"])
    in_section = make_cadre("in_section", tree["section"])
    in_b = make_cadre("in_b", tree["b"])
    db.session.add(Enrollment(user_id=in_a.id, course_id=course.id, is_required=False))
    db.session.commit()

    create_assignment(
        supervisor_a, plan, AudienceInput(unit=tree["a"]), date(2026, 6, 30), course=course
    )
    result = sync_assignments(YEAR)
    db.session.commit()
    assert (result.enrolled, result.made_required, result.released) == (1, 1, 0)
    assert _required(in_a.id, course.id) is True
    assert _required(in_section.id, course.id) is True
    assert _required(in_b.id, course.id) is None
    assert [a.course_id for a in assignments_for_user(in_section, YEAR)] == [course.id]
    assert assignments_for_user(in_b, YEAR) == []
    # Running it again changes nothing.
    assert sync_assignments(YEAR) == SyncResult()


def test_sync_follows_cadres_who_join_or_leave_the_audience(
    tree, make_cadre, course, plan, supervisor_a
):
    mover = make_cadre("mover", tree["b"])
    leaver = make_cadre("leaver", tree["section"])
    create_assignment(
        supervisor_a, plan, AudienceInput(unit=tree["a"]), date(2026, 6, 30), course=course
    )
    sync_assignments(YEAR)
    mover.unit, leaver.unit = tree["section"], tree["b"]
    db.session.commit()
    result = sync_assignments(YEAR)
    db.session.commit()
    assert (result.enrolled, result.released) == (1, 1)
    assert _required(mover.id, course.id) is True
    assert _required(leaver.id, course.id) is False  # kept, with its progress, as an elective


def test_withdrawing_an_assignment_releases_its_course(tree, make_cadre, make_user, course, plan):
    admin = make_user("boss", roles=["admin"])
    cadre = make_cadre("ann", tree["a"])
    assignment = create_assignment(admin, plan, AudienceInput(), date(2026, 6, 30), course=course)
    sync_assignments(YEAR)
    released = delete_assignment(assignment)
    sync_assignments(YEAR, released_course_ids=released)
    db.session.commit()
    assert _required(cadre.id, course.id) is False


def test_other_years_required_courses_are_left_alone(tree, make_cadre, course, plan):
    cadre = make_cadre("ann", tree["a"])
    db.session.add(Enrollment(user_id=cadre.id, course_id=course.id, is_required=True))
    ensure_plan(YEAR + 1)
    db.session.commit()
    assert sync_assignments(YEAR + 1) == SyncResult()
    assert _required(cadre.id, course.id) is True


def test_a_supervisor_assigns_within_their_subtree_only(
    tree, make_cadre, course, plan, supervisor_a
):
    for audience in (
        AudienceInput(unit=tree["b"]),
        AudienceInput(unit=tree["district"]),
        AudienceInput(),
    ):
        with pytest.raises(PlanError):
            create_assignment(supervisor_a, plan, audience, date(2026, 6, 30), course=course)
    db.session.rollback()
    assert db.session.scalar(select(db.func.count(Assignment.id))) == 0


def test_an_assignment_needs_one_item_and_a_due_date_in_the_year(tree, course, plan, supervisor_a):
    quiz = Quiz(title="Annual exam", is_exam=True, is_published=True)
    db.session.add(quiz)
    db.session.flush()
    cases = [
        {"course": None, "quiz": None, "due_on": date(2026, 6, 30)},
        {"course": course, "quiz": quiz, "due_on": date(2026, 6, 30)},
        {"course": course, "quiz": None, "due_on": None},
        {"course": course, "quiz": None, "due_on": date(2026, 12, 15)},  # after the cut-off
    ]
    for case in cases:
        with pytest.raises(PlanError):
            create_assignment(
                supervisor_a,
                plan,
                AudienceInput(unit=tree["a"]),
                case["due_on"],
                course=case["course"],
                quiz=case["quiz"],
            )


def test_assigned_exams_are_listed_for_their_audience(tree, make_cadre, plan, supervisor_a):
    quiz = Quiz(title="Annual exam", is_exam=True, is_published=True)
    db.session.add(quiz)
    young = make_cadre("young", tree["section"], date_of_birth=date(1990, 5, 1))
    older = make_cadre("older", tree["section"], date_of_birth=date(1970, 5, 1))
    create_assignment(
        supervisor_a,
        plan,
        AudienceInput(unit=tree["a"], priority_group=rules.YOUNG),
        date(2026, 9, 1),
        quiz=quiz,
    )
    db.session.commit()
    assert assigned_quiz_ids(young, YEAR) == {quiz.id}
    assert assigned_quiz_ids(older, YEAR) == set()
    assert [a.quiz_id for a in assignments_for_user(young, YEAR)] == [quiz.id]


# --- copying a plan ------------------------------------------------------------------------


def test_copying_last_years_plan_moves_due_dates_a_year(tree, make_cadre, course, category):
    cadre = make_cadre("ann", tree["a"])
    old = seed_default_plan(YEAR - 1)
    update_plan_settings(old, "12-15", 7.5, 35, 12)
    db.session.add(
        Assignment(
            training_year_id=old.id,
            course_id=course.id,
            unit_id=tree["a"].id,
            include_sub_units=True,
            due_on=date(2025, 6, 30),
        )
    )
    db.session.commit()
    new = copy_plan(YEAR)
    sync_assignments(YEAR)
    db.session.commit()
    assert (new.cutoff, new.hours_per_training_day, new.young_age_limit) == ((12, 15), 7.5, 35)
    assert sorted((r.online_hours, r.category_id) for r in new.quota_rules) == sorted(
        (r.online_hours, r.category_id) for r in old.quota_rules
    )
    copied = year_assignments(YEAR)
    assert [(a.course_id, a.unit_id, a.due_on) for a in copied] == [
        (course.id, tree["a"].id, date(2026, 6, 30))
    ]
    assert _required(cadre.id, course.id) is True
    # Copying into a plan that already has rules is refused; so is copying from nothing.
    with pytest.raises(PlanError):
        copy_plan(YEAR)
    with pytest.raises(PlanError):
        copy_plan(YEAR - 5)
