"""Cadre categories (干部类别): the list admins edit, the standard ones, finding one by name."""

import re

from flask_babel import gettext as _
from sqlalchemy import func, select

from lms.extensions import db
from lms.org.models import Cadre, CadreCategory
from lms.org.tree import OrgError


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
