"""Accepting an upload as a media asset, and putting an asset back in the processing queue."""

import os
import secrets
import shutil
from pathlib import Path

from flask import current_app

from lms.courses.models import LessonStatus
from lms.extensions import db
from lms.media.models import AssetStatus, MediaAsset
from lms.media.probe import MediaLimits, probe_media


def media_root() -> Path:
    return Path(current_app.config["MEDIA_ROOT"])


# --- accepting an upload -------------------------------------------------------------------


def create_asset(lesson, source_abs_path, original_filename, uploaded_by) -> MediaAsset:
    """Probe an uploaded file, move it under a server-made name and record a pending asset."""
    limits = MediaLimits.from_config(current_app.config)
    probe = probe_media(str(source_abs_path), lesson.kind, limits)  # MediaRejected stops here
    token = secrets.token_hex(16)
    relative = Path("sources") / token / f"source.{probe.extension}"
    destination = media_root() / relative
    destination.parent.mkdir(parents=True, exist_ok=True)
    size = os.path.getsize(source_abs_path)
    shutil.move(str(source_abs_path), destination)
    asset = MediaAsset(
        lesson_id=lesson.id,
        uploaded_by_id=getattr(uploaded_by, "id", uploaded_by),
        original_filename=(original_filename or "")[:255],
        source_path=relative.as_posix(),
        size_bytes=size,
        status=AssetStatus.PENDING.value,
        probe=probe.as_dict(),
        duration_seconds=probe.duration_seconds,
        has_video=probe.has_video,
        width=probe.width,
        height=probe.height,
    )
    db.session.add(asset)
    if lesson.current_asset_id is None:
        lesson.status = LessonStatus.PROCESSING.value
    db.session.flush()
    return asset


def retry_asset(asset: MediaAsset) -> MediaAsset:
    """Put a failed (or finished) asset back in the queue with fresh attempts; caller enqueues."""
    asset.status = AssetStatus.PENDING.value
    asset.attempts = 0
    asset.progress = 0.0
    asset.error = None
    asset.heartbeat_at = None
    asset.finished_at = None
    if asset.lesson.current_asset_id is None:
        asset.lesson.status = LessonStatus.PROCESSING.value
    db.session.flush()
    return asset


def reprocess_asset(asset: MediaAsset) -> MediaAsset:
    """Queue a processing run again; a ready asset is redone as a new asset so it keeps playing."""
    if asset.status != AssetStatus.READY.value:
        return retry_asset(asset)
    # Same source (linked, not copied: sources run to gigabytes), new row, new outputs; the
    # lesson switches over when they are ready, as for a new upload.
    relative = Path("sources") / secrets.token_hex(16) / Path(asset.source_path).name
    destination = media_root() / relative
    destination.parent.mkdir(parents=True)
    try:
        os.link(media_root() / asset.source_path, destination)
    except OSError:
        shutil.copyfile(media_root() / asset.source_path, destination)
    clone = MediaAsset(
        lesson_id=asset.lesson_id,
        uploaded_by_id=asset.uploaded_by_id,
        original_filename=asset.original_filename,
        source_path=relative.as_posix(),
        size_bytes=asset.size_bytes,
        status=AssetStatus.PENDING.value,
        probe=asset.probe,
        duration_seconds=asset.duration_seconds,
        has_video=asset.has_video,
        width=asset.width,
        height=asset.height,
    )
    db.session.add(clone)
    db.session.flush()
    return clone
