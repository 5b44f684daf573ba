"""The plan's rules as pure functions: audiences, priority groups, quotas (the statistics
year is lms.core.statsyear's).

No Flask or database here. The services feed these functions compact facts loaded in one
query and build SQL filters from the same boundary dates (``young_born_after``,
``promoted_since``), so the Python and the SQL answers agree by construction.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from lms.core.statsyear import clamp_date

# The four priorities of docs/domain.md: "reserve cadres, young cadres, newly promoted cadres,
# cadres in key positions".
RESERVE, YOUNG, NEWLY_PROMOTED, KEY_POSITION = "reserve", "young", "newly_promoted", "key_position"
PRIORITY_GROUPS = (RESERVE, YOUNG, NEWLY_PROMOTED, KEY_POSITION)


# --- dates -------------------------------------------------------------------------------


def add_months(value: date, months: int) -> date:
    """``value`` moved by whole months; the day is cut to the target month's length."""
    index = value.year * 12 + value.month - 1 + months
    return clamp_date(index // 12, index % 12 + 1, value.day)


def add_years(value: date, years: int) -> date:
    return add_months(value, 12 * years)


# --- audiences and priority groups ---------------------------------------------------------


@dataclass(frozen=True)
class Limits:
    """The plan's priority-group parameters."""

    young_age_limit: int = 40
    newly_promoted_months: int = 24


@dataclass(frozen=True)
class Audience:
    """Who a rule or assignment is for; every criterion given must hold (none: everyone)."""

    unit_id: int | None = None
    unit_tree_path: str | None = None  # the unit's "/1/4/" path, for "and all below it"
    include_sub_units: bool = True
    category_id: int | None = None
    rank: str | None = None
    priority_group: str | None = None


@dataclass(frozen=True)
class CadreFacts:
    """What the rules look at for one cadre (one row of one query)."""

    user_id: int
    unit_id: int | None
    unit_tree_path: str | None
    category_id: int | None = None
    rank: str | None = None
    date_of_birth: date | None = None
    is_reserve: bool = False
    last_promoted_on: date | None = None
    is_key_position: bool = False


def young_born_after(as_of: date, age_limit: int) -> date:
    """A cadre is young when born after this date: aged at most ``age_limit`` on ``as_of``.

    Aged at most 40 means not yet 41: the 41st birthday falls after ``as_of``.
    """
    return add_years(as_of, -(age_limit + 1))


def promoted_since(as_of: date, months: int) -> date:
    """A cadre promoted on or after this date is newly promoted (within ``months``)."""
    return add_months(as_of, -months)


def in_priority_group(group: str, facts: CadreFacts, as_of: date, limits: Limits) -> bool:
    if group == RESERVE:
        return bool(facts.is_reserve)
    if group == KEY_POSITION:
        return bool(facts.is_key_position)
    if group == YOUNG:
        born = facts.date_of_birth
        return born is not None and born > young_born_after(as_of, limits.young_age_limit)
    if group == NEWLY_PROMOTED:
        promoted = facts.last_promoted_on
        return promoted is not None and promoted >= promoted_since(
            as_of, limits.newly_promoted_months
        )
    raise ValueError(f"unknown priority group {group!r}")


def normalize_rank(rank: str | None) -> str:
    return (rank or "").strip()


def matches(audience: Audience, facts: CadreFacts, as_of: date, limits: Limits = Limits()) -> bool:
    """Whether the cadre belongs to the audience, with priority groups as of ``as_of``."""
    if audience.unit_id is not None:
        if audience.include_sub_units:
            path = facts.unit_tree_path or ""
            if not path.startswith(audience.unit_tree_path or "\0"):
                return False
        elif facts.unit_id != audience.unit_id:
            return False
    if audience.category_id is not None and facts.category_id != audience.category_id:
        return False
    if normalize_rank(audience.rank) and normalize_rank(facts.rank) != normalize_rank(
        audience.rank
    ):
        return False
    group = audience.priority_group
    return not group or in_priority_group(group, facts, as_of, limits)


# --- quotas ------------------------------------------------------------------------------


@dataclass(frozen=True)
class RuleFigures:
    """One quota rule: its audience and what that audience owes."""

    id: int
    audience: Audience
    online_hours: float = 0.0
    required_hours: float = 0.0
    offline_days: float = 0.0


@dataclass(frozen=True)
class Quota:
    """What a cadre owes in a year, and the rules that apply to them."""

    online_hours: float = 0.0
    required_hours: float = 0.0
    offline_days: float = 0.0
    rule_ids: tuple[int, ...] = ()


def resolve_quota(
    rules: Iterable[RuleFigures], facts: CadreFacts, as_of: date, limits: Limits = Limits()
) -> Quota:
    """The highest of each figure over the rules that match (docs/domain.md: "a cadre in several
    groups owes the highest quota that applies"); each figure is maximized on its own."""
    matched = [rule for rule in rules if matches(rule.audience, facts, as_of, limits)]
    if not matched:
        return Quota()
    return Quota(
        online_hours=max(rule.online_hours for rule in matched),
        required_hours=max(rule.required_hours for rule in matched),
        offline_days=max(rule.offline_days for rule in matched),
        rule_ids=tuple(rule.id for rule in matched),
    )


def reference_date(year: int) -> date:
    """The date priority groups are computed on: the first day of the plan year.

    Fixed for the whole year, so a cadre does not leave the "young" group on their birthday
    in June; a promotion during the year counts at once (newly promoted means promoted on
    or after the date ``promoted_since`` gives, later dates included).
    """
    return date(year, 1, 1)
