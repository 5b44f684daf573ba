"""Uploaded media files, their processing state, and resumable uploads in progress."""

import enum
from datetime import datetime

from sqlalchemy import JSON, BigInteger, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.core.timeutil import utcnow
from lms.extensions import db


class AssetStatus(enum.StrEnum):
    """A processing job's state, kept on the row because the queue does not remember."""

    PENDING = "pending"
    PROCESSING = "processing"  # heartbeat_at is refreshed while ffmpeg runs
    READY = "ready"
    FAILED = "failed"


class MediaAsset(db.Model):
    """One uploaded source file for a lesson, and the renditions made from it."""

    __tablename__ = "media_asset"

    id: Mapped[int] = mapped_column(primary_key=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lesson.id", ondelete="CASCADE"), index=True)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    original_filename: Mapped[str] = mapped_column(String(255))  # data only, never a path
    source_path: Mapped[str] = mapped_column(String(300))  # relative to MEDIA_ROOT
    # A key prefix of the media store: under MEDIA_ROOT, or in the bucket (lms.media.storage).
    output_dir: Mapped[str | None] = mapped_column(String(300))
    size_bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    status: Mapped[str] = mapped_column(String(20), default=AssetStatus.PENDING.value, index=True)
    progress: Mapped[float] = mapped_column(default=0.0)  # 0..100
    error: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(default=0)
    heartbeat_at: Mapped[datetime | None] = mapped_column()
    probe: Mapped[dict | None] = mapped_column(JSON)  # what ffprobe said, trimmed
    duration_seconds: Mapped[float | None] = mapped_column()
    has_video: Mapped[bool] = mapped_column(default=False)
    width: Mapped[int | None] = mapped_column()
    height: Mapped[int | None] = mapped_column()
    renditions: Mapped[list | None] = mapped_column(JSON)  # [{"name", "height", "bitrate"}, ...]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column()
    finished_at: Mapped[datetime | None] = mapped_column()

    lesson = relationship("Lesson", foreign_keys=[lesson_id])


class Upload(db.Model):
    """A resumable (tus) upload in progress; the bytes so far live in ``path``."""

    __tablename__ = "upload"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # unguessable token
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lesson.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(String(20), default="media")  # media | caption
    filename: Mapped[str] = mapped_column(String(255))
    length_bytes: Mapped[int] = mapped_column(BigInteger)
    offset_bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    path: Mapped[str] = mapped_column(String(300))  # relative to MEDIA_ROOT
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column()
    asset_id: Mapped[int | None] = mapped_column(ForeignKey("media_asset.id", ondelete="SET NULL"))
