"""Editing courses: their fields, publishing, cover images and lessons."""

import secrets
from functools import partial
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select, update

from lms.accounts.models import Role, User
from lms.core.events import after_commit
from lms.courses.errors import CourseError
from lms.courses.labels import LESSON_KIND_LABELS, TEACHING_METHOD_LABELS
from lms.courses.models import (
    Caption,
    ContentCategory,
    Course,
    Enrollment,
    Lesson,
    LessonStatus,
    TeachingMethod,
)
from lms.extensions import db
from lms.media.models import MediaAsset
from lms.media.storage import remove_media_files

MAX_TITLE = 200
MAX_SUMMARY = 500
MAX_DESCRIPTION = 20000


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
    _remove_media_after_commit([lesson.id for lesson in course.lessons])
    db.session.delete(course)
    db.session.flush()
    if cover:
        _media_path(cover).unlink(missing_ok=True)


def _remove_media_after_commit(lesson_ids: list[int]) -> None:
    """The lessons' media files (renditions and captions in the media store, uploaded
    originals) go once their rows' deletion is kept (docs/architecture.md, events after commit)."""
    if not lesson_ids:
        return
    assets = db.session.execute(
        select(MediaAsset.output_dir, MediaAsset.source_path).where(
            MediaAsset.lesson_id.in_(lesson_ids)
        )
    ).all()
    captions = db.session.scalars(select(Caption.path).where(Caption.lesson_id.in_(lesson_ids)))
    after_commit(
        db.session,
        partial(
            remove_media_files,
            folders=[output for output, _source in assets if output],
            files=list(captions),
            sources=[source for _output, source in assets if source],
        ),
    )


def refresh_course_duration(course_id: int) -> None:
    """A course's length is the sum of its lessons' (those whose length is known: a lesson
    gets one when its media is processed, or from the demo's story), after a lesson changes
    or goes; the menu shows it and filters on it."""
    total = db.session.scalar(
        select(func.coalesce(func.sum(Lesson.duration_seconds), 0.0)).where(
            Lesson.course_id == course_id
        )
    )
    db.session.execute(
        update(Course).where(Course.id == course_id).values(duration_seconds=float(total or 0.0))
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
    _remove_media_after_commit([lesson.id])
    course.lessons.remove(lesson)
    db.session.flush()
    _renumber(course, sorted(course.lessons, key=lambda item: (item.position, item.id)))
    refresh_course_duration(course.id)
