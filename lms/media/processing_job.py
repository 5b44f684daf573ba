"""The processing job: transcode one asset, safe to run twice; heartbeats prove it alive."""

import json
import logging
import secrets
import shutil
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path

from flask import Flask, current_app
from sqlalchemy import and_, func, or_, select, update

from lms.core.events import after_commit
from lms.core.queue import get_huey
from lms.core.timeutil import utcnow
from lms.courses.authoring import refresh_course_duration
from lms.courses.models import LessonKind, LessonStatus
from lms.extensions import db
from lms.media import ffmpeg
from lms.media.assets import media_root
from lms.media.ffmpeg_runs import JobFailed, JobInterrupted, run_ffmpeg
from lms.media.models import AssetStatus, MediaAsset
from lms.media.probe import MediaRejected, ProbeResult, probe_media
from lms.media.storage import StorageError, get_storage

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
HEARTBEAT_SECONDS = 2.0


class JobAbandoned(Exception):
    """Another attempt owns the asset now (this one was presumed dead); stop quietly."""


def queue_processing(asset_id: int) -> None:
    """Queue the processing job for an asset once the session's transaction commits.

    The job then reads a row that was kept, in its own app context and session; if the
    transaction rolls back, nothing is queued (docs/architecture.md, events after commit).
    """
    after_commit(db.session, partial(_enqueue, current_app._get_current_object(), asset_id))


def _enqueue(app: Flask, asset_id: int) -> None:
    # The task registered by lms.media.tasks, looked up by name: this module runs inside it.
    get_huey(app)  # reads HUEY_IMMEDIATE now: inline or queued, as the app is set up (tests)
    app.extensions["media_tasks"]["process_asset"](asset_id)


def stale_before(now: datetime) -> datetime:
    return now - timedelta(seconds=current_app.config["JOB_STALE_SECONDS"])


def _claim(asset_id: int) -> int | None:
    """Take the asset for this run (pending, or processing with a stale heartbeat): the attempt."""
    now = utcnow()
    owned = and_(MediaAsset.id == asset_id, MediaAsset.attempts < MAX_ATTEMPTS)
    claimable = or_(
        MediaAsset.status == AssetStatus.PENDING.value,
        and_(
            MediaAsset.status == AssetStatus.PROCESSING.value,
            or_(MediaAsset.heartbeat_at.is_(None), MediaAsset.heartbeat_at < stale_before(now)),
        ),
    )
    # One UPDATE decides: of two runs racing for the row, exactly one changes it.
    result = db.session.execute(
        update(MediaAsset)
        .where(owned, claimable)
        .values(
            status=AssetStatus.PROCESSING.value,
            attempts=MediaAsset.attempts + 1,
            started_at=now,
            heartbeat_at=now,
            progress=0.0,
            error=None,
        )
        .execution_options(synchronize_session=False)
    )
    db.session.commit()  # a job: the claim is decided once other runs can see it
    if result.rowcount != 1:
        return None
    return db.session.scalar(select(MediaAsset.attempts).where(MediaAsset.id == asset_id))


def _ours(asset_id: int, attempt: int):
    return and_(
        MediaAsset.id == asset_id,
        MediaAsset.attempts == attempt,
        MediaAsset.status == AssetStatus.PROCESSING.value,
    )


