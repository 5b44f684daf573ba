"""Who may see a course's media, and serving its files (ranges, or X-Accel-Redirect for nginx).

The views authorize; this module answers with the bytes of the store that holds them: files
under MEDIA_ROOT (send_file, or X-Accel-Redirect to nginx's internal location), or objects of
an S3-compatible bucket (streamed with ranges, or X-Accel-Redirect to nginx proxying a
presigned URL), see lms.media.storage.
"""

import os
from urllib.parse import quote, urlsplit

from flask import Response, abort, current_app, request, send_file
from werkzeug.exceptions import RequestedRangeNotSatisfiable
from werkzeug.security import safe_join

from lms.media.storage import SERVED_TYPES, StorageError, clean_key, get_storage

__all__ = ["SERVED_TYPES", "media_key", "media_response", "resolve_media_file"]

# Private: a shared cache must not hand one cadre's authorized media to another.
# Renditions never change (a new upload gets a new folder), so the browser may keep them.
CACHE_CONTROL = "private, max-age=3600"


def media_key(directory: str, filename: str) -> str | None:
    """The store's key of ``filename`` in ``directory``, or None for a name never served."""
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if extension not in SERVED_TYPES or not directory:
        return None
    folder = clean_key(directory)
    name = clean_key(filename)
    return f"{folder}/{name}" if folder and name else None


def media_response(directory: str, filename: str) -> Response | None:
    """Answer with a file of ``directory`` from the media store; None when there is none."""
    key = media_key(directory, filename)
    if key is None:
        return None
    storage = get_storage()
    if storage.kind == "local":
        path = resolve_media_file(directory, filename)
        return serve_media_file(path) if path else None
    try:
        return serve_stored_object(storage, key)
    except StorageError as exc:
        current_app.logger.warning("media store unavailable for %s: %s", key, exc)
        abort(503)


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
    response.headers["Cache-Control"] = CACHE_CONTROL
    return response


def serve_stored_object(storage, key: str) -> Response | None:
    """Answer with an object of the bucket: streamed through the app with byte ranges (one
    request to the store), or (with LMS_MEDIA_ACCEL=nginx) an internal redirect to nginx, which
    fetches a presigned URL (and relays the store's answer, 404 included)."""
    mimetype = SERVED_TYPES[key.rsplit(".", 1)[-1].lower()]
    if current_app.config.get("MEDIA_ACCEL") == "nginx":
        response = Response(status=200, mimetype=mimetype)
        response.headers["X-Accel-Redirect"] = accel_path_for_url(storage.presigned_url(key))
    else:
        response = _stream_object(storage, key, mimetype)
        if response is None:
            return None
    response.headers["Cache-Control"] = CACHE_CONTROL
    return response


def accel_path_for_url(url: str) -> str:
    """The internal location nginx proxies to the store: MEDIA_ACCEL_PREFIX + the presigned
    URL's path and query (nginx needs no credentials; the signature is short-lived)."""
    parts = urlsplit(url)
    prefix = current_app.config["MEDIA_ACCEL_PREFIX"].rstrip("/")
    return f"{prefix}{parts.path}" + (f"?{parts.query}" if parts.query else "")


def _stream_object(storage, key: str, mimetype: str) -> Response | None:
    if request.method == "HEAD":
        stored = storage.stat(key)
        if stored is None:
            return None
        response = Response(status=200, mimetype=mimetype)
        response.content_length = stored.size
        return _object_headers(response, stored.etag, stored.last_modified)
    byte_range = request.range
    if byte_range is not None and len(byte_range.ranges) != 1:
        byte_range = None  # several ranges at once: the whole file, as send_file does
    if_range = request.if_range
    read = storage.read(
        key,
        byte_range=byte_range.to_header() if byte_range is not None else None,
        if_none_match=request.headers.get("If-None-Match"),
    )
    if read is None:
        return None
    if read.status == 304:
        response = Response(status=304)
        return _object_headers(response, read.etag, None)
    if read.status == 416:
        # The app's error pages would drop the header a player needs to recover.
        response = Response(status=416)
        response.headers["Content-Range"] = f"bytes */{read.size}"
        return response
    if read.status == 206 and if_range.etag and if_range.etag != read.etag:
        # If-Range names another version of the file: the whole file instead of the part.
        read.body.close()
        read = storage.read(key)
        if read is None:
            return None
    response = Response(read.body, status=read.status, mimetype=mimetype, direct_passthrough=True)
    response.content_length = read.length
    if read.content_range:
        response.headers["Content-Range"] = read.content_range
    return _object_headers(response, read.etag, read.last_modified)


def _object_headers(response: Response, etag: str | None, last_modified) -> Response:
    response.headers["Accept-Ranges"] = "bytes"
    if etag:
        response.set_etag(etag)
    if last_modified:
        response.last_modified = last_modified
    return response
