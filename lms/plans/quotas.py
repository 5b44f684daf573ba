"""Quotas: the facts the rules look at, a cadre's quota and forecast, editing quota rules.

Many-cadre quotas (several rules, highest of each figure) are answered without a query per
cadre: the facts the rules look at are loaded for the whole subtree in one narrow query and
the pure ``rules.resolve_quota`` is applied in Python. Rules are few and cadres many, so this
is one scan; the pure function stays the single definition of "highest of each figure".
"""

from collections import defaultdict
from datetime import date

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from lms.accounts.models import User
from lms.core import statsyear
from lms.extensions import db
from lms.offline.figures import exempt_user_ids_query, quota_factors
from lms.org.models import Cadre, Unit
from lms.plans import rules
from lms.plans.audiences import AudienceInput, apply_audience, count_audience
from lms.plans.errors import PlanError
from lms.plans.hours import required_seconds
from lms.plans.models import QuotaRule, TrainingYear
from lms.plans.years import get_plan
from lms.tracking.forecast import forecast, recent_window
from lms.tracking.models import DailyCredit
from lms.tracking.progress import credited_seconds

MAX_ONLINE_HOURS = 2000
MAX_OFFLINE_DAYS = 366


def _facts_query():
    return (
        select(
            User.id,
            User.unit_id,
            Unit.tree_path,
            Cadre.category_id,
            Cadre.rank,
            Cadre.date_of_birth,
            Cadre.is_reserve,
            Cadre.last_promoted_on,
            Cadre.is_key_position,
        )
        .join(User, User.id == Cadre.user_id)
        .outerjoin(Unit, Unit.id == User.unit_id)
    )


def cadre_facts(user) -> rules.CadreFacts | None:
    """The facts the rules look at for one user (None when they have no cadre record)."""
    row = db.session.execute(_facts_query().where(User.id == user.id)).first()
    return rules.CadreFacts(*row) if row else None


def facts_in_subtree(unit: Unit | None = None) -> list[rules.CadreFacts]:
    """Facts of every active cadre below ``unit`` (everyone: None), in one query."""
    query = _facts_query().where(User.is_active_account.is_(True))
    if unit is not None:
        query = query.where(Unit.tree_path.like(unit.tree_path + "%"))
    return [rules.CadreFacts(*row) for row in db.session.execute(query)]


def rule_figures(plan: TrainingYear) -> list[rules.RuleFigures]:
    return [rule.figures for rule in plan.quota_rules]


def quotas_for_cadres(plan: TrainingYear, unit: Unit | None = None) -> dict[int, rules.Quota]:
    """Every active cadre's quota in a subtree, by user id: one query, then the pure rules."""
    figures = rule_figures(plan)
    return {
        facts.user_id: rules.resolve_quota(figures, facts, plan.as_of, plan.limits)
        for facts in facts_in_subtree(unit)
    }


def quota_for_user(user, year: int) -> rules.Quota | None:
    """A cadre's quota for ``year``; None when the year has no plan or they are no cadre."""
    plan = get_plan(year)
    facts = cadre_facts(user)
    if plan is None or facts is None:
        return None
    return rules.resolve_quota(rule_figures(plan), facts, plan.as_of, plan.limits)


def quota_summary(user, year: int) -> dict:
    """The quota figures the API and "My learning" show beside a year's hours.

    ``counted_hours`` are the hours in the year's statistics window (the cut-off applied),
    the figure the quota is measured against; ``quota_hours`` is None without a plan. An
    approved exemption reduces the quota in proportion to the part of the year it covers
    (to 0 when it waives the year), as the assessment counts it.
    """
    quota = quota_for_user(user, year)
    factor = quota_factors([user.id], *statsyear.window(year)).get(user.id, 1.0) if quota else 1
    return {
        "quota_hours": round(quota.online_hours * factor, 1) if quota else None,
        "required_quota_hours": round(quota.required_hours * factor, 1) if quota else None,
        "required_hours_done": round(required_seconds(user, year) / 3600, 1),
        "counted_hours": round(credited_seconds(user.id, year) / 3600, 1),
    }


