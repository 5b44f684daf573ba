"""The Huey queue, the CLI, and recovery from a worker killed in the middle of a transcode."""

import logging
import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from huey import RedisHuey, SqliteHuey
from sqlalchemy import update

from lms import create_app
from lms.core.queue import get_huey
from lms.core.timeutil import utcnow
from lms.courses.models import Lesson
from lms.extensions import db
from lms.media.assets import create_asset
from lms.media.models import MediaAsset
from lms.media.processing_job import queue_processing
from lms.media.sweep import sweep_stale

ROOT = Path(__file__).resolve().parents[2]


def test_default_queue_is_sqlite_in_the_instance_folder(app):
    app.config["HUEY_IMMEDIATE"] = False
    huey = get_huey(app)
    assert isinstance(huey, SqliteHuey) and not huey.immediate
    assert huey.storage.filename == str(Path(app.instance_path) / "huey.sqlite3")
    names = {
        name.rsplit(".", 2)[-2] + "." + name.rsplit(".", 1)[-1] for name in huey._registry._registry
    }
    assert {"media.process_asset", "media.sweep_stale"} <= names

    # The media sweep, mail delivery and the close of expired quiz attempts run every
    # minute; the weekly reminders on Fridays at 10:00 UTC; the sync of the year's assigned
    # courses every day at 18:30 UTC (02:30 in Beijing), once.
    def due(moment):
        return sorted(
            task.name.rsplit(".", 2)[-2] + "." + task.name.rsplit(".", 1)[-1]
            for task in huey.read_periodic(moment)
        )

    minutely = ["media.sweep_stale", "notify.deliver_due", "quizzes.close_expired"]
    assert due(datetime(2026, 3, 1, 10, 17)) == minutely  # a Sunday
    assert due(datetime(2026, 3, 6, 10, 0)) == sorted([*minutely, "notify.weekly"])  # Friday
    for day in range(1, 8):  # every day of a week
        assert due(datetime(2026, 3, day, 18, 30)) == sorted([*minutely, "plans.sync_daily"])
        assert due(datetime(2026, 3, day, 18, 31)) == minutely
        assert due(datetime(2026, 3, day, 6, 30)) == minutely


def test_redis_url_selects_redis_queue(app):
    redis_app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "x" * 40,
            "SQLALCHEMY_DATABASE_URI": "sqlite://",
            "REDIS_URL": "redis://127.0.0.1:6399/5",
        }
    )
    assert isinstance(redis_app.extensions["huey"], RedisHuey)


def test_missing_ffmpeg_is_reported_at_start_up(app, tmp_path, monkeypatch, caplog):
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with caplog.at_level(logging.WARNING):
        create_app(
            {"TESTING": True, "SECRET_KEY": "x" * 40, "SQLALCHEMY_DATABASE_URI": "sqlite://"}
        )
    messages = " ".join(r.getMessage() for r in caplog.records)
    assert "ffmpeg was not found" in messages and "ffprobe was not found" in messages


def test_media_check(app, tmp_path, monkeypatch):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["media", "check"])
    assert result.exit_code == 0, result.output
    assert "ffmpeg version" in result.output
    assert "encoder libx264: available" in result.output
    assert "encoder aac: available" in result.output

    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    result = runner.invoke(args=["media", "check"])
    assert result.exit_code == 1
    assert "ffmpeg was not found on PATH" in result.output


