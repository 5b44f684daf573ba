"""Media pages: an instructor's lesson media, delivery and the player (uploads: upload_views)."""

from functools import partial

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from lms.accounts.models import Role
from lms.core.access import role_required
from lms.core.events import after_commit
from lms.core.queue import queue_state
from lms.courses.access import can_edit_course, can_see_course
from lms.courses.models import Caption, Lesson, LessonKind
from lms.extensions import db
from lms.media.assets import retry_asset as reset_asset
from lms.media.delivery import media_key, media_response
from lms.media.links import sign_master_playlist
from lms.media.models import AssetStatus, MediaAsset
from lms.media.processing_job import queue_processing
from lms.media.storage import StorageError, delete_quietly, get_storage

bp = Blueprint("media", __name__, url_prefix="/media")

MANAGERS = (Role.INSTRUCTOR, Role.ADMIN)
MASTER_PLAYLIST = "master.m3u8"  # lms/media/ffmpeg.py's -master_pl_name
ACTIVE_STATES = (AssetStatus.PENDING.value, AssetStatus.PROCESSING.value)


def _managed_lesson(lesson_id: int) -> Lesson:
    lesson = db.session.get(Lesson, lesson_id)
    if lesson is None or not can_edit_course(current_user, lesson.course):
        abort(404)
    return lesson


def _course_url(course) -> str:
    """The course's page."""
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
        # Back to where the instructor manages the course's lessons, not the learner's view.
        course_url=url_for("courses.edit", course_id=lesson.course_id),
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
    if asset is None or not can_edit_course(current_user, asset.lesson.course):
        abort(404)
    if asset.status != AssetStatus.FAILED.value:
        flash(_("Only failed processing can be retried."), "error")
        return redirect(url_for("media.lesson_media", lesson_id=asset.lesson_id))
    reset_asset(asset)
    queue_processing(asset.id)
    flash(_("Processing was queued again."), "success")
    return redirect(url_for("media.lesson_media", lesson_id=asset.lesson_id))


@bp.route("/captions/<int:caption_id>/delete", methods=["POST"])
@role_required(*MANAGERS)
def delete_caption(caption_id: int):
    """Remove a caption track and its file."""
    caption = db.session.get(Caption, caption_id)
    if caption is None or not can_edit_course(current_user, caption.lesson.course):
        abort(404)
    lesson_id = caption.lesson_id
    key = caption.path
    db.session.delete(caption)
    # The file goes once the row's removal is kept (docs/architecture.md, events after commit).
    after_commit(db.session, partial(delete_quietly, key))
    flash(_("The caption track was deleted."), "success")
    return redirect(url_for("media.lesson_media", lesson_id=lesson_id))


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
    allowed = can_edit_course(current_user, course) or (
        asset.lesson.current_asset_id == asset.id and can_see_course(current_user, course)
    )
    if not allowed:
        abort(404)
    if filename == MASTER_PLAYLIST:
        return _signed_master(asset)
    response = media_response(asset.output_dir, filename)
    if response is None:
        abort(404)
    return response


def _signed_master(asset: MediaAsset):
    """The master playlist with signed, expiring links to its variants for this user: their
    segments are then fetched from /m/... (nginx alone in production; lms/media/links.py)."""
    key = media_key(asset.output_dir, MASTER_PLAYLIST)
    try:
        data = get_storage().read_bytes(key) if key else None
    except StorageError as exc:
        current_app.logger.warning("media store unavailable for %s: %s", key, exc)
        abort(503)
    if data is None:
        abort(404)
    text = sign_master_playlist(data.decode("utf-8"), asset.output_dir, current_user.id)
    response = current_app.response_class(text, mimetype="application/vnd.apple.mpegurl")
    # Its links are this user's and expire: never cached, fetched again to renew them.
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/captions/<int:caption_id>.vtt")
@login_required
def caption_file(caption_id: int):
    """A caption track as WebVTT, with the same access rule as the media."""
    caption = db.session.get(Caption, caption_id)
    if caption is None or not can_see_course(current_user, caption.lesson.course):
        abort(404)
    directory, _sep, name = caption.path.rpartition("/")
    response = media_response(directory, name)
    if response is None:
        abort(404)
    return response


# -- the player -------------------------------------------------------------------------------


@bp.route("/play/<int:lesson_id>")
@login_required
def play(lesson_id: int):
    """Play a lesson: adaptive video with captions, or audio with its waveform."""
    lesson = db.session.get(Lesson, lesson_id)
    if lesson is None or not can_see_course(current_user, lesson.course):
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
        # Back to where the instructor manages the course's lessons, not the learner's view.
        course_url=url_for("courses.edit", course_id=lesson.course_id),
        asset=asset,
        captions=sorted(lesson.captions, key=lambda c: c.id),
        is_video=asset.has_video and lesson.kind != LessonKind.AUDIO.value,
        may_manage=can_edit_course(current_user, lesson.course),
        next_lesson=_next_lesson(lesson),
    )


def _next_lesson(lesson: Lesson) -> Lesson | None:
    """The lesson after this one in the course's order (the player's "next lesson" link)."""
    return db.session.scalar(
        select(Lesson)
        .where(
            Lesson.course_id == lesson.course_id,
            (Lesson.position > lesson.position)
            | ((Lesson.position == lesson.position) & (Lesson.id > lesson.id)),
        )
        .order_by(Lesson.position, Lesson.id)
        .limit(1)
    )
