"""Course rules: content categories, editing courses and lessons, the menu and enrolments."""

import re
import secrets
from dataclasses import dataclass
from pathlib import Path

import nh3
from flask import current_app
from flask_babel import format_decimal, lazy_pgettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy import exists, func, or_, select, true

from lms.accounts.models import Role, User, UserRole
from lms.courses.models import (
    ContentCategory,
    Course,
    Enrollment,
    Lesson,
    LessonKind,
    LessonStatus,
    TeachingMethod,
    course_instructor,
)
from lms.extensions import db


class CourseError(ValueError):
    """A rule about courses was broken; the message is shown to the user."""


TEACHING_METHOD_LABELS = {
    TeachingMethod.LECTURE.value: _l("Lecture"),
    TeachingMethod.CASE_STUDY.value: _l("Case study"),
    TeachingMethod.SIMULATION.value: _l("Simulation"),
    TeachingMethod.FIELD_INVESTIGATION.value: _l("Field investigation"),
    TeachingMethod.EXPERIENCE_SHARING.value: _l("Experience sharing"),
}
LESSON_KIND_LABELS = {LessonKind.VIDEO.value: _l("Video"), LessonKind.AUDIO.value: _l("Audio")}
LESSON_STATUS_LABELS = {
    LessonStatus.EMPTY.value: _l("No media yet"),
    LessonStatus.PROCESSING.value: _l("Processing"),
    LessonStatus.READY.value: _l("Ready"),
    LessonStatus.FAILED.value: lazy_pgettext("processing", "Failed"),
}

MAX_TITLE = 200
MAX_SUMMARY = 500
MAX_DESCRIPTION = 20000


# --- content categories ------------------------------------------------------------------

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


# --- rich text ---------------------------------------------------------------------------

RICH_TAGS = {"p", "br", "strong", "em", "ul", "ol", "li", "h3", "h4", "blockquote", "a"}