def test_media_reprocess(app, tmp_path, make_clip, make_lesson, uploader):
    lesson = make_lesson("video")
    asset = create_asset(lesson, str(make_clip(2)), "a.mp4", uploader)
    db.session.commit()
    queue_processing(asset.id)
    db.session.commit()  # the job is queued once the row is kept
    runner = app.test_cli_runner()
    result = runner.invoke(args=["media", "reprocess", str(lesson.id)])
    assert result.exit_code == 0, result.output
    # A ready asset is redone as a new one (the old keeps playing meanwhile) from the same source.
    new_id = asset.id + 1
    assert f"Asset {new_id} is ready (2.0 s)" in result.output
    assert "%" in result.output  # progress was printed
    db.session.expire_all()
    new = db.session.get(MediaAsset, new_id)
    assert new.status == "ready" and new.attempts == 1
    assert new.source_path != asset.source_path
    assert (tmp_path / "media" / new.source_path).read_bytes() == (
        tmp_path / "media" / asset.source_path
    ).read_bytes()
    assert (tmp_path / "media" / new.output_dir / "master.m3u8").exists()
    assert db.session.get(Lesson, lesson.id).current_asset_id == new_id

    # A failed asset is simply run again.
    new.status, new.error, new.attempts = "failed", "disk full", 3
    db.session.commit()
    lesson_of_failed = db.session.get(Lesson, lesson.id)
    lesson_of_failed.current_asset_id = None
    db.session.commit()
    result = runner.invoke(args=["media", "reprocess", str(lesson.id)])
    assert f"Asset {new_id} is ready" in result.output, result.output
    assert "No lesson with id 999" in runner.invoke(args=["media", "reprocess", "999"]).output


def _start_worker(app, tmp_path, name):
    env = {k: v for k, v in os.environ.items() if not k.startswith("LMS_")}
    env.update(
        LMS_INSTANCE_PATH=app.instance_path,
        LMS_DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
        LMS_MEDIA_ROOT=app.config["MEDIA_ROOT"],
        LMS_FFMPEG_THREADS="1",
        LMS_DEFAULT_LOCALE="en",
    )
    log = open(tmp_path / f"{name}.log", "wb")  # noqa: SIM115 - closed with the process
    proc = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "lms", "worker", "--workers", "1"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    return proc, log