def forecast_for(user, today: date, year: int | None = None):
    """A cadre's forecast for ``year`` (default: the one ``today`` counts toward), or None.

    None when the year has no online quota for them, or an approved exemption overlaps the
    year (an exempted cadre owes a reduced or no quota: no forecast, as on the dashboards).
    A past year is seen from its cut-off, a future one from its first day.
    """
    year = year or statsyear.current_year(today)
    quota = quota_for_user(user, year)
    if quota is None or quota.online_hours <= 0:
        return None
    start, end = statsyear.window(year)
    exempt = exempt_user_ids_query(start, end)
    if db.session.scalar(exempt.where(exempt.selected_columns.user_id == user.id)) is not None:
        return None
    weeks = current_app.config["FORECAST_WEEKS"]
    today, recent_from = recent_window((start, end), today, weeks)
    rows = db.session.execute(
        select(DailyCredit.local_date, DailyCredit.seconds).where(
            DailyCredit.user_id == user.id,
            DailyCredit.local_date >= start,
            DailyCredit.local_date <= today,
        )
    ).all()
    done = sum(seconds for _day, seconds in rows) / 3600
    recent = sum(seconds for day, seconds in rows if day >= recent_from) / 3600
    return forecast(
        done_hours=round(done, 2),
        quota_hours=quota.online_hours,
        recent_hours=recent,
        recent_days=(today - recent_from).days + 1,
        today=today,
        cutoff=end,
        weekend_limit_hours=current_app.config["WEEKEND_HOURS_LIMIT"],
        is_early=statsyear.just_begun((start, end), today, weeks * 7),
    )


def _check_figures(online_hours: float, required_hours: float, offline_days: float) -> None:
    if not 0 <= online_hours <= MAX_ONLINE_HOURS:
        raise PlanError(_("Online hours must be between 0 and %(max)d.", max=MAX_ONLINE_HOURS))
    if not 0 <= required_hours <= online_hours:
        raise PlanError(_("The hours from required courses cannot exceed the online hours."))
    if not 0 <= offline_days <= MAX_OFFLINE_DAYS:
        raise PlanError(_("Training days must be between 0 and %(max)d.", max=MAX_OFFLINE_DAYS))
    if online_hours == 0 and offline_days == 0:
        raise PlanError(_("A rule must ask for online hours or training days."))


def save_rule(
    plan: TrainingYear,
    rule: QuotaRule | None,
    audience: AudienceInput,
    online_hours: float,
    required_hours: float,
    offline_days: float,
) -> QuotaRule:
    """Create (``rule`` None) or change a quota rule of ``plan``."""
    _check_figures(float(online_hours), float(required_hours), float(offline_days))
    if rule is None:
        rule = QuotaRule(training_year=plan)
        db.session.add(rule)
    apply_audience(rule, audience)
    rule.online_hours = float(online_hours)
    rule.required_hours = float(required_hours)
    rule.offline_days = float(offline_days)
    db.session.flush()
    return rule


def delete_rule(rule: QuotaRule) -> None:
    db.session.delete(rule)
    db.session.flush()


def rule_cadre_counts(plan: TrainingYear, within: Unit | None = None) -> dict[int, int]:
    """How many active cadres each rule matches (one count per rule; rules are few)."""
    return {rule.id: count_audience(rule.audience, plan, within) for rule in plan.quota_rules}


def quota_distribution(quotas: dict[int, rules.Quota]) -> dict[float, int]:
    """Cadres per online-hour quota (a small summary for the overview)."""
    counts: dict[float, int] = defaultdict(int)
    for quota in quotas.values():
        counts[quota.online_hours] += 1
    return dict(sorted(counts.items()))
