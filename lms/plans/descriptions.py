"""Plans in plain words: audiences, quota figures and rules as the pages show them."""

from babel.numbers import format_decimal
from flask_babel import gettext as _

from lms.core.i18n import current_locale
from lms.plans import rules
from lms.plans.models import QuotaRule, TrainingYear


def format_number(value: float) -> str:
    return format_decimal(value, format="0.#", locale=current_locale())


def priority_group_labels(limits: rules.Limits) -> dict[str, str]:
    return {
        rules.RESERVE: _("reserve cadres"),
        rules.YOUNG: _("young cadres (aged %(age)d or under)", age=limits.young_age_limit),
        rules.NEWLY_PROMOTED: _(
            "newly promoted cadres (within %(months)d months)",
            months=limits.newly_promoted_months,
        ),
        rules.KEY_POSITION: _("cadres in key positions"),
    }


def describe_audience(target, limits: rules.Limits) -> str:
    """An audience in plain words, e.g. "District-management cadre, in 区委组织部 and below"."""
    parts = [target.category.display_name(current_locale()) if target.category else None]
    if target.priority_group:
        parts.append(priority_group_labels(limits).get(target.priority_group))
    if target.rank:
        parts.append(_("rank %(rank)s", rank=target.rank))
    if target.unit is not None:
        if target.include_sub_units:
            parts.append(_("in %(unit)s and all units below it", unit=target.unit.name_path))
        else:
            parts.append(_("in %(unit)s only (not its sub-units)", unit=target.unit.name_path))
    text = _(", ").join(part for part in parts if part)
    return text[:1].upper() + text[1:] if text else _("Everyone")


def describe_figures(rule: QuotaRule) -> str:
    parts = []
    if rule.online_hours:
        parts.append(_("%(hours)s online hours", hours=format_number(rule.online_hours)))
        if rule.required_hours:
            parts.append(
                _("%(hours)s from required courses", hours=format_number(rule.required_hours))
            )
    if rule.offline_days:
        parts.append(
            _(
                "%(days)s training days online and offline",
                days=format_number(rule.offline_days),
            )
        )
    return _(", ").join(parts)


def describe_rule(rule: QuotaRule, plan: TrainingYear) -> str:
    """A rule in plain words: who, then what they owe."""
    return _(
        "%(audience)s: %(figures)s",
        audience=describe_audience(rule, plan.limits),
        figures=describe_figures(rule),
    )
