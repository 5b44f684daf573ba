"""Audiences: who a quota rule or an assignment reaches, as submitted and in SQL.

Who is in one audience (preview counts, enrolments for assignments, hours in required
courses) is answered by the database: the audience becomes a SQL condition
(``audience_clause``) built from the same boundary dates as the pure ``rules.matches``, so the
database counts, selects and sums; a test checks both agree.
"""

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import and_, false, func, select, true

from lms.accounts.models import User
from lms.extensions import db
from lms.org.models import Cadre, CadreCategory, Unit
from lms.plans import rules
from lms.plans.errors import PlanError
from lms.plans.models import TrainingYear

MAX_RANK = 100


@dataclass
class AudienceInput:
    """An audience as submitted: objects already looked up, text not yet checked."""

    unit: Unit | None = None
    include_sub_units: bool = True
    category: CadreCategory | None = None
    rank: str | None = None
    priority_group: str | None = None

    def as_audience(self) -> rules.Audience:
        return rules.Audience(
            unit_id=self.unit.id if self.unit else None,
            unit_tree_path=self.unit.tree_path if self.unit else None,
            include_sub_units=self.include_sub_units,
            category_id=self.category.id if self.category else None,
            rank=rules.normalize_rank(self.rank) or None,
            priority_group=self.priority_group or None,
        )


def apply_audience(target, audience: AudienceInput) -> None:
    """Check an audience and set it on a quota rule or an assignment."""
    rank = rules.normalize_rank(audience.rank)
    if len(rank) > MAX_RANK:
        raise PlanError(_("A rank can have at most %(count)d characters.", count=MAX_RANK))
    if audience.priority_group and audience.priority_group not in rules.PRIORITY_GROUPS:
        raise PlanError(_("Choose one of the priority groups."))
    target.unit = audience.unit
    target.unit_id = audience.unit.id if audience.unit else None
    target.include_sub_units = bool(audience.include_sub_units)
    target.category = audience.category
    target.category_id = audience.category.id if audience.category else None
    target.rank = rank or None
    target.priority_group = audience.priority_group or None


def audience_clause(audience: rules.Audience, as_of: date, limits: rules.Limits):
    """The SQL twin of ``rules.matches`` over Cadre joined with User and Unit."""
    conditions = []
    if audience.unit_id is not None:
        if audience.include_sub_units:
            conditions.append(Unit.tree_path.like((audience.unit_tree_path or "\0") + "%"))
        else:
            conditions.append(User.unit_id == audience.unit_id)
    if audience.category_id is not None:
        conditions.append(Cadre.category_id == audience.category_id)
    if rules.normalize_rank(audience.rank):
        conditions.append(func.trim(Cadre.rank) == rules.normalize_rank(audience.rank))
    group = audience.priority_group
    if group == rules.RESERVE:
        conditions.append(Cadre.is_reserve.is_(True))
    elif group == rules.KEY_POSITION:
        conditions.append(Cadre.is_key_position.is_(True))
    elif group == rules.YOUNG:
        conditions.append(
            Cadre.date_of_birth > rules.young_born_after(as_of, limits.young_age_limit)
        )
    elif group == rules.NEWLY_PROMOTED:
        conditions.append(
            Cadre.last_promoted_on >= rules.promoted_since(as_of, limits.newly_promoted_months)
        )
    elif group:
        conditions.append(false())
    return and_(*conditions) if conditions else true()


def _audience_users(audience: rules.Audience, plan: TrainingYear):
    """A select of the active cadres' user ids in the audience."""
    return (
        select(User.id)
        .select_from(Cadre)
        .join(User, User.id == Cadre.user_id)
        .outerjoin(Unit, Unit.id == User.unit_id)
        .where(User.is_active_account.is_(True))
        .where(audience_clause(audience, plan.as_of, plan.limits))
    )


def count_audience(audience: rules.Audience, plan: TrainingYear, within: Unit | None = None) -> int:
    """How many active cadres an audience matches (below ``within`` when given)."""
    query = _audience_users(audience, plan)
    if within is not None:
        query = query.where(Unit.tree_path.like(within.tree_path + "%"))
    return db.session.scalar(select(func.count()).select_from(query.subquery()))


def audience_user_ids(audience: rules.Audience, plan: TrainingYear) -> set[int]:
    return set(db.session.scalars(_audience_users(audience, plan)))
