"""Courses, their lessons, content categories and cadres' enrolments."""

import enum
from datetime import datetime

from sqlalchemy import Column, ForeignKey, Index, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.core.categories import CategoryListMixin
from lms.core.timeutil import utcnow
from lms.extensions import db


class TeachingMethod(enum.StrEnum):
    LECTURE = "lecture"
    CASE_STUDY = "case_study"
    SIMULATION = "simulation"
    FIELD_INVESTIGATION = "field_investigation"
    EXPERIENCE_SHARING = "experience_sharing"


class LessonKind(enum.StrEnum):
    VIDEO = "video"
    AUDIO = "audio"


class LessonStatus(enum.StrEnum):
    """Where a lesson's media stands; ``ready`` means it can be played."""

    EMPTY = "empty"  # no media uploaded yet
    PROCESSING = "processing"  # an upload is being checked or transcoded
    READY = "ready"
    FAILED = "failed"  # the latest upload failed and nothing older is playable


course_instructor = Table(
    "course_instructor",
    db.metadata,
    Column("course_id", ForeignKey("course.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("user.id", ondelete="CASCADE"), primary_key=True, index=True),
)

course_target_category = Table(
    "course_target_category",
    db.metadata,
    Column("course_id", ForeignKey("course.id", ondelete="CASCADE"), primary_key=True),
    Column("category_id", ForeignKey("cadre_category.id", ondelete="CASCADE"), primary_key=True),
)


class ContentCategory(CategoryListMixin, db.Model):
    """What a course is about (theory, party spirit, ...); an editable list."""

    __tablename__ = "content_category"


class Course(db.Model):
    __tablename__ = "course"
    __table_args__ = (Index("ix_course_published_title", "is_published", "title"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(String(500), default="")
    # Stored as the instructor wrote it; rendered only through lms.courses.richtext.render_rich.
    description: Mapped[str] = mapped_column(Text, default="")
    cover_path: Mapped[str | None] = mapped_column(String(300))  # relative to MEDIA_ROOT
    content_category_id: Mapped[int | None] = mapped_column(
        ForeignKey("content_category.id"), index=True
    )
    teaching_method: Mapped[str] = mapped_column(String(30), default=TeachingMethod.LECTURE.value)
    is_published: Mapped[bool] = mapped_column(default=False)
    # Sum of the ready lessons' durations, kept by the media pipeline for the menu's filters.
    duration_seconds: Mapped[float] = mapped_column(default=0.0)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    content_category = relationship("ContentCategory", lazy="joined")
    instructors = relationship("User", secondary=course_instructor, lazy="selectin")
    target_categories = relationship("CadreCategory", secondary=course_target_category)
    lessons = relationship(
        "Lesson",
        back_populates="course",
        order_by="Lesson.position",
        cascade="all, delete-orphan",
    )


class Lesson(db.Model):
    __tablename__ = "lesson"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(10), default=LessonKind.VIDEO.value)
    status: Mapped[str] = mapped_column(String(20), default=LessonStatus.EMPTY.value)
    duration_seconds: Mapped[float | None] = mapped_column()
    # The asset whose renditions are played now; a new upload replaces it only when ready.
    current_asset_id: Mapped[int | None] = mapped_column(
        ForeignKey("media_asset.id", use_alter=True, ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    course = relationship("Course", back_populates="lessons")
    current_asset = relationship("MediaAsset", foreign_keys=[current_asset_id], post_update=True)
    captions = relationship("Caption", back_populates="lesson", cascade="all, delete-orphan")


class Enrollment(db.Model):
    """A cadre's course in "My courses": chosen from the menu (elective) or assigned."""

    __tablename__ = "enrollment"
    __table_args__ = (UniqueConstraint("user_id", "course_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"), index=True)
    is_required: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    course = relationship("Course")


class Caption(db.Model):
    """A caption track for a lesson, stored as WebVTT."""

    __tablename__ = "caption"

    id: Mapped[int] = mapped_column(primary_key=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lesson.id", ondelete="CASCADE"), index=True)
    language: Mapped[str] = mapped_column(String(10))
    label: Mapped[str] = mapped_column(String(50))
    path: Mapped[str] = mapped_column(String(300))  # a media store key (lms.media.storage)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    lesson = relationship("Lesson", back_populates="captions")
