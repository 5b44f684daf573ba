"""Figures by unit: the ranking of a unit's children and every unit of a subtree."""

from dataclasses import dataclass

from sqlalchemy import exists, func, literal, select, true

from lms.extensions import db
from lms.org.models import Unit
from lms.reports.figures import Context, Rates, Scope, _tallies, cadre_figures


@dataclass(frozen=True)
class UnitLine(Rates):
    """A unit's figures over its whole subtree."""

    id: int
    name: str
    path: str
    cadre_count: int
    participants: int
    credited_hours: float
    meeting_quota: int
    expected: int  # cadres with a quota and no exemption
    exempt: int
    has_children: bool = False


def _unit_lines(units_condition, scope: Scope, context: Context) -> list[UnitLine]:
    """Each unit matching ``units_condition`` with its subtree's figures, in one query: the
    cadres' figures are tallied per unit of their own first, and those few rows joined to
    the listed units by tree-path prefix (units x units, not units x cadres) and summed."""
    figures = cadre_figures(scope, context).subquery("cadre_figures")
    tallies = _tallies(figures)
    per_unit = (
        select(figures.c.tree_path, *tallies).group_by(figures.c.tree_path).subquery("per_unit")
    )
    parent_unit = Unit.__table__.alias("parent_unit")
    has_children = exists(
        select(parent_unit.c.id).where(parent_unit.c.parent_id == Unit.id)
    ).correlate(Unit)
    sums = [
        func.coalesce(func.sum(per_unit.c[tally.name]), 0).label(tally.name) for tally in tallies
    ]
    rows = db.session.execute(
        select(Unit.id, Unit.name, Unit.name_path, has_children.label("has_children"), *sums)
        .select_from(Unit)
        .outerjoin(per_unit, per_unit.c.tree_path.like(Unit.tree_path + literal("%")))
        .where(units_condition)
        .group_by(Unit.id, Unit.name, Unit.name_path)
        .order_by(Unit.name_path)
    ).all()
    return [
        UnitLine(
            row.id,
            row.name,
            row.name_path,
            int(row.cadre_count),
            int(row.participants),
            float(row.credited_hours),
            int(row.meeting_quota),
            int(row.expected),
            int(row.exempt),
            bool(row.has_children),
        )
        for row in rows
    ]


def rank_units(lines: list[UnitLine]) -> list[UnitLine]:
    """Best first: participation rate, then completion, then name (units without cadres last)."""
    return sorted(
        lines,
        key=lambda u: (
            -(u.participation_rate if u.participation_rate is not None else -1),
            -(u.meeting_rate if u.meeting_rate is not None else -1),
            u.path,
        ),
    )


def unit_ranking(parent: Unit | None, scope: Scope, context: Context) -> list[UnitLine]:
    """The direct sub-units of ``parent`` (top-level units for None), each over its subtree,
    ranked by participation and completion."""
    condition = Unit.parent_id.is_(None) if parent is None else Unit.parent_id == parent.id
    return rank_units(_unit_lines(condition, scope, context))


def units_in_scope(root: Unit | None, context: Context) -> list[UnitLine]:
    """Every unit of ``root``'s subtree (all units for None), each over its subtree."""
    condition = true() if root is None else Unit.tree_path.like(root.tree_path + "%")
    return _unit_lines(condition, Scope.of(root), context)
