"""Cadre categories (干部类别): the list admins edit, the standard ones, finding one by name."""

from sqlalchemy import func, select

from lms.core.categories import CategoryList
from lms.extensions import db
from lms.org.models import Cadre, CadreCategory
from lms.org.tree import OrgError

DEFAULT_CATEGORIES = [
    ("district_management", "区管干部", "District-management cadre"),
    ("section_and_below", "科级及以下干部", "Section level and below"),
    ("civil_servant", "公务员", "Civil servant"),
    ("professional_technical", "专业技术人员", "Professional-technical staff"),
    ("village", "村干部", "Village cadre"),
]

# The roster import finds categories by either name too, so names must not be ambiguous.
CADRE_CATEGORIES = CategoryList(
    CadreCategory,
    OrgError,
    defaults=DEFAULT_CATEGORIES,
    used_by=Cadre.category_id,
    unique_names=True,
)

active_categories = CADRE_CATEGORIES.active
ensure_default_categories = CADRE_CATEGORIES.ensure_defaults
create_category = CADRE_CATEGORIES.create
update_category = CADRE_CATEGORIES.update
set_category_active = CADRE_CATEGORIES.set_active
category_cadre_counts = CADRE_CATEGORIES.usage_counts


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
