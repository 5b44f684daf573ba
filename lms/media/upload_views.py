"""Resumable uploads (tus) of lectures and captions, routed on the media blueprint."""

from flask import make_response, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import ValidationError, validate_csrf

from lms.core.access import role_required
from lms.core.errors import api_error
from lms.core.inputs import parse_int
from lms.core.unit_of_work import keep_on_refusal
from lms.courses.access import can_edit_course
from lms.courses.models import Lesson
from lms.extensions import csrf, db
from lms.media import uploads as tus
from lms.media.probe import MediaRejected
from lms.media.views import MANAGERS, bp

CAPTION_MAX_BYTES = 5 * 1024 * 1024


def _tus(response):
    response.headers["Tus-Resumable"] = tus.TUS_VERSION
    return response


def _tus_error(status: int, code: str, message: str):
    return _tus(api_error(status, code, message))


def _tus_empty(status: int = 204, **headers):
    response = make_response("", status)
    for name, value in headers.items():
        response.headers[name.replace("_", "-")] = str(value)
    return _tus(response)


def _tus_precondition(needs_csrf: bool):
    """The checks every tus request passes: protocol version, then (if unsafe) CSRF header."""
    if request.headers.get("Tus-Resumable") != tus.TUS_VERSION:
        response = _tus_error(
            412, "tus_version", _("This server speaks tus %(v)s.", v=tus.TUS_VERSION)
        )
        response.headers["Tus-Version"] = tus.TUS_VERSION
        return response
    if needs_csrf:
        # These views are exempt from the form check only because the token must come in
        # this header instead: a cross-site page can neither read it nor set it.
        try:
            validate_csrf(request.headers.get("X-CSRFToken"))
        except ValidationError:
            return _tus_error(
                400, "csrf", _("The page has expired. Please reload it and try again.")
            )
    return None


@bp.route("/uploads", methods=["OPTIONS", "POST"])
@csrf.exempt
def uploads():
    """tus: OPTIONS tells the server's capabilities; POST creates an upload."""
    if request.method == "OPTIONS":
        return _tus_empty(
            204,
            Tus_Version=tus.TUS_VERSION,
            Tus_Extension=tus.TUS_EXTENSIONS,
            Tus_Max_Size=tus.max_upload_bytes(),
        )
    return _create_upload()


