"""A new year's plan: a copy of last year's, or the default rules."""

from flask_babel import gettext as _
from sqlalchemy import select

from lms.extensions import db
from lms.org.categories import ensure_default_categories
from lms.org.models import CadreCategory
from lms.plans import rules
from lms.plans.assignments import year_assignments
from lms.plans.audiences import AudienceInput
from lms.plans.errors import PlanError
from lms.plans.models import Assignment, QuotaRule, TrainingYear
from lms.plans.quotas import save_rule
from lms.plans.years import ensure_plan, get_plan


def copy_plan(to_year: int, actor=None) -> TrainingYear:
    """Copy last year's plan into ``to_year``: settings, rules, and assignments with their
    due dates moved on a year. The target must not have rules or assignments yet."""
    source = get_plan(to_year - 1)
    if source is None:
        raise PlanError(_("There is no plan for %(year)d to copy.", year=to_year - 1))
    target = get_plan(to_year)
    if target is not None and (target.quota_rules or year_assignments(to_year)):
        raise PlanError(
            _(
                "The plan for %(year)d already has rules or assignments; delete them before "
                "copying.",
                year=to_year,
            )
        )
    target = target or ensure_plan(to_year)
    for name in (
        "cutoff_month",
        "cutoff_day",
        "hours_per_training_day",
        "young_age_limit",
        "newly_promoted_months",
    ):
        setattr(target, name, getattr(source, name))
    audience_columns = ("unit_id", "include_sub_units", "category_id", "rank", "priority_group")
    for rule in source.quota_rules:
        copy = QuotaRule(
            training_year=target,
            online_hours=rule.online_hours,
            required_hours=rule.required_hours,
            offline_days=rule.offline_days,
            **{name: getattr(rule, name) for name in audience_columns},
        )
        db.session.add(copy)
    for assignment in year_assignments(source.year):
        db.session.add(
            Assignment(
                training_year_id=target.id,
                course_id=assignment.course_id,
                quiz_id=assignment.quiz_id,
                due_on=rules.add_years(assignment.due_on, 1),
                created_by_id=actor.id if actor else assignment.created_by_id,
                **{name: getattr(assignment, name) for name in audience_columns},
            )
        )
    db.session.flush()
    db.session.expire(target)
    return target


DISTRICT_MANAGEMENT = "district_management"
# docs/domain.md: "civil servants below department level owe at least two months of training a
# year"; department-level cadres are the district-management category, so these categories
# are the ones below it.
TRAINING_DAY_CATEGORIES = ("civil_servant", "professional_technical")
DEFAULT_ONLINE_HOURS, DEFAULT_REQUIRED_HOURS = 50.0, 10.0
DISTRICT_ONLINE_HOURS, DISTRICT_REQUIRED_HOURS = 70.0, 20.0
DEFAULT_TRAINING_DAYS = 60.0


def default_rule_sources() -> list[tuple[str, str]]:
    """(the default rule in words, where it comes from) for the plan page: a supervisor
    reading the defaults can tell a national minimum from the district's own stricter rule
    (docs/domain.md, "The default plan and where it comes from")."""
    return [
        (
            _(
                "Every cadre: %(online)g online hours a year, %(required)g of them from "
                "required courses.",
                online=DEFAULT_ONLINE_HOURS,
                required=DEFAULT_REQUIRED_HOURS,
            ),
            _(
                "National minimum: at least 50 study hours (学时) of online self-study a year "
                "(National Cadre Education and Training Plan 2023–2027)."
            ),
        ),
        (
            _(
                "District-management cadres: %(online)g online hours, %(required)g of them "
                "from required courses.",
                online=DISTRICT_ONLINE_HOURS,
                required=DISTRICT_REQUIRED_HOURS,
            ),
            _(
                "The district's own rule: each district-management cadre completes the "
                "70-hour online course task every year."
            ),
        ),
        (
            _(
                "Civil servants and professional and technical staff: %(days)g training days "
                "a year, online and offline together.",
                days=DEFAULT_TRAINING_DAYS,
            ),
            _(
                "The district's own rule: civil servants below department level train at "
                "least two months a year. Stricter than the national minimum: at section "
                "level and below, 12 days or 90 study hours of concentrated training a year; "
                "at county level and above, 3 months or 550 study hours in five years "
                "(Regulations on Cadre Education and Training, 2023)."
            ),
        ),
    ]


def seed_default_plan(year: int) -> TrainingYear:
    """The default plan: district-management cadres 70 online hours (20 from required
    courses), everyone else 50 (10); civil servants and professional-technical staff 60
    training days online and offline together. Adds rules only to a plan without any."""
    plan = ensure_plan(year)
    if plan.quota_rules:
        return plan
    ensure_default_categories()
    categories = {c.code: c for c in db.session.scalars(select(CadreCategory))}
    defaults = [
        (None, DEFAULT_ONLINE_HOURS, DEFAULT_REQUIRED_HOURS, 0.0),
        (DISTRICT_MANAGEMENT, DISTRICT_ONLINE_HOURS, DISTRICT_REQUIRED_HOURS, 0.0),
    ] + [(code, 0.0, 0.0, DEFAULT_TRAINING_DAYS) for code in TRAINING_DAY_CATEGORIES]
    for code, online, required, days in defaults:
        save_rule(plan, None, AudienceInput(category=categories.get(code)), online, required, days)
    db.session.expire(plan)
    return plan
