"""The demo's courses (three published, one draft), created once and found again by title."""

from sqlalchemy import select

from lms.accounts.models import User
from lms.courses.categories import ensure_default_content_categories
from lms.courses.models import ContentCategory, Course, Lesson, TeachingMethod
from lms.extensions import db

DEMO_COURSES = [
    (
        "习近平新时代中国特色社会主义思想概论",
        "系统学习党的创新理论的核心要义。",
        "theory",
        TeachingMethod.LECTURE.value,
        True,
        [("第一讲 时代背景", "video"), ("第二讲 核心要义", "video"), ("学习辅导", "audio")],
    ),
    (
        "基层治理案例分析",
        "通过典型案例提升基层治理能力。",
        "professional_ability",
        TeachingMethod.CASE_STUDY.value,
        True,
        [("案例一 社区网格化管理", "video"), ("案例二 矛盾纠纷调解", "video")],
    ),
    (
        "党性修养与作风建设",
        "加强党性锻炼，改进工作作风。",
        "party_spirit",
        TeachingMethod.EXPERIENCE_SHARING.value,
        True,
        [("党性修养的时代要求", "audio"), ("优秀党员经验分享", "video")],
    ),
    (
        "行政执法与依法行政（草稿）",
        "依法行政的基本要求，课程准备中。",
        "policy_law",
        TeachingMethod.LECTURE.value,
        False,
        [("依法行政概述", "video")],
    ),
]


def seed_demo_courses() -> list[Course]:
    """Create the demo courses (three published, one draft) once, found again by title."""
    ensure_default_content_categories()
    instructor = db.session.scalar(select(User).where(User.username == "instructor"))
    categories = {c.code: c for c in db.session.scalars(select(ContentCategory))}
    courses = []
    for title, summary, category, method, published, lessons in DEMO_COURSES:
        course = db.session.scalar(select(Course).where(Course.title == title))
        if course is None:
            course = Course(
                title=title,
                summary=summary,
                description=f"<p>{summary}</p>",
                content_category=categories[category],
                teaching_method=method,
                created_by_id=instructor.id if instructor else None,
                instructors=[instructor] if instructor else [],
            )
            db.session.add(course)
            for position, (lesson_title, kind) in enumerate(lessons):
                course.lessons.append(Lesson(title=lesson_title, kind=kind, position=position))
        course.is_published = published
        courses.append(course)
    db.session.flush()
    return courses
