"""Supervisors' scope: a supervisor sees their unit and all below it, an administrator
everything; the cadres in a scope and the unit tree page's counts."""

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import false, func, select, true

from lms.accounts.models import Role, User
from lms.core.personnel import personnel_key
from lms.extensions import db
from lms.org.models import Cadre, Unit
from lms.org.tree import tree_path_ids

# --- scope -------------------------------------------------------------------------------


def scope_root(user) -> Unit | None:
    """The unit whose subtree a supervisor sees (None for admins: everything)."""
    return None if user.is_admin else user.unit


def unit_scope_clause(user, tree_path_column=Unit.tree_path):
    """A SQL condition limiting a query on units (or a joined unit) to what ``user`` may see."""
    if user.is_admin:
        return true()
    if not user.has_role(Role.SUPERVISOR) or user.unit is None:
        return false()
    return Unit.subtree_clause(user.unit, column=tree_path_column)


def can_see_unit(user, unit: Unit | None) -> bool:
    if unit is None:
        return user.is_admin
    if user.is_admin:
        return True
    return user.has_role(Role.SUPERVISOR) and user.unit is not None and unit.is_within(user.unit)


def can_see_person(user, person: User) -> bool:
    """Admins see everyone; supervisors the people in their subtree; anyone themselves."""
    if person.id == user.id or user.is_admin:
        return True
    return person.unit is not None and can_see_unit(user, person.unit)


def visible_units(user):
    """A select of the units ``user`` may see, in tree order."""
    return select(Unit).where(unit_scope_clause(user)).order_by(Unit.name_path)


def assignable_units(user) -> list[Unit]:
    return list(db.session.scalars(visible_units(user)))


def unit_options(user) -> list[tuple[str, str]]:
    """(id as text, path) of the units ``user`` may see, in tree order: a unit picker's
    options, read as two columns (a province has thousands of units)."""
    rows = db.session.execute(
        select(Unit.id, Unit.name_path).where(unit_scope_clause(user)).order_by(Unit.name_path)
    )
    return [(str(unit_id), path) for unit_id, path in rows]


def cadres_in_scope(user, unit: Unit | None = None, search: str | None = None):
    """A select of (Cadre, User, Unit) rows in ``user``'s scope, optionally below ``unit``."""
    query = (
        select(Cadre, User, Unit)
        .join(User, Cadre.user_id == User.id)
        .join(Unit, User.unit_id == Unit.id)
        .where(unit_scope_clause(user))
    )
    if unit is not None:
        query = query.where(Unit.subtree_clause(unit))
    if search:
        like = f"%{search.strip()}%"
        number = personnel_key(search)  # "Ｗ０００３" finds W0003
        query = query.where(
            User.display_name.ilike(like)
            | Cadre.personnel_number.ilike(like)
            | (Cadre.personnel_key.contains(number, autoescape=True) if number else false())
            | User.username.ilike(like)
        )
    return query.order_by(Unit.name_path, User.display_name)


# --- the tree page -----------------------------------------------------------------------


@dataclass
class UnitNode:
    """One unit of the displayed tree, with the active cadres of its whole subtree."""

    id: int
    name: str
    depth: int
    cadre_count: int = 0
    children: list["UnitNode"] = field(default_factory=list)


def subtree_cadre_counts(user, within: Unit | None = None) -> dict[int, int]:
    """Active cadres per unit, each unit counting its whole subtree; one grouped query."""
    query = (
        select(Unit.tree_path, func.count(Cadre.id))
        .join(User, Cadre.user_id == User.id)
        .join(Unit, User.unit_id == Unit.id)
        .where(unit_scope_clause(user), User.is_active_account.is_(True))
        .group_by(Unit.id, Unit.tree_path)
    )
    if within is not None:
        query = query.where(Unit.subtree_clause(within))
    totals: dict[int, int] = defaultdict(int)
    # Each unit's own count is added to every unit on its path: a few thousand units of
    # depth five or so is a few ten thousand additions, far cheaper than a query per unit.
    for tree_path, count in db.session.execute(query):
        for unit_id in tree_path_ids(tree_path):
            totals[unit_id] += count
    return dict(totals)


def unit_tree(user) -> list[UnitNode]:
    """The units ``user`` may see as a forest (roots first, siblings by name), with counts."""
    rows = db.session.execute(
        select(Unit.id, Unit.name, Unit.parent_id, Unit.depth)
        .where(unit_scope_clause(user))
        .order_by(Unit.name_path)
    ).all()
    counts = subtree_cadre_counts(user)
    nodes = {row.id: UnitNode(row.id, row.name, row.depth, counts.get(row.id, 0)) for row in rows}
    roots = []
    for row in rows:
        parent = nodes.get(row.parent_id)
        (parent.children if parent else roots).append(nodes[row.id])
    return roots
