"""SQL building blocks of the reports: the greatest-of function, quotas and the forecast in SQL.

No Flask here. Each expression is the SQL twin of a pure function elsewhere
(``plans.rules.resolve_quota``, ``tracking.forecast.forecast``) built from the same inputs,
so a test can hold the database's answer against the pure one for the same cadres.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import Float, case, literal
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import GenericFunction

from lms.core.statsyear import just_begun
from lms.plans.rules import Audience, Limits
from lms.tracking.forecast import Outlook, recent_window, weekends_between

EXEMPT = "exempt"  # an approved exemption overlaps the year: no forecast


class greatest(GenericFunction):
    """The largest of its arguments: ``greatest`` on PostgreSQL, multi-argument ``max`` on
    SQLite (where ``max(a, b, ...)`` with several arguments is a scalar function)."""

    type = Float()
    name = "greatest"
    inherit_cache = True


@compiles(greatest, "sqlite")
def _greatest_sqlite(element, compiler, **kw):
    return f"max({compiler.process(element.clauses, **kw)})"


def quota_expression(quota_rules, as_of: date, limits: Limits, audience_clause):
    """The online-hour quota of the cadre on the current row: the highest ``online_hours``
    of the rules whose audience holds (docs/domain.md: "a cadre in several groups owes the
    highest quota that applies"), 0 when none does.

    ``quota_rules`` are (Audience, online_hours) pairs; ``audience_clause`` is
    ``plans.audiences.audience_clause`` (the SQL twin of ``rules.matches``).
    """
    cases = [
        case(
            (audience_clause(audience, as_of, limits), literal(float(hours), Float)),
            else_=literal(0.0, Float),
        )
        for audience, hours in quota_rules
    ]
    if not cases:
        return literal(0.0, Float)
    return cases[0] if len(cases) == 1 else greatest(*cases)


def rule_pairs(plan) -> list[tuple[Audience, float]]:
    """(audience, online hours) of a plan's quota rules (none for a plan not saved yet)."""
    return [(rule.audience, rule.online_hours) for rule in plan.quota_rules]


@dataclass(frozen=True)
class ForecastClock:
    """What the forecast needs besides a cadre's own figures; the same for every cadre.

    Computed as ``lms.plans.quotas.forecast_for`` does for one cadre: the pace of the
    last ``weeks`` weeks (within the statistics window) projected to the cut-off.
    """

    today: date  # today, kept inside the window (a past year is seen from its cut-off)
    cutoff: date
    recent_from: date
    recent_days: int
    days_left: int
    weekends: int
    weekend_limit_hours: float
    is_early: bool = False  # the year has just begun: no pace to project yet

    @classmethod
    def of(cls, window: tuple[date, date], today: date, weeks: int, limit: float):
        end = window[1]
        today, recent_from = recent_window(window, today, weeks)
        return cls(
            today=today,
            cutoff=end,
            recent_from=recent_from,
            recent_days=(today - recent_from).days + 1,
            days_left=max(0, (end - today).days),
            weekends=weekends_between(today + timedelta(days=1), end),
            weekend_limit_hours=float(limit),
            is_early=just_begun(window, today, weeks * 7),
        )


def outlook_expression(done, quota, recent, is_exempt, clock: ForecastClock):
    """``tracking.forecast.forecast(...).outlook`` as a CASE over the row's hours done, quota,
    recent hours and exemption flag; the arithmetic follows the pure function's order."""
    pace = recent / float(clock.recent_days) * 7.0
    projected = done + pace * float(clock.days_left) / 7.0
    whens = [
        (is_exempt == 1, EXEMPT),
        (quota <= 0, Outlook.NO_QUOTA.value),
        (done >= quota, Outlook.MET.value),
    ]
    if clock.is_early:
        return case(*whens, else_=Outlook.EARLY.value)
    whens.append((projected >= quota, Outlook.ON_TRACK.value))
    if clock.weekends:
        per_weekend = (quota - done) / float(clock.weekends)
        whens.append((per_weekend <= clock.weekend_limit_hours, Outlook.AT_RISK.value))
    return case(*whens, else_=Outlook.BEHIND.value)
