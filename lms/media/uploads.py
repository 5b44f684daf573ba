"""Resumable uploads (tus 1.0: core, creation, termination): the rules, without Flask."""

import base64
import binascii
import contextlib
import json
import os
import secrets
import shutil
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import and_, or_, select, update
from werkzeug.exceptions import ClientDisconnected

from lms.core.events import upload_finished
from lms.core.timeutil import utcnow
from lms.courses.models import Lesson
from lms.extensions import db
from lms.media.assets import create_asset
from lms.media.captions import store_caption
from lms.media.models import Upload
from lms.media.probe import MediaRejected

try:  # an exclusive lock per upload file keeps two PATCHes of one upload apart
    import fcntl
except ImportError:  # pragma: no cover - Windows: the offset check alone guards
    fcntl = None

TUS_VERSION = "1.0.0"
TUS_EXTENSIONS = "creation,termination"
CHUNK_BYTES = 1024 * 1024  # read and flush the body 1 MiB at a time: constant memory
UPLOAD_DIR = "uploads"
STALE_AFTER = timedelta(days=7)
PURPOSES = ("media", "caption")
DISK_RESERVE_BYTES = 1024**3  # leave room for the renditions and the database


class UploadBusy(Exception):
    """Another request is writing to the same upload right now."""


@dataclass
class ChunkResult:
    offset: int
    disconnected: bool = False
    overflow: bool = False


def max_upload_bytes() -> int:
    return int(current_app.config["MAX_UPLOAD_MB"]) * 1024 * 1024


def parse_metadata(header: str | None) -> dict[str, str]:
    """Decode ``Upload-Metadata``: comma-separated ``key base64(value)`` pairs."""
    values = {}
    for pair in (header or "").split(","):
        pair = pair.strip()
        if not pair:
            continue
        key, _, encoded = pair.partition(" ")
        try:
            values[key] = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError) as exc:
            raise ValueError(key) from exc
    return values


def parse_length(value: str | None) -> int | None:
    """A non-negative integer header, or None when missing or malformed."""
    if value is None or not value.strip().isdigit():
        return None
    return int(value.strip())


def media_path(relative: str) -> str:
    return os.path.join(current_app.config["MEDIA_ROOT"], relative)


def _meta_path(upload: Upload) -> str:
    # Caption language and label wait beside the bytes: the upload row has no column for them.
    return media_path(upload.path) + ".json"


def has_room_for(length: int) -> bool:
    """Whether the media disk can take ``length`` more bytes and still keep 1 GiB free."""
    folder = media_path(UPLOAD_DIR)
    os.makedirs(folder, exist_ok=True)
    return shutil.disk_usage(folder).free - length > DISK_RESERVE_BYTES


def create_upload(user, lesson, purpose: str, filename: str, length: int, extra=None) -> Upload:
    """Open an upload: an unguessable id, an empty ``.part`` file, the row (flushed)."""
    upload_id = secrets.token_urlsafe(32)
    relative = f"{UPLOAD_DIR}/{upload_id}.part"
    os.makedirs(media_path(UPLOAD_DIR), exist_ok=True)
    with open(media_path(relative), "xb"):
        pass
    upload = Upload(
        id=upload_id,
        user_id=user.id,
        lesson_id=lesson.id,
        purpose=purpose,
        filename=filename[:255],
        length_bytes=length,
        offset_bytes=0,
        path=relative,
    )
    db.session.add(upload)
    if extra:
        with open(_meta_path(upload), "w", encoding="utf-8") as fh:
            json.dump(extra, fh)
    db.session.flush()
    return upload


def upload_extra(upload: Upload) -> dict:
    try:
        with open(_meta_path(upload), encoding="utf-8") as fh:
            return json.load(fh)
    except (OSError, ValueError):
        return {}


