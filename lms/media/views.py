"""Media pages: an instructor's lesson media, resumable uploads (tus), delivery and the player."""

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf.csrf import ValidationError, validate_csrf
from sqlalchemy import select

from lms.accounts.models import Role
from lms.core.access import role_required
from lms.core.errors import api_error
from lms.core.inputs import parse_int
from lms.core.queue import queue_state
from lms.courses.models import Caption, Lesson, LessonKind
from lms.extensions import csrf, db
from lms.media import uploads as tus
from lms.media.delivery import (
    may_manage_course,
    may_see_course,
    resolve_media_file,
    serve_media_file,
)
from lms.media.models import AssetStatus, MediaAsset
from lms.media.probe import MediaRejected
from lms.media.processing import retry_asset as reset_asset
from lms.media.tasks import enqueue_processing

bp = Blueprint("media", __name__, url_prefix="/media")

MANAGERS = (Role.INSTRUCTOR, Role.ADMIN)
CAPTION_MAX_BYTES = 5 * 1024 * 1024
ACTIVE_STATES = (AssetStatus.PENDING.value, AssetStatus.PROCESSING.value)


def _managed_lesson(lesson_id: int) -> Lesson:
    lesson = db.session.get(Lesson, lesson_id)
    if lesson is None or not may_manage_course(current_user, lesson.course):
        abort(404)
    return lesson


def _course_url(course) -> str | None:
    """The course's page, when the courses feature provides one."""
    if "courses.detail" not in current_app.view_functions:
        return None
    return url_for("courses.detail", course_id=course.id)


def _latest_asset(lesson: Lesson) -> MediaAsset | None:
    return db.session.scalar(
        select(MediaAsset)
        .where(MediaAsset.lesson_id == lesson.id)
        .order_by(MediaAsset.id.desc())
        .limit(1)
    )


def _asset_state(asset: MediaAsset | None) -> dict | None:
    if asset is None:
        return None
    return {
        "id": asset.id,
        "status": asset.status,
        "progress": round(float(asset.progress or 0), 1),
        "error": asset.error,
        "original_filename": asset.original_filename,
    }


# -- the instructor's lesson media page -------------------------------------------------------


@bp.route("/lessons/<int:lesson_id>")
@role_required(*MANAGERS)
def lesson_media(lesson_id: int):
    """Upload a lesson's lecture and captions, follow its processing, preview it."""
    lesson = _managed_lesson(lesson_id)
    asset = _latest_asset(lesson)
    return render_template(
        "media/lesson_media.html",
        lesson=lesson,
        course=lesson.course,
        course_url=_course_url(lesson.course),
        asset=asset,
        playable=_playable_asset(lesson),
        captions=sorted(lesson.captions, key=lambda c: c.id),
        active_states=ACTIVE_STATES,
        max_upload_mb=current_app.config["MAX_UPLOAD_MB"],
        worker_running=queue_state().is_alive,
    )


