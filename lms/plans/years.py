"""Training years: a year's plan, its settings and its statistics window."""

from datetime import date

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from lms.core import statsyear
from lms.extensions import db
from lms.plans.errors import PlanError
from lms.plans.models import TrainingYear


def get_plan(year: int) -> TrainingYear | None:
    return db.session.scalar(select(TrainingYear).where(TrainingYear.year == year))


def new_plan(year: int) -> TrainingYear:
    """An unsaved plan for ``year`` with the defaults from the settings."""
    config = current_app.config
    month, day = statsyear.setting_cutoff()
    return TrainingYear(
        year=year,
        cutoff_month=month,
        cutoff_day=day,
        hours_per_training_day=float(config["HOURS_PER_TRAINING_DAY"]),
        young_age_limit=int(config["YOUNG_CADRE_AGE"]),
        newly_promoted_months=int(config["NEWLY_PROMOTED_MONTHS"]),
    )


def ensure_plan(year: int) -> TrainingYear:
    """The year's plan, created with the defaults from the settings when missing."""
    plan = get_plan(year)
    if plan is None:
        plan = new_plan(year)
        db.session.add(plan)
        db.session.flush()
    return plan


def update_plan_settings(
    plan: TrainingYear,
    cutoff: str,
    hours_per_training_day: float,
    young_age_limit: int,
    newly_promoted_months: int,
) -> None:
    """Change a plan's cut-off and priority-group parameters."""
    try:
        plan.cutoff_month, plan.cutoff_day = statsyear.parse_cutoff(cutoff)
    except ValueError as exc:
        raise PlanError(_("Give the cut-off as month-day, for example 11-30.")) from exc
    plan.hours_per_training_day = float(hours_per_training_day)
    plan.young_age_limit = int(young_age_limit)
    plan.newly_promoted_months = int(newly_promoted_months)
    db.session.flush()


def plan_cutoff(year: int) -> tuple[int, int] | None:
    """The cut-off of ``year``'s plan, None without one (statsyear's source of cut-offs)."""
    plan = get_plan(year)
    return plan.cutoff if plan else None


def plan_window(plan: TrainingYear) -> tuple[date, date]:
    """The local dates whose hours count toward the plan's figures: from the day after the
    previous year's cut-off (its plan's, else the setting's) through this plan's own."""
    return plan.window_after(statsyear.cutoff_for(plan.year - 1))
