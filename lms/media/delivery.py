"""Who may see a course's media, and serving its files (ranges, or X-Accel-Redirect for nginx)."""

import os
from urllib.parse import quote

from flask import Response, current_app, send_file
from werkzeug.exceptions import RequestedRangeNotSatisfiable
from werkzeug.security import safe_join

# What the pipeline writes into an asset's output folder; nothing else is ever served.
SERVED_TYPES = {
    "m3u8": "application/vnd.apple.mpegurl",
    "ts": "video/mp2t",
    "m4s": "video/iso.segment",
    "mp4": "video/mp4",
    "m4a": "audio/mp4",
    "jpg": "image/jpeg",
    "json": "application/json",
    "vtt": "text/vtt",
}


def resolve_media_file(directory: str, filename: str) -> str | None:
    """The absolute path of ``filename`` inside ``directory`` (relative to MEDIA_ROOT), or None.

    None for anything outside the folder, an unknown extension, or a file that is not there.
    """
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if extension not in SERVED_TYPES or not directory:
        return None
    root = current_app.config["MEDIA_ROOT"]
    folder = safe_join(root, directory)
    path = safe_join(folder, filename) if folder else None
    if path is None or not os.path.isfile(path):
        return None
    return path


def serve_media_file(path: str) -> Response:
    """Answer with the file: ranges and conditional requests, or an nginx internal redirect."""
    extension = path.rsplit(".", 1)[-1].lower()
    mimetype = SERVED_TYPES[extension]
    if current_app.config.get("MEDIA_ACCEL") == "nginx":
        relative = os.path.relpath(path, current_app.config["MEDIA_ROOT"])
        prefix = current_app.config["MEDIA_ACCEL_PREFIX"].rstrip("/") + "/"
        response = Response(status=200, mimetype=mimetype)
        response.headers["X-Accel-Redirect"] = prefix + quote(relative.replace(os.sep, "/"))
    else:
        # send_file seeks to the range's start (werkzeug's _RangeWrapper on a seekable file
        # wrapper), so a range at the end of a multi-GB file costs the same as one at its start.
        try:
            response = send_file(path, mimetype=mimetype, conditional=True, max_age=0)
        except RequestedRangeNotSatisfiable:
            # The app's error pages would drop the header a player needs to recover.
            response = Response(status=416)
            response.headers["Content-Range"] = f"bytes */{os.path.getsize(path)}"
    # Private: a shared cache must not hand one cadre's authorized media to another.
    # Renditions never change (a new upload gets a new folder), so the browser may keep them.
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response