@bp.route("/lessons/<int:lesson_id>/status")
@role_required(*MANAGERS)
def lesson_status(lesson_id: int):
    """The lesson's and its latest upload's processing state, polled by the media page."""
    lesson = _managed_lesson(lesson_id)
    asset = _latest_asset(lesson)
    response = jsonify(
        {
            "lesson": {"id": lesson.id, "status": lesson.status},
            "asset": _asset_state(asset),
            # The page says so instead of waiting silently when no consumer runs the job.
            "worker_running": queue_state().is_alive,
        }
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/assets/<int:asset_id>/retry", methods=["POST"])
@role_required(*MANAGERS)
def retry_asset(asset_id: int):
    """Queue a failed upload's processing again."""
    asset = db.session.get(MediaAsset, asset_id)
    if asset is None or not may_manage_course(current_user, asset.lesson.course):
        abort(404)
    if asset.status != AssetStatus.FAILED.value:
        flash(_("Only failed processing can be retried."), "error")
        return redirect(url_for("media.lesson_media", lesson_id=asset.lesson_id))
    reset_asset(asset)
    db.session.commit()

    enqueue_processing(asset.id)
    flash(_("Processing was queued again."), "success")
    return redirect(url_for("media.lesson_media", lesson_id=asset.lesson_id))


@bp.route("/captions/<int:caption_id>/delete", methods=["POST"])
@role_required(*MANAGERS)
def delete_caption(caption_id: int):
    """Remove a caption track and its file."""
    caption = db.session.get(Caption, caption_id)
    if caption is None or not may_manage_course(current_user, caption.lesson.course):
        abort(404)
    lesson_id = caption.lesson_id
    path = tus.media_path(caption.path)
    db.session.delete(caption)
    db.session.commit()
    tus.remove_file(path)
    flash(_("The caption track was deleted."), "success")
    return redirect(url_for("media.lesson_media", lesson_id=lesson_id))


# -- tus: resumable uploads -------------------------------------------------------------------


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
    if lesson is None or not may_manage_course(current_user, lesson.course):
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
    db.session.commit()
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
        db.session.commit()
        return _tus_empty(204)
    return _patch_upload(item)


def _patch_upload(item):
    lesson = db.session.get(Lesson, item.lesson_id)
    if lesson is None or not may_manage_course(current_user, lesson.course):
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
    db.session.commit()  # hold no database lock while the bytes arrive
    try:
        with tus.locked_file(path) as fh:
            db.session.refresh(item)
            if item.completed_at is not None or item.offset_bytes != offset:
                return _offset_conflict(item)
            db.session.commit()
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
        result = tus.finish_upload(item, current_user)
    except MediaRejected as exc:
        db.session.commit()
        return _tus_error(422, "rejected", str(exc))
    db.session.commit()
    if isinstance(result, MediaAsset):
        enqueue_processing(result.id)
    return None


# -- delivery ---------------------------------------------------------------------------------


def _playable_asset(lesson: Lesson) -> MediaAsset | None:
    asset = lesson.current_asset
    if asset is None or asset.status != AssetStatus.READY.value:
        return None
    return asset


@bp.route("/assets/<int:asset_id>/<path:filename>")
@login_required
def asset_file(asset_id: int, filename: str):
    """A file of an asset's renditions, to those who may see the course (ranges supported)."""
    asset = db.session.get(MediaAsset, asset_id)
    if asset is None:
        abort(404)
    course = asset.lesson.course
    # Learners get the lesson's current renditions; its instructors also any other upload's.
    allowed = may_manage_course(current_user, course) or (
        asset.lesson.current_asset_id == asset.id and may_see_course(current_user, course)
    )
    path = resolve_media_file(asset.output_dir, filename) if allowed else None
    if path is None:
        abort(404)
    return serve_media_file(path)


@bp.route("/captions/<int:caption_id>.vtt")
@login_required
def caption_file(caption_id: int):
    """A caption track as WebVTT, with the same access rule as the media."""
    caption = db.session.get(Caption, caption_id)
    if caption is None or not may_see_course(current_user, caption.lesson.course):
        abort(404)
    directory, _sep, name = caption.path.rpartition("/")
    path = resolve_media_file(directory, name)
    if path is None:
        abort(404)
    return serve_media_file(path)


# -- the player -------------------------------------------------------------------------------


@bp.route("/play/<int:lesson_id>")
@login_required
def play(lesson_id: int):
    """Play a lesson: adaptive video with captions, or audio with its waveform."""
    lesson = db.session.get(Lesson, lesson_id)
    if lesson is None or not may_see_course(current_user, lesson.course):
        abort(404)
    asset = _playable_asset(lesson)
    if asset is None:
        return render_template(
            "media/not_ready.html",
            lesson=lesson,
            course=lesson.course,
            course_url=_course_url(lesson.course),
        )
    return render_template(
        "media/play.html",
        lesson=lesson,
        course=lesson.course,
        course_url=_course_url(lesson.course),
        asset=asset,
        captions=sorted(lesson.captions, key=lambda c: c.id),
        is_video=asset.has_video and lesson.kind != LessonKind.AUDIO.value,
        may_manage=may_manage_course(current_user, lesson.course),
    )
