"""Figures by cadre: a unit's cadres with hours, quota and outlook, and the quotas in SQL."""

from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import case, func, select

from lms.accounts.models import User
from lms.extensions import db
from lms.org.models import Cadre, Unit
from lms.plans.audiences import audience_clause
from lms.plans.models import TrainingYear
from lms.reports.figures import OUTLOOKS, Context, Scope, cadre_figures
from lms.reports.sql import quota_expression, rule_pairs


@dataclass(frozen=True)
class CadreLine:
    user_id: int
    cadre_id: int
    name: str
    personnel_number: str
    unit_path: str
    done_hours: float
    quota_hours: float
    outlook: str


def cadres_query(unit: Unit | None, scope: Scope, context: Context, direct_only: bool = True):
    """The cadres of ``unit`` (directly in it, or in its whole subtree; None: everyone in
    scope) with their figures, those furthest behind first: by outlook (behind, at risk, on
    track, met, then the rest), and within one outlook by the share of the quota done,
    lowest first (hours done where there is no quota), then by name."""
    figures = cadre_figures(scope, context).subquery("cadre_figures")
    severity = case(
        {value: index for index, value in enumerate(reversed(OUTLOOKS[:4]))},
        value=figures.c.outlook,
        else_=len(OUTLOOKS),
    )
    share_done = func.coalesce(figures.c.done_hours / func.nullif(figures.c.quota_hours, 0), 0)
    query = (
        select(
            figures.c.user_id,
            figures.c.cadre_id,
            User.display_name,
            Cadre.personnel_number,
            Unit.name_path,
            figures.c.done_hours,
            figures.c.quota_hours,
            figures.c.outlook,
        )
        .join(User, User.id == figures.c.user_id)
        .join(Cadre, Cadre.id == figures.c.cadre_id)
        .join(Unit, Unit.id == figures.c.unit_id)
        .order_by(severity, share_done, figures.c.done_hours, User.display_name, User.id)
    )
    if unit is not None and direct_only:
        query = query.where(figures.c.unit_id == unit.id)
    elif unit is not None:
        query = query.where(figures.c.tree_path.like(unit.tree_path + "%"))
    return query


def iter_cadre_lines(query, batch: int = 500) -> Iterator[CadreLine]:
    """The rows of ``cadres_query`` read in batches, for exports of any size."""
    for row in db.session.execute(query.execution_options(yield_per=batch)):
        yield CadreLine(
            row[0], row[1], row[2], row[3], row[4], float(row[5]), float(row[6]), row[7]
        )


def cadre_lines(query) -> list[CadreLine]:
    return list(iter_cadre_lines(query))


def cadre_quotas_query(plan: TrainingYear):
    """(user id, online-hour quota) of every active cadre, the quota computed in SQL."""
    expression = quota_expression(rule_pairs(plan), plan.as_of, plan.limits, audience_clause)
    return (
        select(User.id, expression.label("quota_hours"))
        .select_from(Cadre)
        .join(User, User.id == Cadre.user_id)
        .outerjoin(Unit, Unit.id == User.unit_id)
        .where(User.is_active_account.is_(True))
    )
