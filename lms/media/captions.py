"""Caption tracks: an SRT or WebVTT file converted to WebVTT under a server-made name."""

import os
import secrets
import subprocess
from pathlib import Path

from flask_babel import gettext as _

from lms.courses.models import Caption
from lms.extensions import db
from lms.media import ffmpeg
from lms.media.assets import media_root
from lms.media.probe import MediaRejected
from lms.media.storage import StorageError, get_storage

CAPTION_TIMEOUT_SECONDS = 60


def _caption_format(path: str) -> str | None:
    with open(path, "rb") as handle:
        head = handle.read(512).lstrip(b"\xef\xbb\xbf").lstrip()
    if head.startswith(b"WEBVTT"):
        return "webvtt"
    first_line = head.split(b"\n", 1)[0].strip()
    if first_line.isdigit() and b"-->" in head:
        return "srt"
    return None


def store_caption(lesson, path, language: str, label: str) -> Caption:
    """Convert an SRT or WebVTT file to WebVTT under a server-made name and add the caption."""
    if os.path.getsize(path) == 0 or _caption_format(str(path)) is None:
        raise MediaRejected(_("Captions must be an SRT or WebVTT file."))
    relative = Path("captions") / str(lesson.id) / f"{secrets.token_hex(16)}.vtt"
    destination = media_root() / relative
    destination.parent.mkdir(parents=True, exist_ok=True)
    cmd = ffmpeg.build_caption_command(os.path.abspath(path), str(destination))
    try:
        proc = subprocess.run(
            cmd, capture_output=True, stdin=subprocess.DEVNULL, timeout=CAPTION_TIMEOUT_SECONDS
        )
    except subprocess.TimeoutExpired:
        proc = None
    if proc is None or proc.returncode != 0 or not destination.exists():
        destination.unlink(missing_ok=True)
        raise MediaRejected(_("The caption file could not be read as SRT or WebVTT."))
    try:
        # In a bucket the track is pushed now (the local copy goes); on disk it stays put.
        get_storage().publish_file(destination, relative.as_posix())
    except StorageError as exc:
        destination.unlink(missing_ok=True)
        raise MediaRejected(
            _("The media store could not be reached. Please try again later.")
        ) from exc
    caption = Caption(lesson_id=lesson.id, language=language, label=label, path=relative.as_posix())
    db.session.add(caption)
    db.session.flush()
    return caption