def _poll(asset_id, predicate, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        db.session.expire_all()
        asset = db.session.get(MediaAsset, asset_id)
        seen = SimpleNamespace(
            status=asset.status, progress=asset.progress, attempts=asset.attempts, error=asset.error
        )
        # No transaction may stay open between polls: on SQLite it would block the worker.
        db.session.commit()
        if predicate(seen):
            return seen
        time.sleep(0.1)
    return None


def test_killed_worker_is_recovered_by_the_sweep(app, tmp_path, make_clip, make_lesson, uploader):
    """kill -9 a consumer mid-transcode: the sweep re-queues the job and a new consumer ends it."""
    app.config["HUEY_IMMEDIATE"] = False  # a real consumer process runs the job
    lesson = make_lesson("video")
    asset = create_asset(lesson, str(make_clip(12, "640x360")), "long.mp4", uploader)
    db.session.commit()
    asset_id = asset.id
    queue_processing(asset_id)
    db.session.commit()  # the job is queued once the row is kept

    worker, log = _start_worker(app, tmp_path, "first")
    try:
        running = _poll(asset_id, lambda a: a.status == "processing" and a.progress > 5, 30)
        assert running is not None, (tmp_path / "first.log").read_text()
        worker.send_signal(signal.SIGKILL)
        worker.wait(10)
    finally:
        if worker.poll() is None:
            worker.kill()
        log.close()
    db.session.expire_all()
    killed = db.session.get(MediaAsset, asset_id)
    assert killed.status == "processing" and killed.attempts == 1  # stuck, as a crash leaves it
    assert 0 < killed.progress < 100

    # Time passes: the heartbeat goes stale and the periodic sweep re-queues the job.
    db.session.execute(
        update(MediaAsset)
        .where(MediaAsset.id == asset_id)
        .values(heartbeat_at=utcnow() - timedelta(seconds=600))
    )
    db.session.commit()
    assert sweep_stale() == [asset_id]

    worker, log = _start_worker(app, tmp_path, "second")
    try:
        done = _poll(asset_id, lambda a: a.status in {"ready", "failed"}, 45)
    finally:
        worker.send_signal(signal.SIGINT)
        try:
            worker.wait(10)
        except subprocess.TimeoutExpired:
            worker.kill()
        log.close()
    assert done is not None, (tmp_path / "second.log").read_text()
    assert done.status == "ready", done.error
    assert done.attempts == 2
    media = Path(app.config["MEDIA_ROOT"]) / "media"
    assert (media / str(asset_id) / "master.m3u8").exists()
    assert not list(media.glob(".*.tmp"))  # the dead attempt's half outputs are gone
    assert db.session.get(Lesson, lesson.id).status == "ready"


@pytest.mark.parametrize("stale", [False, True])
def test_pending_job_never_picked_up_is_requeued(app, make_clip, make_lesson, uploader, stale):
    """A job queued but lost (queue wiped, enqueue after a crash) still gets processed."""
    lesson = make_lesson("video")
    asset = create_asset(lesson, str(make_clip(2)), "a.mp4", uploader)
    db.session.commit()
    now = utcnow() + timedelta(seconds=300 if stale else 10)
    requeued = sweep_stale(now=now)  # inline queue here: the re-queued job runs at once
    db.session.expire_all()
    asset = db.session.get(MediaAsset, asset.id)
    assert requeued == ([asset.id] if stale else [])
    assert asset.status == ("ready" if stale else "pending")


def test_run_py_consumer_processes_jobs_and_leaves_signals_to_waitress(
    app, make_clip, make_lesson, uploader
):
    import run

    app.config["HUEY_IMMEDIATE"] = False
    before = signal.getsignal(signal.SIGINT)
    lesson = make_lesson("video")
    asset = create_asset(lesson, str(make_clip(2)), "a.mp4", uploader)
    db.session.commit()
    asset_id = asset.id
    db.session.commit()
    consumer = run.start_job_consumer(app)
    try:
        assert signal.getsignal(signal.SIGINT) is before
        queue_processing(asset_id)
        db.session.commit()  # the job is queued once the row is kept
        done = _poll(asset_id, lambda a: a.status in {"ready", "failed"}, 30)
    finally:
        consumer.stop(graceful=True)
    assert done is not None and done.status == "ready", done
    assert done.attempts == 1


def _ffmpeg_running_on(path: str) -> bool:
    """Whether an ffmpeg names ``path`` (an orphan is reparented, so no parent test)."""
    for proc in Path("/proc").iterdir():
        try:
            cmdline = (proc / "cmdline").read_bytes().decode(errors="replace")
        except OSError:
            continue
        if proc.name.isdigit() and "ffmpeg" in cmdline and path in cmdline:
            return True
    return False


def test_sigterm_to_a_worker_stops_its_ffmpeg_and_hands_the_job_back(
    app, tmp_path, make_clip, make_lesson, uploader
):
    """systemd stops ``flask worker`` with SIGTERM: Huey ends at once; ffmpeg must not live on
    as an orphan, and the job goes back to pending with its attempt not counted."""
    app.config["HUEY_IMMEDIATE"] = False
    lesson = make_lesson("video")
    asset = create_asset(lesson, str(make_clip(40, "640x360")), "long.mp4", uploader)
    db.session.commit()
    asset_id, source = asset.id, asset.source_path
    queue_processing(asset_id)
    db.session.commit()  # the job is queued once the row is kept
    worker, log = _start_worker(app, tmp_path, "worker")
    try:
        running = _poll(asset_id, lambda a: a.status == "processing" and a.progress > 1, 30)
        assert running is not None, (tmp_path / "worker.log").read_text()
        assert _ffmpeg_running_on(source)
        started = time.monotonic()
        worker.send_signal(signal.SIGTERM)
        worker.wait(15)
        assert time.monotonic() - started < 15
    finally:
        if worker.poll() is None:
            worker.kill()
        log.close()
    assert not _ffmpeg_running_on(source), "ffmpeg outlived the worker"
    db.session.expire_all()
    handed_back = db.session.get(MediaAsset, asset_id)
    assert handed_back.status == "pending" and handed_back.attempts == 0
    assert handed_back.heartbeat_at is None  # the next sweep queues it again
