"""Content categories (内容分类): the defaults and the admins' edits."""

import re

from flask_babel import gettext as _
from sqlalchemy import func, select

from lms.courses.errors import CourseError
from lms.courses.models import ContentCategory, Course
from lms.extensions import db

DEFAULT_CONTENT_CATEGORIES = [
    ("theory", "理论教育", "Theory"),
    ("strategic_thinking", "战略思维", "Strategic thinking"),
    ("party_spirit", "党性教育", "Party spirit"),
    ("professional_ability", "专业能力", "Professional ability"),
    ("policy_law", "政策法规", "Policy and law"),
]
CONTENT_CODE_PATTERN = re.compile(r"^[a-z0-9_]+$")
MAX_CONTENT_CODE = 40
MAX_CONTENT_NAME = 100


def ensure_default_content_categories() -> None:
    """Create the standard content categories that are missing (idempotent)."""
    existing = set(db.session.scalars(select(ContentCategory.code)))
    for order, (code, zh, en) in enumerate(DEFAULT_CONTENT_CATEGORIES):
        if code not in existing:
            db.session.add(ContentCategory(code=code, name_zh=zh, name_en=en, sort_order=order))
    db.session.flush()


def missing_default_content_categories() -> list[str]:
    """The codes of the standard content categories that are not in the list."""
    existing = set(db.session.scalars(select(ContentCategory.code)))
    return [code for code, _zh, _en in DEFAULT_CONTENT_CATEGORIES if code not in existing]


def _check_content_category(category, code, name_zh, name_en) -> tuple[str, str, str]:
    code, name_zh, name_en = (code or "").strip(), (name_zh or "").strip(), (name_en or "").strip()
    if not CONTENT_CODE_PATTERN.match(code) or len(code) > MAX_CONTENT_CODE:
        raise CourseError(
            _(
                "A category code uses lowercase letters, digits and underscores only "
                "(at most %(count)d characters).",
                count=MAX_CONTENT_CODE,
            )
        )
    if not name_zh or not name_en:
        raise CourseError(_("A category needs a Chinese and an English name."))
    if max(len(name_zh), len(name_en)) > MAX_CONTENT_NAME:
        raise CourseError(
            _("A category name can have at most %(count)d characters.", count=MAX_CONTENT_NAME)
        )
    others = select(ContentCategory.id)
    if category is not None:
        others = others.where(ContentCategory.id != category.id)
    if db.session.scalar(others.where(ContentCategory.code == code)):
        raise CourseError(_("The category code %(code)s is already in use.", code=code))
    return code, name_zh, name_en


def create_content_category(code, name_zh, name_en, sort_order: int = 0) -> ContentCategory:
    """Add a content category; the code is unique, lowercase letters, digits and underscores."""
    code, name_zh, name_en = _check_content_category(None, code, name_zh, name_en)
    category = ContentCategory(code=code, name_zh=name_zh, name_en=name_en, sort_order=sort_order)
    db.session.add(category)
    db.session.flush()
    return category


def update_content_category(category, code, name_zh, name_en, sort_order: int) -> None:
    """Change a content category's code, names or order."""
    code, name_zh, name_en = _check_content_category(category, code, name_zh, name_en)
    category.code, category.name_zh, category.name_en = code, name_zh, name_en
    category.sort_order = sort_order
    db.session.flush()


def set_content_category_active(category: ContentCategory, active: bool) -> None:
    """(De)activate a content category: courses that have it keep it."""
    category.is_active = active
    db.session.flush()


def content_categories(active_only: bool = True) -> list[ContentCategory]:
    query = select(ContentCategory).order_by(ContentCategory.sort_order, ContentCategory.id)
    if active_only:
        query = query.where(ContentCategory.is_active.is_(True))
    return list(db.session.scalars(query))


def content_category_course_counts(category_ids) -> dict[int, int]:
    """How many courses have each of these categories; one query."""
    rows = db.session.execute(
        select(Course.content_category_id, func.count(Course.id))
        .where(Course.content_category_id.in_(list(category_ids)))
        .group_by(Course.content_category_id)
    )
    return dict(rows.all())
