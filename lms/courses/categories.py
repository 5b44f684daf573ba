"""Content categories (内容分类): the defaults and the admins' edits."""

from lms.core.categories import CategoryList
from lms.courses.errors import CourseError
from lms.courses.models import ContentCategory, Course

DEFAULT_CONTENT_CATEGORIES = [
    ("theory", "理论教育", "Theory"),
    ("strategic_thinking", "战略思维", "Strategic thinking"),
    ("party_spirit", "党性教育", "Party spirit"),
    ("professional_ability", "专业能力", "Professional ability"),
    ("policy_law", "政策法规", "Policy and law"),
]

CONTENT_CATEGORIES = CategoryList(
    ContentCategory,
    CourseError,
    defaults=DEFAULT_CONTENT_CATEGORIES,
    used_by=Course.content_category_id,
)

ensure_default_content_categories = CONTENT_CATEGORIES.ensure_defaults
create_content_category = CONTENT_CATEGORIES.create
content_categories = CONTENT_CATEGORIES.active
