"""The unit tree and supervisors' scope: a supervisor sees their unit and all below it."""

import re
from collections import defaultdict
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import false, func, select, true, update

from lms.accounts.models import Role, User
from lms.core.errors import LmsError
from lms.extensions import db
from lms.org.models import PATH_SEPARATOR, Cadre, CadreCategory, Unit

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


def find_unit_by_path(path: str) -> Unit | None:
    return db.session.scalar(
        select(Unit).where(Unit.name_path == join_unit_path(split_unit_path(path)))
    )


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


# --- cadres and categories ---------------------------------------------------------------


def active_categories() -> list[CadreCategory]:
    return list(
        db.session.scalars(
            select(CadreCategory)
            .where(CadreCategory.is_active.is_(True))
            .order_by(CadreCategory.sort_order, CadreCategory.id)
        )
    )


def find_category(value: str) -> CadreCategory | None:
    """A category by code, Chinese or English name (case-insensitive)."""
    value = (value or "").strip()
    if not value:
        return None
    lowered = value.lower()
    return db.session.scalar(
        select(CadreCategory).where(
            (func.lower(CadreCategory.code) == lowered)
            | (CadreCategory.name_zh == value)
            | (func.lower(CadreCategory.name_en) == lowered)
        )
    )


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
        query = query.where(
            User.display_name.ilike(like)
            | Cadre.personnel_number.ilike(like)
            | User.username.ilike(like)
        )
    return query.order_by(Unit.name_path, User.display_name)


DEFAULT_CATEGORIES = [
    ("district_management", "区管干部", "District-management cadre"),
    ("section_and_below", "科级及以下干部", "Section level and below"),
    ("civil_servant", "公务员", "Civil servant"),
    ("professional_technical", "专业技术人员", "Professional-technical staff"),
    ("village", "村干部", "Village cadre"),
]


def ensure_default_categories() -> None:
    """Create the standard cadre categories that are missing (idempotent)."""
    existing = set(db.session.scalars(select(CadreCategory.code)))
    for order, (code, zh, en) in enumerate(DEFAULT_CATEGORIES):
        if code not in existing:
            db.session.add(CadreCategory(code=code, name_zh=zh, name_en=en, sort_order=order))
    db.session.flush()


# --- the tree page -----------------------------------------------------------------------


@dataclass
class UnitNode:
    """One unit of the displayed tree, with the active cadres of its whole subtree."""

    id: int
    name: str
    depth: int
    cadre_count: int = 0
    children: list["UnitNode"] = field(default_factory=list)


def tree_path_ids(tree_path: str) -> list[int]:
    """``"/1/4/9/"`` -> ``[1, 4, 9]``: the unit's ancestors, root first, then the unit."""
    return [int(part) for part in tree_path.strip(PATH_SEPARATOR).split(PATH_SEPARATOR) if part]


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


# --- editing cadre categories ------------------------------------------------------------

CATEGORY_CODE_PATTERN = re.compile(r"^[a-z0-9_]+$")
MAX_CATEGORY_CODE = 40
MAX_CATEGORY_NAME = 100


def _check_category(
    category: CadreCategory | None, code: str, name_zh: str, name_en: str
) -> tuple[str, str, str]:
    code, name_zh, name_en = (code or "").strip(), (name_zh or "").strip(), (name_en or "").strip()
    if not CATEGORY_CODE_PATTERN.match(code) or len(code) > MAX_CATEGORY_CODE:
        raise OrgError(
            _(
                "A category code uses lowercase letters, digits and underscores only "
                "(at most %(count)d characters).",
                count=MAX_CATEGORY_CODE,
            )
        )
    if not name_zh or not name_en:
        raise OrgError(_("A category needs a Chinese and an English name."))
    if max(len(name_zh), len(name_en)) > MAX_CATEGORY_NAME:
        raise OrgError(
            _("A category name can have at most %(count)d characters.", count=MAX_CATEGORY_NAME)
        )
    others = select(CadreCategory.id)
    if category is not None and category.id is not None:
        others = others.where(CadreCategory.id != category.id)
    if db.session.scalar(others.where(CadreCategory.code == code)):
        raise OrgError(_("The category code %(code)s is already in use.", code=code))
    # The roster import finds categories by either name too, so names must not be ambiguous.
    if db.session.scalar(
        others.where(
            (CadreCategory.name_zh == name_zh)
            | (func.lower(CadreCategory.name_en) == name_en.lower())
        )
    ):
        raise OrgError(_("Another category already has this name."))
    return code, name_zh, name_en


def create_category(code: str, name_zh: str, name_en: str, sort_order: int = 0) -> CadreCategory:
    """Add a cadre category; the code is unique, lowercase letters, digits and underscores."""
    code, name_zh, name_en = _check_category(None, code, name_zh, name_en)
    category = CadreCategory(code=code, name_zh=name_zh, name_en=name_en, sort_order=sort_order)
    db.session.add(category)
    db.session.flush()
    return category


def update_category(
    category: CadreCategory, code: str, name_zh: str, name_en: str, sort_order: int
) -> None:
    """Change a category's code, names or order (the same rules as creating one)."""
    code, name_zh, name_en = _check_category(category, code, name_zh, name_en)
    category.code, category.name_zh, category.name_en = code, name_zh, name_en
    category.sort_order = sort_order
    db.session.flush()


def set_category_active(category: CadreCategory, active: bool) -> None:
    """(De)activate a category: categories in use are never deleted, only deactivated."""
    category.is_active = active
    db.session.flush()


def category_cadre_counts(category_ids) -> dict[int, int]:
    """How many cadres (active or not) have each of these categories; one query."""
    rows = db.session.execute(
        select(Cadre.category_id, func.count(Cadre.id))
        .where(Cadre.category_id.in_(list(category_ids)))
        .group_by(Cadre.category_id)
    )
    return dict(rows.all())