def render_rich(html: str | None) -> Markup:
    """An instructor's description as safe HTML: a few formatting tags, links without scripts.

    Plain text (no tags) keeps its paragraphs and line breaks.
    """
    text = html or ""
    if "<" not in text:
        paragraphs = [p for p in re.split(r"\n\s*\n", text.strip()) if p.strip()]
        text = "".join(
            "<p>" + str(Markup.escape(p.strip())).replace("\n", "<br>") + "</p>" for p in paragraphs
        )
    cleaned = nh3.clean(
        text,
        tags=RICH_TAGS,
        clean_content_tags={"script", "style"},
        attributes={"a": {"href"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
    )
    return Markup(cleaned)


# --- who may do what ---------------------------------------------------------------------


def is_admin(user) -> bool:
    return user.has_role(Role.ADMIN)


def teaches(user, course: Course) -> bool:
    return any(instructor.id == user.id for instructor in course.instructors)


def can_edit_course(user, course: Course) -> bool:
    """Admins edit every course; an instructor only the courses they teach."""
    return is_admin(user) or (user.has_role(Role.INSTRUCTOR) and teaches(user, course))


def can_see_course(user, course: Course) -> bool:
    """Published courses are open to every logged-in user; drafts to their editors."""
    return course.is_published or can_edit_course(user, course)


def visible_course_clause(user):
    """A SQL condition: the courses ``user`` may see (published, or drafts they may edit)."""
    if is_admin(user):
        return true()
    if not user.has_role(Role.INSTRUCTOR):
        return Course.is_published.is_(True)
    return or_(Course.is_published.is_(True), _taught_by(user.id))


def _taught_by(user_id: int):
    return exists().where(
        course_instructor.c.course_id == Course.id, course_instructor.c.user_id == user_id
    )


def instructor_choices() -> list[User]:
    """Active users holding the instructor role, by name."""
    return list(
        db.session.scalars(
            select(User)
            .join(UserRole, UserRole.user_id == User.id)
            .where(UserRole.role == Role.INSTRUCTOR.value, User.is_active_account.is_(True))
            .order_by(User.display_name, User.id)
        )
    )


# --- courses -----------------------------------------------------------------------------


def _check_course_fields(title: str, summary: str, description: str) -> tuple[str, str, str]:
    title, summary = (title or "").strip(), (summary or "").strip()
    description = (description or "").strip()
    if not title:
        raise CourseError(_("A course needs a title."))
    if len(title) > MAX_TITLE:
        raise CourseError(_("A title can have at most %(count)d characters.", count=MAX_TITLE))
    if len(summary) > MAX_SUMMARY:
        raise CourseError(_("A summary can have at most %(count)d characters.", count=MAX_SUMMARY))
    if len(description) > MAX_DESCRIPTION:
        raise CourseError(
            _("A description can have at most %(count)d characters.", count=MAX_DESCRIPTION)
        )
    return title, summary, description


def create_course(creator: User, title: str, **fields) -> Course:
    """A new draft course; its creator teaches it (an admin may name other instructors)."""
    course = Course(title="", created_by_id=creator.id, is_published=False)
    instructors = fields.pop("instructors", None) or []
    if creator.has_role(Role.INSTRUCTOR) and creator not in instructors:
        instructors = [creator, *instructors]
    db.session.add(course)
    update_course(course, title=title, instructors=instructors, **fields)
    return course


def update_course(
    course: Course,
    title: str,
    summary: str = "",
    description: str = "",
    content_category: ContentCategory | None = None,
    teaching_method: str = TeachingMethod.LECTURE.value,
    target_categories=(),
    instructors=(),
) -> None:
    """Change a course's fields; it keeps at least one instructor."""
    title, summary, description = _check_course_fields(title, summary, description)
    if teaching_method not in TEACHING_METHOD_LABELS:
        raise CourseError(_("Choose a teaching method."))
    instructors = list(dict.fromkeys(instructors))
    if not instructors:
        raise CourseError(_("A course needs at least one instructor."))
    if any(not user.has_role(Role.INSTRUCTOR) for user in instructors):
        raise CourseError(_("Only users with the instructor role can teach a course."))
    course.title, course.summary, course.description = title, summary, description
    course.content_category = content_category
    course.teaching_method = teaching_method
    course.target_categories = list(target_categories)
    course.instructors = instructors
    db.session.flush()


def publish_course(course: Course) -> None:
    """Open a course in the menu; it needs at least one lesson."""
    if not course.lessons:
        raise CourseError(_("Add at least one lesson before publishing the course."))
    course.is_published = True
    db.session.flush()


def unpublish_course(course: Course) -> None:
    """Take a course out of the menu; enrolments stay."""
    course.is_published = False
    db.session.flush()


def enrollment_count(course: Course) -> int:
    return db.session.scalar(
        select(func.count(Enrollment.id)).where(Enrollment.course_id == course.id)
    )


def delete_course(course: Course) -> None:
    """Delete a draft nobody has enrolled in, with its lessons and cover."""
    if course.is_published:
        raise CourseError(_("Unpublish the course before deleting it."))
    if enrollment_count(course):
        raise CourseError(_("Cadres have this course in My courses; it cannot be deleted."))
    cover = course.cover_path
    db.session.delete(course)
    db.session.flush()
    if cover:
        _media_path(cover).unlink(missing_ok=True)


def refresh_course_duration(course: Course) -> None:
    """Recompute the course length from its ready lessons (after a lesson changes or goes)."""
    course.duration_seconds = float(
        db.session.scalar(
            select(func.coalesce(func.sum(Lesson.duration_seconds), 0.0)).where(
                Lesson.course_id == course.id, Lesson.status == LessonStatus.READY.value
            )
        )
        or 0.0
    )
    db.session.flush()


# --- cover images ------------------------------------------------------------------------

MAX_COVER_BYTES = 5 * 1024 * 1024
COVER_FOLDER = "covers"


def image_extension(head: bytes) -> str | None:
    """The file type from the first bytes (JPEG, PNG or WebP), never from the name."""
    if head.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    return None


def _media_path(relative: str) -> Path:
    return Path(current_app.config["MEDIA_ROOT"]) / relative


def set_course_cover(course: Course, stream) -> None:
    """Store an uploaded cover (JPEG, PNG or WebP up to 5 MB) under a generated name."""
    data = stream.read(MAX_COVER_BYTES + 1)
    if not data:
        raise CourseError(_("The cover image is empty."))
    if len(data) > MAX_COVER_BYTES:
        raise CourseError(_("A cover image can be at most 5 MB."))
    ext = image_extension(data[:16])
    if ext is None:
        raise CourseError(_("A cover image must be a JPEG, PNG or WebP picture."))
    relative = f"{COVER_FOLDER}/{secrets.token_hex(16)}.{ext}"
    path = _media_path(relative)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    old = course.cover_path
    course.cover_path = relative
    db.session.flush()
    if old:
        _media_path(old).unlink(missing_ok=True)


def cover_file(course: Course) -> Path | None:
    """The cover's file if it exists and lies inside the covers folder."""
    if not course.cover_path:
        return None
    root = (Path(current_app.config["MEDIA_ROOT"]) / COVER_FOLDER).resolve()
    path = _media_path(course.cover_path).resolve()
    if root not in path.parents or not path.is_file():
        return None
    return path


# --- lessons -----------------------------------------------------------------------------


def _check_lesson_title(title: str) -> str:
    title = (title or "").strip()
    if not title:
        raise CourseError(_("A lesson needs a title."))
    if len(title) > MAX_TITLE:
        raise CourseError(_("A title can have at most %(count)d characters.", count=MAX_TITLE))
    return title


def add_lesson(course: Course, title: str, kind: str) -> Lesson:
    """Append a lesson (video or audio, no media yet) to the end of the course."""
    title = _check_lesson_title(title)
    if kind not in LESSON_KIND_LABELS:
        raise CourseError(_("Choose video or audio."))
    position = max((lesson.position for lesson in course.lessons), default=-1) + 1
    lesson = Lesson(title=title, kind=kind, position=position, status=LessonStatus.EMPTY.value)
    course.lessons.append(lesson)
    db.session.flush()
    return lesson


def rename_lesson(lesson: Lesson, title: str) -> None:
    """Give a lesson a new title."""
    lesson.title = _check_lesson_title(title)
    db.session.flush()


def _renumber(course: Course, ordered) -> None:
    for position, lesson in enumerate(ordered):
        lesson.position = position
    course.lessons.sort(key=lambda lesson: lesson.position)
    db.session.flush()


def move_lesson(lesson: Lesson, offset: int) -> None:
    """Move a lesson one place up (-1) or down (+1); positions stay 0, 1, 2, ..."""
    course = lesson.course
    ordered = sorted(course.lessons, key=lambda item: (item.position, item.id))
    index = ordered.index(lesson)
    target = index + offset
    if 0 <= target < len(ordered):
        ordered[index], ordered[target] = ordered[target], ordered[index]
    _renumber(course, ordered)


def delete_lesson(lesson: Lesson) -> None:
    """Remove a lesson (its media goes with it); the others close the gap."""
    course = lesson.course
    if course.is_published and len(course.lessons) == 1:
        raise CourseError(_("A published course keeps at least one lesson; unpublish it first."))
    course.lessons.remove(lesson)
    db.session.flush()
    _renumber(course, sorted(course.lessons, key=lambda item: (item.position, item.id)))
    refresh_course_duration(course)


# --- the menu ----------------------------------------------------------------------------

HOUR = 3600
LENGTH_BUCKETS = {
    "short": (_l("Under 1 hour"), None, HOUR),
    "medium": (_l("1 to 3 hours"), HOUR, 3 * HOUR),
    "long": (_l("Over 3 hours"), 3 * HOUR, None),
}


@dataclass
class MenuFilters:
    q: str = ""
    category_id: int | None = None
    method: str = ""
    length: str = ""
    instructor_id: int | None = None


def lesson_count_column():
    """A correlated count of a course's lessons, to select beside the course in one query."""
    return (
        select(func.count(Lesson.id))
        .where(Lesson.course_id == Course.id)
        .correlate(Course)
        .scalar_subquery()
    )


def menu_query(filters: MenuFilters):
    """A select of (Course, lesson count) for the published courses matching ``filters``."""
    query = select(Course, lesson_count_column().label("lesson_count")).where(
        Course.is_published.is_(True)
    )
    if filters.q:
        like = f"%{filters.q}%"
        by_instructor = exists().where(
            course_instructor.c.course_id == Course.id,
            course_instructor.c.user_id == User.id,
            User.display_name.ilike(like),
        )
        query = query.where(or_(Course.title.ilike(like), by_instructor))
    if filters.category_id is not None:
        query = query.where(Course.content_category_id == filters.category_id)
    if filters.method:
        query = query.where(Course.teaching_method == filters.method)
    if filters.length in LENGTH_BUCKETS:
        _label, low, high = LENGTH_BUCKETS[filters.length]
        if low is not None:
            query = query.where(Course.duration_seconds >= low)
        if high is not None:
            query = query.where(Course.duration_seconds < high)
    if filters.instructor_id is not None:
        query = query.where(_taught_by(filters.instructor_id))
    return query.order_by(Course.title, Course.id)


def menu_instructors() -> list[User]:
    """The instructors who teach at least one published course (for the menu's filter)."""
    return list(
        db.session.scalars(
            select(User)
            .where(
                exists().where(
                    course_instructor.c.user_id == User.id,
                    course_instructor.c.course_id == Course.id,
                    Course.is_published.is_(True),
                )
            )
            .order_by(User.display_name, User.id)
        )
    )


def enrollments_for(user, course_ids) -> dict[int, Enrollment]:
    """The user's enrolments among these courses, by course id; one query."""
    ids = list(course_ids)
    if not ids:
        return {}
    rows = db.session.scalars(
        select(Enrollment).where(Enrollment.user_id == user.id, Enrollment.course_id.in_(ids))
    )
    return {row.course_id: row for row in rows}


def lesson_counts(course_ids) -> dict[int, int]:
    ids = list(course_ids)
    if not ids:
        return {}
    rows = db.session.execute(
        select(Lesson.course_id, func.count(Lesson.id))
        .where(Lesson.course_id.in_(ids))
        .group_by(Lesson.course_id)
    )
    return dict(rows.all())


def format_length(seconds: float | None) -> str:
    """A course or lesson length: minutes under an hour, else hours with one decimal."""
    seconds = seconds or 0
    if seconds < HOUR:
        return _("%(minutes)d min", minutes=round(seconds / 60))
    return _("%(hours)s h", hours=format_decimal(seconds / HOUR, format="0.0"))


# --- enrolments --------------------------------------------------------------------------


def enroll(user: User, course: Course) -> Enrollment:
    """Add a published course to the cadre's "My courses" as an elective (idempotent)."""
    if not course.is_published:
        raise CourseError(_("This course is not open yet."))
    enrollment = db.session.scalar(
        select(Enrollment).where(Enrollment.user_id == user.id, Enrollment.course_id == course.id)
    )
    if enrollment is None:
        enrollment = Enrollment(user_id=user.id, course_id=course.id, is_required=False)
        db.session.add(enrollment)
        db.session.flush()
    return enrollment


def unenroll(user: User, course: Course) -> None:
    """Drop an elective from "My courses"; assigned (required) courses cannot be dropped."""
    enrollment = db.session.scalar(
        select(Enrollment).where(Enrollment.user_id == user.id, Enrollment.course_id == course.id)
    )
    if enrollment is None:
        return
    if enrollment.is_required:
        raise CourseError(_("This course is required for you and cannot be removed."))
    db.session.delete(enrollment)
    db.session.flush()


def my_courses_query(user: User):
    """A select of (Course, lesson count, is_required) for the user's courses, required first."""
    return (
        select(Course, lesson_count_column().label("lesson_count"), Enrollment.is_required)
        .join(Enrollment, Enrollment.course_id == Course.id)
        .where(Enrollment.user_id == user.id)
        .where(or_(Course.is_published.is_(True), Enrollment.is_required.is_(True)))
        .order_by(Enrollment.is_required.desc(), Course.title, Course.id)
    )


def teaching_query(user: User):
    """A select of (Course, lesson count) the user may edit: theirs, or all for admins."""
    query = select(Course, lesson_count_column().label("lesson_count"))
    query = query.where(true() if is_admin(user) else _taught_by(user.id))
    return query.order_by(Course.is_published, Course.title, Course.id)


def visible_courses_query(user: User):
    """A select of the courses ``user`` may see, for the API."""
    return select(Course).where(visible_course_clause(user)).order_by(Course.id)


# --- demo --------------------------------------------------------------------------------

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