def _save_offset(upload_id: str, offset: int) -> None:
    # One short transaction per chunk, of its own beside the request's: the offset survives a
    # dropped connection, and SQLite's write lock is never held while bytes trickle in over a
    # weak line (the PATCH view ends its own transaction before the bytes arrive).
    with db.engine.begin() as connection:
        connection.execute(
            update(Upload)
            .where(Upload.id == upload_id)
            .values(offset_bytes=offset, updated_at=utcnow())
        )


@contextlib.contextmanager
def locked_file(path: str):
    """Open ``path`` for writing under an exclusive lock; UploadBusy if another request has it."""
    with open(path, "r+b") as fh:
        if fcntl is not None:
            try:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError as exc:
                raise UploadBusy(path) from exc
        yield fh


def receive_bytes(upload_id: str, fh, offset: int, length: int, stream) -> ChunkResult:
    """Append the request body at ``offset`` 1 MiB at a time, never past ``length``."""
    # Bytes past the recorded offset come from a request that died before saving them.
    fh.seek(offset)
    fh.truncate()
    result = ChunkResult(offset)
    try:
        while result.offset < length:
            data = stream.read(min(CHUNK_BYTES, length - result.offset))
            if not data:
                break
            fh.write(data)
            fh.flush()
            result.offset += len(data)
            if result.offset < length:
                _save_offset(upload_id, result.offset)
            # The last byte is recorded by finish_upload, once the pipeline has the file:
            # until then HEAD must not tell the client it is done (tus-js-client would stop).
        if result.offset >= length and stream.read(1):
            result.overflow = True
    except ClientDisconnected:
        # The connection dropped: what arrived is kept, the client resumes from there.
        result.disconnected = True
    return result


def get_upload(upload_id: str, user) -> Upload | None:
    """The caller's own upload, or None (someone else's upload does not exist for them)."""
    upload = db.session.get(Upload, upload_id)
    if upload is None or upload.user_id != user.id:
        return None
    return upload


def remove_file(path: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.remove(path)


def discard_files(upload: Upload) -> None:
    remove_file(media_path(upload.path))
    remove_file(_meta_path(upload))


def finish_upload(upload: Upload, user):
    """Hand the complete file to the media pipeline; returns the MediaAsset or the Caption.

    Raises ``lms.media.probe.MediaRejected`` for a file the pipeline refuses; the bytes and
    the upload row are removed.
    """
    lesson = db.session.get(Lesson, upload.lesson_id)
    source = media_path(upload.path)
    try:
        if upload.purpose == "caption":
            extra = upload_extra(upload)
            result = store_caption(
                lesson, source, extra.get("language") or "und", extra.get("label") or ""
            )
        else:
            result = create_asset(lesson, source, upload.filename, user)
            upload.asset_id = result.id
            upload_finished.send(current_app._get_current_object(), asset_id=result.id)
    except MediaRejected:
        # Nothing of the rejected file is kept: its bytes and its row go, so a client that
        # asks for the upload again (HEAD) hears 404 and starts afresh.
        db.session.rollback()
        upload = db.session.get(Upload, upload.id)
        if upload is not None:
            delete_upload(upload)
        raise
    discard_files(upload)  # whatever the pipeline left behind (it moves or copies the file)
    upload.offset_bytes = upload.length_bytes
    upload.completed_at = utcnow()
    db.session.flush()
    return result


def delete_upload(upload: Upload) -> None:
    """Termination: remove the bytes and the row."""
    discard_files(upload)
    db.session.delete(upload)
    db.session.flush()


def cleanup_stale_uploads(now=None) -> int:
    """Remove uploads not finished within seven days, and their bytes; returns how many.

    Rows of uploads finished more than seven days ago go too (their files are long gone).
    """
    cutoff = (now or utcnow()) - STALE_AFTER
    stale = db.session.scalars(
        select(Upload).where(
            or_(
                and_(Upload.completed_at.is_(None), Upload.updated_at < cutoff),
                Upload.completed_at < cutoff,
            )
        )
    ).all()
    for upload in stale:
        delete_upload(upload)
    return len(stale)