def _beat(asset_id: int, attempt: int, percent: float) -> None:
    """Record progress and prove this run is alive; raise JobAbandoned if it lost the row."""
    result = db.session.execute(
        update(MediaAsset)
        .where(_ours(asset_id, attempt))
        .values(progress=round(min(max(percent, 0.0), 99.9), 1), heartbeat_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    db.session.commit()  # a job: a heartbeat proves the run alive only once others see it
    if result.rowcount != 1:
        raise JobAbandoned(asset_id)


class _Progress:
    """Turns ffmpeg's out_time into heartbeats, at most one every HEARTBEAT_SECONDS."""

    def __init__(self, asset_id, attempt, duration, start=0.0, span=100.0, report=None):
        self.asset_id, self.attempt = asset_id, attempt
        self.duration = max(duration or 0.0, 0.001)
        self.start, self.span, self.report = start, span, report
        self.last = 0.0

    def __call__(self, seconds: float) -> None:
        now = time.monotonic()
        if now - self.last < HEARTBEAT_SECONDS:
            return
        self.last = now
        percent = self.start + self.span * min(seconds / self.duration, 1.0)
        _beat(self.asset_id, self.attempt, percent)
        if self.report:
            self.report(percent)


def _limit(duration: float | None) -> float:
    return ffmpeg.time_limit(duration, current_app.config["FFMPEG_TIMEOUT_FACTOR"])


def _process_video(src, out_dir, probe, progress) -> list[dict]:
    threads = current_app.config["FFMPEG_THREADS"]
    cmd = ffmpeg.build_video_command(str(src), str(out_dir), probe, threads)
    run_ffmpeg(cmd, _limit(probe.duration_seconds), on_progress=progress)
    return ffmpeg.video_renditions(probe)


def _process_audio(src, out_dir, probe, asset_id, attempt, report) -> list[dict]:
    threads = current_app.config["FFMPEG_THREADS"]
    (out_dir / ffmpeg.AUDIO_ONLY_NAME).mkdir()
    encode = _Progress(asset_id, attempt, probe.duration_seconds, 0.0, 85.0, report)
    cmd = ffmpeg.build_audio_command(str(src), str(out_dir), threads)
    run_ffmpeg(cmd, _limit(probe.duration_seconds), on_progress=encode)

    # The waveform comes from a low-rate mono decode, streamed: memory stays constant.
    waveform = ffmpeg.WaveformBuilder(probe.duration_seconds)
    decoded = _Progress(asset_id, attempt, probe.duration_seconds, 85.0, 15.0, report)

    def feed(chunk):
        waveform.feed(chunk)
        decoded(waveform.seen / ffmpeg.WAVEFORM_SAMPLE_RATE)

    cmd = ffmpeg.build_waveform_command(str(src), threads)
    run_ffmpeg(cmd, _limit(probe.duration_seconds), on_stdout_chunk=feed)
    data = {"peaks": waveform.result(), "duration": probe.duration_seconds}
    (out_dir / "waveform.json").write_text(json.dumps(data, separators=(",", ":")))
    return [
        {"name": ffmpeg.AUDIO_ONLY_NAME, "height": 0, "bitrate": ffmpeg.AUDIO_LESSON_KBPS * 1000}
    ]


def _clear_leftovers(media_dir: Path, asset_id: int, keep: Path) -> None:
    """Remove temporary folders of earlier, dead attempts on this asset."""
    for path in media_dir.glob(f".{asset_id}.*.tmp"):
        if path != keep:
            shutil.rmtree(path, ignore_errors=True)


def process_asset(asset_id: int, report: Callable[[float], None] | None = None) -> str | None:
    """The processing job: transcode one asset; safe to run twice. Returns the final status."""
    attempt = _claim(asset_id)
    if attempt is None:
        log.info("asset %s: nothing to do (not pending, or another run is alive)", asset_id)
        return None
    asset = db.session.get(MediaAsset, asset_id)
    kind = asset.lesson.kind
    src = media_root() / asset.source_path
    probe = ProbeResult(**asset.probe) if asset.probe else None
    db.session.commit()  # no transaction stays open while ffmpeg runs

    media_dir = media_root() / "media"
    media_dir.mkdir(parents=True, exist_ok=True)
    work_dir = media_dir / f".{asset_id}.{attempt}.{secrets.token_hex(4)}.tmp"
    _clear_leftovers(media_dir, asset_id, work_dir)
    work_dir.mkdir()
    try:
        if probe is None:
            probe = probe_media(str(src), kind)
        if kind == LessonKind.AUDIO.value:
            renditions = _process_audio(src, work_dir, probe, asset_id, attempt, report)
        else:
            progress = _Progress(asset_id, attempt, probe.duration_seconds, report=report)
            renditions = _process_video(src, work_dir, probe, progress)
        return _finish(asset_id, attempt, work_dir, probe, renditions)
    except JobAbandoned:
        log.warning("asset %s: attempt %s lost the row to a newer attempt", asset_id, attempt)
        shutil.rmtree(work_dir, ignore_errors=True)
        return None
    except StorageError as exc:
        db.session.rollback()
        shutil.rmtree(work_dir, ignore_errors=True)
        return _store_unavailable(asset_id, attempt, str(exc))
    except JobInterrupted:
        db.session.rollback()
        shutil.rmtree(work_dir, ignore_errors=True)
        _hand_back(asset_id, attempt)
        return None
    except (JobFailed, MediaRejected, OSError) as exc:
        db.session.rollback()
        shutil.rmtree(work_dir, ignore_errors=True)
        return _fail(asset_id, attempt, str(exc))
    except BaseException:
        db.session.rollback()
        shutil.rmtree(work_dir, ignore_errors=True)
        raise


def _finish(asset_id, attempt, work_dir: Path, probe, renditions) -> str | None:
    """Publish the outputs to the media store, then make the asset the lesson's current one.

    On disk that is one rename; to a bucket every file is pushed (heartbeats keep the claim
    while it takes) and the local copy removed. The asset is ready only once that is done: a
    run that dies half-way leaves it processing, and the next attempt pushes everything again.
    """
    if db.session.scalar(select(MediaAsset.id).where(_ours(asset_id, attempt))) is None:
        raise JobAbandoned(asset_id)
    db.session.commit()  # no transaction stays open while the outputs are pushed
    output_dir = f"media/{asset_id}"
    keep_alive = _Progress(asset_id, attempt, 1.0, start=99.9, span=0.0)
    get_storage().publish_dir(work_dir, output_dir, on_file=lambda: keep_alive(0.0))
    asset = db.session.scalar(select(MediaAsset).where(_ours(asset_id, attempt)))
    if asset is None:
        raise JobAbandoned(asset_id)

    asset.status = AssetStatus.READY.value
    asset.progress = 100.0
    asset.error = None
    asset.output_dir = output_dir
    asset.renditions = renditions
    asset.duration_seconds = probe.duration_seconds
    asset.finished_at = utcnow()
    asset.heartbeat_at = asset.finished_at
    lesson = asset.lesson
    # A newer upload that finished first stays current: the latest upload wins.
    if lesson.current_asset_id is None or lesson.current_asset_id <= asset.id:
        lesson.current_asset_id = asset.id
        lesson.duration_seconds = probe.duration_seconds
    lesson.status = LessonStatus.READY.value
    db.session.flush()
    refresh_course_duration(lesson.course_id)
    db.session.commit()  # a job: the outputs are in place, the lesson plays them from now
    return AssetStatus.READY.value


def _store_unavailable(asset_id: int, attempt: int, reason: str) -> str | None:
    """The media store failed while the outputs were pushed: the sweep tries again (a new
    attempt, counted) until MAX_ATTEMPTS, then the asset fails with the store's reason."""
    log.warning("asset %s: the media store failed: %s", asset_id, reason)
    if attempt >= MAX_ATTEMPTS:
        return _fail(asset_id, attempt, reason)
    db.session.execute(
        update(MediaAsset)
        .where(_ours(asset_id, attempt))
        .values(heartbeat_at=None, error=reason[:4000])
        .execution_options(synchronize_session=False)
    )
    db.session.commit()  # a job: stale at once, so the next sweep queues it again
    return None


def _hand_back(asset_id: int, attempt: int) -> None:
    """Return an interrupted attempt to the queue: pending, and the attempt not counted."""
    # No heartbeat: the first sweep of any consumer (the next start's, or another machine's)
    # finds the asset pending since long ago and queues it again.
    db.session.execute(
        update(MediaAsset)
        .where(_ours(asset_id, attempt))
        .values(
            status=AssetStatus.PENDING.value,
            attempts=MediaAsset.attempts - 1,
            progress=0.0,
            heartbeat_at=None,
        )
        .execution_options(synchronize_session=False)
    )
    db.session.commit()  # a job: handed back before the process ends
    log.warning("asset %s: interrupted by the shutdown, left for the next run", asset_id)


def _fail(asset_id: int, attempt: int | None, reason: str) -> str | None:
    """Record the reason; the lesson is failed only when nothing older can be played."""
    condition = _ours(asset_id, attempt) if attempt is not None else MediaAsset.id == asset_id
    asset = db.session.scalar(select(MediaAsset).where(condition))
    if asset is None:
        return None
    asset.status = AssetStatus.FAILED.value
    asset.error = reason[:4000]
    asset.finished_at = utcnow()
    lesson = asset.lesson
    if lesson.current_asset_id is None and not has_active_asset(lesson.id, asset_id):
        lesson.status = LessonStatus.FAILED.value
    db.session.commit()  # a job: the failure and its reason are its outcome
    return AssetStatus.FAILED.value


def has_active_asset(lesson_id: int, except_id: int) -> bool:
    active = (AssetStatus.PENDING.value, AssetStatus.PROCESSING.value)
    return bool(
        db.session.scalar(
            select(func.count(MediaAsset.id)).where(
                MediaAsset.lesson_id == lesson_id,
                MediaAsset.id != except_id,
                MediaAsset.status.in_(active),
            )
        )
    )
