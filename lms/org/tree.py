"""The unit tree: unit paths and names, and creating, renaming, moving and deleting units.

``Unit.tree_path`` ("/1/4/9/") and ``Unit.name_path`` are kept in step here whenever a unit
is created, renamed or moved."""

from flask_babel import gettext as _
from sqlalchemy import func, select, update

from lms.accounts.models import User
from lms.core.errors import LmsError
from lms.extensions import db
from lms.org.models import PATH_SEPARATOR, Unit

MAX_UNIT_NAME = 100


class OrgError(LmsError):
    """A rule about units or cadres was broken; the message is shown to the user."""


# --- paths -------------------------------------------------------------------------------


def split_unit_path(path: str) -> list[str]:
    """``"A / B/C"`` -> ``["A", "B", "C"]``; raises OrgError on an empty part or an empty path."""
    text = (path or "").strip().strip(PATH_SEPARATOR)
    if not text:
        raise OrgError(_("The unit path is empty."))
    parts = [part.strip() for part in text.split(PATH_SEPARATOR)]
    if any(not part for part in parts):
        raise OrgError(_("The unit path %(path)s has an empty part.", path=path))
    for part in parts:
        check_unit_name(part)
    return parts


def check_unit_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise OrgError(_("A unit needs a name."))
    if PATH_SEPARATOR in name:
        raise OrgError(_("A unit name cannot contain “/”."))
    if len(name) > MAX_UNIT_NAME:
        raise OrgError(_("A unit name can have at most %(count)d characters.", count=MAX_UNIT_NAME))
    return name


def join_unit_path(parts) -> str:
    return PATH_SEPARATOR.join(parts)


# --- changing the tree -------------------------------------------------------------------


def create_unit(name: str, parent: Unit | None = None) -> Unit:
    """Add a unit under ``parent`` (or as a root); sibling names are unique."""
    name = check_unit_name(name)
    name_path = join_unit_path([parent.name_path, name]) if parent else name
    if db.session.scalar(select(Unit.id).where(Unit.name_path == name_path)):
        raise OrgError(_("A unit named %(name)s already exists there.", name=name))
    unit = Unit(
        name=name,
        parent=parent,
        name_path=name_path,
        tree_path="",
        depth=(parent.depth + 1) if parent else 0,
    )
    db.session.add(unit)
    db.session.flush()  # the id is part of the tree path
    unit.tree_path = f"{parent.tree_path if parent else PATH_SEPARATOR}{unit.id}{PATH_SEPARATOR}"
    db.session.flush()
    return unit


def ensure_unit_path(path: str) -> tuple[Unit, list[Unit]]:
    """The unit at ``path``, creating any missing units on the way; returns (unit, created)."""
    parent, created, walked = None, [], []
    for part in split_unit_path(path):
        walked.append(part)
        unit = db.session.scalar(select(Unit).where(Unit.name_path == join_unit_path(walked)))
        if unit is None:
            unit = create_unit(part, parent)
            created.append(unit)
        parent = unit
    return parent, created


def rename_unit(unit: Unit, new_name: str) -> None:
    """Rename a unit and rewrite the name paths of everything below it."""
    new_name = check_unit_name(new_name)
    if new_name == unit.name:
        return
    parent_path = unit.parent.name_path if unit.parent else None
    new_path = join_unit_path([parent_path, new_name]) if parent_path else new_name
    if db.session.scalar(select(Unit.id).where(Unit.name_path == new_path)):
        raise OrgError(_("A unit named %(name)s already exists there.", name=new_name))
    _rewrite_name_paths(unit, new_path)
    unit.name = new_name


def move_unit(unit: Unit, new_parent: Unit | None) -> None:
    """Move a unit (and its subtree) under another unit; never under itself."""
    if new_parent is not None and new_parent.is_within(unit):
        raise OrgError(_("A unit cannot be moved below itself."))
    new_path = join_unit_path([new_parent.name_path, unit.name]) if new_parent else unit.name
    if new_path != unit.name_path and db.session.scalar(
        select(Unit.id).where(Unit.name_path == new_path)
    ):
        raise OrgError(_("A unit named %(name)s already exists there.", name=unit.name))
    old_tree = unit.tree_path
    new_tree = f"{new_parent.tree_path if new_parent else PATH_SEPARATOR}{unit.id}{PATH_SEPARATOR}"
    depth_shift = ((new_parent.depth + 1) if new_parent else 0) - unit.depth
    _rewrite_name_paths(unit, new_path)
    db.session.execute(
        update(Unit)
        .where(Unit.subtree_clause(old_tree))
        .values(
            tree_path=func.replace(Unit.tree_path, old_tree, new_tree),
            depth=Unit.depth + depth_shift,
        )
        .execution_options(synchronize_session=False)
    )
    unit.parent = new_parent
    db.session.flush()
    db.session.expire_all()


def _rewrite_name_paths(unit: Unit, new_path: str) -> None:
    old_path = unit.name_path
    for descendant in db.session.scalars(select(Unit).where(Unit.subtree_clause(unit))):
        descendant.name_path = new_path + descendant.name_path[len(old_path) :]
    db.session.flush()


def delete_unit(unit: Unit) -> None:
    """Delete an empty unit: one with no sub-units and no users."""
    if unit.children:
        raise OrgError(_("Move or delete the sub-units first."))
    if db.session.scalar(select(func.count(User.id)).where(User.unit_id == unit.id)):
        raise OrgError(_("Move the people of this unit first."))
    db.session.delete(unit)
    db.session.flush()


# --- where a unit sits -------------------------------------------------------------------


def tree_path_ids(tree_path: str) -> list[int]:
    """``"/1/4/9/"`` -> ``[1, 4, 9]``: the unit's ancestors, root first, then the unit."""
    return [int(part) for part in tree_path.strip(PATH_SEPARATOR).split(PATH_SEPARATOR) if part]


def unit_ancestors(unit: Unit) -> list[Unit]:
    """The units above ``unit``, root first (one query)."""
    ids = tree_path_ids(unit.tree_path)[:-1]
    if not ids:
        return []
    return list(db.session.scalars(select(Unit).where(Unit.id.in_(ids)).order_by(Unit.depth)))


def units_outside(unit: Unit) -> list[Unit]:
    """Every unit not in ``unit``'s subtree, in tree order: where it may be moved to."""
    return list(
        db.session.scalars(select(Unit).where(~Unit.subtree_clause(unit)).order_by(Unit.name_path))
    )