@role_required(*MANAGERS)
def _create_upload():
    failed = _tus_precondition(needs_csrf=True)
    if failed:
        return failed
    length = tus.parse_length(request.headers.get("Upload-Length"))
    if length is None:
        return _tus_error(400, "length", _("The upload's length is missing."))
    try:
        metadata = tus.parse_metadata(request.headers.get("Upload-Metadata"))
    except ValueError:
        return _tus_error(400, "metadata", _("The upload's description could not be read."))
    purpose = metadata.get("purpose", "media")
    if purpose not in tus.PURPOSES:
        return _tus_error(400, "purpose", _("Unknown kind of upload."))
    limit = CAPTION_MAX_BYTES if purpose == "caption" else tus.max_upload_bytes()
    if length > limit:
        return _tus_error(
            413,
            "too_large",
            _("The file is too large: at most %(mb)d MB.", mb=limit // (1024 * 1024)),
        )
    lesson_id = metadata.get("lesson_id", "")
    lesson = db.session.get(Lesson, parse_int(lesson_id) or 0)
    if lesson is None or not can_edit_course(current_user, lesson.course):
        return _tus_error(404, "not_found", _("The lesson was not found."))
    extra = None
    if purpose == "caption":
        language = metadata.get("language", "").strip()
        label = metadata.get("label", "").strip()
        if not language or len(language) > 10 or not label or len(label) > 50:
            return _tus_error(
                400,
                "caption",
                _("A caption track needs a language code (up to 10 characters) and a label."),
            )
        extra = {"language": language, "label": label}
    tus.cleanup_stale_uploads()
    if not tus.has_room_for(length):
        return _tus_error(
            507,
            "no_space",
            _("The server has no room for this file. Please tell an administrator."),
        )
    upload = tus.create_upload(
        current_user, lesson, purpose, metadata.get("filename") or "upload", length, extra
    )
    response = _tus_empty(201)
    response.headers["Location"] = url_for("media.upload", upload_id=upload.id)
    return response


@bp.route("/uploads/<upload_id>", methods=["HEAD", "PATCH", "DELETE", "POST"])
@csrf.exempt
@role_required(*MANAGERS)
def upload(upload_id: str):
    """tus: HEAD tells the offset, PATCH appends bytes, DELETE ends the upload.

    POST with ``X-HTTP-Method-Override`` stands for PATCH or DELETE behind proxies that only
    pass GET and POST (tus-js-client's ``overridePatchMethod``).
    """
    method = request.method
    if method == "POST":
        method = request.headers.get("X-HTTP-Method-Override", "").upper()
        if method not in ("PATCH", "DELETE"):
            return _tus_error(405, "method_not_allowed", _("This action is not allowed here."))
    failed = _tus_precondition(needs_csrf=method != "HEAD")
    if failed:
        return failed
    item = tus.get_upload(upload_id, current_user)
    if item is None:
        return _tus_error(404, "not_found", _("The upload was not found."))
    if method == "HEAD":
        return _tus_empty(
            200,
            Upload_Offset=item.offset_bytes,
            Upload_Length=item.length_bytes,
            Cache_Control="no-store",
        )
    if method == "DELETE":
        tus.delete_upload(item)
        return _tus_empty(204)
    return _patch_upload(item)


def _patch_upload(item):
    lesson = db.session.get(Lesson, item.lesson_id)
    if lesson is None or not can_edit_course(current_user, lesson.course):
        # No longer teaching this course: the upload is gone for them.
        return _tus_error(404, "not_found", _("The upload was not found."))
    if request.mimetype != "application/offset+octet-stream":
        return _tus_error(
            415, "content_type", _("Send the bytes as application/offset+octet-stream.")
        )
    offset = tus.parse_length(request.headers.get("Upload-Offset"))
    if offset is None:
        return _tus_error(400, "offset", _("The upload's offset is missing."))
    if item.completed_at is not None or offset != item.offset_bytes:
        return _offset_conflict(item)
    if request.content_length is not None and offset + request.content_length > item.length_bytes:
        return _tus_error(413, "too_large", _("More bytes were sent than the upload's length."))
    # The app's body limit is the roster import's; this view reads the stream itself, within
    # the upload's length.
    request.max_content_length = tus.max_upload_bytes() + 1
    upload_id, length = item.id, item.length_bytes
    path = tus.media_path(item.path)
    # Hold no database lock while the bytes arrive (on SQLite a PATCH's transaction holds the
    # write lock): this request has only read so far, so its transaction ends here; each chunk's
    # offset is saved in a short transaction of its own (lms.media.uploads).
    db.session.rollback()
    try:
        with tus.locked_file(path) as fh:
            db.session.refresh(item)
            if item.completed_at is not None or item.offset_bytes != offset:
                return _offset_conflict(item)
            db.session.rollback()  # only read again: end the transaction before the bytes
            received = tus.receive_bytes(upload_id, fh, offset, length, request.stream)
            if received.overflow:
                return _tus_error(
                    413, "too_large", _("More bytes were sent than the upload's length.")
                )
            if received.offset == length and not received.disconnected:
                rejected = _finish(item)
                if rejected:
                    return rejected
    except tus.UploadBusy:
        return _tus_error(409, "busy", _("Another request is writing to this upload."))
    return _tus_empty(204, Upload_Offset=received.offset)


def _offset_conflict(item):
    if item.completed_at is not None and item.offset_bytes == item.length_bytes:
        # Already complete (a retried final PATCH): tell the client so.
        offset = tus.parse_length(request.headers.get("Upload-Offset"))
        if offset == item.length_bytes:
            return _tus_empty(204, Upload_Offset=item.length_bytes)
    response = _tus_error(
        409, "offset", _("The upload is at byte %(offset)d.", offset=item.offset_bytes)
    )
    response.headers["Upload-Offset"] = str(item.offset_bytes)
    return response


def _finish(item):
    """Hand a complete upload to the pipeline; a 422 response if the file is refused."""
    item = db.session.get(type(item), item.id)
    try:
        tus.finish_upload(item, current_user)
    except MediaRejected as exc:
        keep_on_refusal()  # the refused file's bytes and upload row are gone: keep that
        return _tus_error(422, "rejected", str(exc))
    return None
