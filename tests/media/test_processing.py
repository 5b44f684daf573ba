"""The processing job on real clips: outputs, replacement only when ready, failures, captions."""

import json
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from lms.core.timeutil import utcnow
from lms.courses.models import Caption, Course, Lesson
from lms.extensions import db
from lms.media.assets import create_asset
from lms.media.captions import store_caption
from lms.media.ffmpeg_runs import JobFailed, run_ffmpeg
from lms.media.models import MediaAsset
from lms.media.probe import MediaRejected
from lms.media.processing_job import process_asset, queue_processing
from lms.media.sweep import sweep_stale


def ffprobe_json(path) -> dict:
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-show_format", "-show_streams", "-of", "json", str(path)],
        capture_output=True,
        check=True,
    )
    return json.loads(out.stdout)


def upload(lesson, path, uploader):
    """What the upload does: create the asset, queue the job after the commit (inline here)."""
    asset = create_asset(lesson, str(path), "My lecture.MOV", uploader)
    db.session.commit()
    asset_id = asset.id
    queue_processing(asset_id)
    db.session.commit()  # the job is queued once the row is kept
    db.session.expire_all()
    return db.session.get(MediaAsset, asset_id)


def test_video_lecture_becomes_a_ladder_mp4_and_poster(
    app, tmp_path, make_clip, make_lesson, uploader
):
    lesson = make_lesson("video")
    source = make_clip(3, "320x240")
    asset = create_asset(lesson, str(source), "../../etc/passwd.mp4", uploader)
    assert lesson.status == "processing"
    assert asset.status == "pending"
    assert not source.exists()  # moved under a server-made name
    assert asset.source_path.startswith("sources/") and asset.source_path.endswith("/source.mp4")
    assert asset.original_filename == "../../etc/passwd.mp4"  # kept as data only
    db.session.commit()

    queue_processing(asset.id)
    db.session.commit()  # the job is queued once the row is kept
    db.session.expire_all()
    asset = db.session.get(MediaAsset, asset.id)
    assert asset.status == "ready", asset.error
    assert asset.attempts == 1 and asset.progress == 100.0
    out = tmp_path / "media" / asset.output_dir
    assert asset.output_dir == f"media/{asset.id}"
    master = (out / "master.m3u8").read_text()
    # Never upscale: a 240-line source gets one video rung of its own height, plus audio only.
    assert "240p/index.m3u8" in master and "audio/index.m3u8" in master
    assert "360p" not in master
    assert "RESOLUTION=320x240" in master
    assert [r["name"] for r in asset.renditions] == ["240p", "audio"]
    rung = (out / "240p" / "index.m3u8").read_text()
    assert "#EXT-X-PLAYLIST-TYPE:VOD" in rung and "#EXT-X-ENDLIST" in rung
    fallback = ffprobe_json(out / "fallback.mp4")
    codecs = {s["codec_type"]: s["codec_name"] for s in fallback["streams"]}
    assert codecs == {"video": "h264", "audio": "aac"}
    assert abs(float(fallback["format"]["duration"]) - 3.0) < 0.15
    with open(out / "fallback.mp4", "rb") as handle:
        head = handle.read(4096)
    assert head.find(b"moov") < head.find(b"mdat") or b"mdat" not in head  # faststart
    assert (out / "poster.jpg").read_bytes()[:3] == b"\xff\xd8\xff"
    assert abs(asset.duration_seconds - 3.0) < 0.1
    assert not list((tmp_path / "media" / "media").glob(".*.tmp"))

    lesson = db.session.get(Lesson, lesson.id)
    assert lesson.status == "ready"
    assert lesson.current_asset_id == asset.id
    assert abs(lesson.duration_seconds - 3.0) < 0.1
    assert abs(db.session.get(Course, lesson.course_id).duration_seconds - 3.0) < 0.1


def test_ladder_for_a_taller_source(app, tmp_path, make_clip, make_lesson, uploader):
    asset = upload(make_lesson("video"), make_clip(2, "854x480"), uploader)
    assert asset.status == "ready", asset.error
    master = (tmp_path / "media" / asset.output_dir / "master.m3u8").read_text()
    assert "480p/index.m3u8" in master and "360p/index.m3u8" in master
    assert "720p" not in master
    assert "RESOLUTION=640x360" in master  # aspect ratio kept, even width
    fallback = ffprobe_json(tmp_path / "media" / asset.output_dir / "fallback.mp4")
    assert fallback["streams"][0]["height"] == 480


def test_audio_lecture_gets_normalized_aac_and_waveform(
    app, tmp_path, make_clip, make_lesson, uploader
):
    lesson = make_lesson("audio")
    asset = upload(lesson, make_clip(3, video=False, ext="m4a"), uploader)
    assert asset.status == "ready", asset.error
    out = tmp_path / "media" / asset.output_dir
    audio = ffprobe_json(out / "audio.m4a")
    assert [s["codec_name"] for s in audio["streams"]] == ["aac"]
    assert abs(float(audio["format"]["duration"]) - 3.0) < 0.15
    assert "#EXT-X-ENDLIST" in (out / "audio" / "index.m3u8").read_text()
    waveform = json.loads((out / "waveform.json").read_text())
    assert len(waveform["peaks"]) == 1000
    assert all(0.0 <= p <= 1.0 for p in waveform["peaks"])
    assert max(waveform["peaks"]) > 0.1  # the tone is there
    assert abs(waveform["duration"] - 3.0) < 0.1
    assert db.session.get(Lesson, lesson.id).status == "ready"


def test_new_upload_replaces_old_renditions_only_when_ready(
    app, tmp_path, make_clip, make_lesson, uploader
):
    lesson = make_lesson("video")
    first = upload(lesson, make_clip(2, "320x240"), uploader)
    assert first.status == "ready"

    second = create_asset(lesson, str(make_clip(3, "320x240")), "take2.mp4", uploader)
    db.session.commit()
    lesson = db.session.get(Lesson, lesson.id)
    # While the new upload waits, the old one is still what cadres play.
    assert lesson.status == "ready" and lesson.current_asset_id == first.id
    assert abs(lesson.duration_seconds - 2.0) < 0.1

    queue_processing(second.id)
    db.session.commit()  # the job is queued once the row is kept
    db.session.expire_all()
    lesson = db.session.get(Lesson, lesson.id)
    assert lesson.current_asset_id == second.id
    assert abs(lesson.duration_seconds - 3.0) < 0.1
    assert abs(db.session.get(Course, lesson.course_id).duration_seconds - 3.0) < 0.1


def test_failed_job_keeps_the_old_ready_asset(app, tmp_path, make_clip, make_lesson, uploader):
    lesson = make_lesson("video")
    first = upload(lesson, make_clip(2, "320x240"), uploader)
    broken = create_asset(lesson, str(make_clip(3, "320x240")), "take2.mp4", uploader)
    db.session.commit()
    # The source is damaged after the check (a disk error, say): ffmpeg must fail cleanly.
    source = tmp_path / "media" / broken.source_path
    source.write_bytes(source.read_bytes()[:2000])
    queue_processing(broken.id)
    db.session.commit()  # the job is queued once the row is kept
    db.session.expire_all()

    broken = db.session.get(MediaAsset, broken.id)
    assert broken.status == "failed"
    assert "ffmpeg failed" in broken.error and len(broken.error) > 40  # with ffmpeg's words
    assert not (tmp_path / "media" / "media" / str(broken.id)).exists()
    assert not list((tmp_path / "media" / "media").glob(".*.tmp"))
    lesson = db.session.get(Lesson, lesson.id)
    assert lesson.status == "ready" and lesson.current_asset_id == first.id
    assert (tmp_path / "media" / first.output_dir / "master.m3u8").exists()


def test_failed_first_upload_fails_the_lesson(app, tmp_path, make_clip, make_lesson, uploader):
    lesson = make_lesson("video")
    asset = create_asset(lesson, str(make_clip(3)), "a.mp4", uploader)
    db.session.commit()
    (tmp_path / "media" / asset.source_path).write_bytes(b"\x00" * 100)
    queue_processing(asset.id)
    db.session.commit()  # the job is queued once the row is kept
    db.session.expire_all()
    assert db.session.get(MediaAsset, asset.id).status == "failed"
    assert db.session.get(Lesson, lesson.id).status == "failed"


def test_running_twice_is_harmless(app, make_clip, make_lesson, uploader):
    asset = upload(make_lesson("video"), make_clip(2), uploader)
    assert process_asset(asset.id) is None  # already ready: nothing to claim
    db.session.expire_all()
    assert db.session.get(MediaAsset, asset.id).attempts == 1


def test_ffmpeg_time_limit_kills_and_reports():
    cmd = ["ffmpeg", "-nostdin", "-re", "-f", "lavfi", "-i", "sine", "-t", "30", "-f", "null", "-"]
    with pytest.raises(JobFailed, match="timed out"):
        run_ffmpeg(cmd, limit_seconds=0.5)


def test_sweep_requeues_dead_jobs_and_gives_up_after_three(app, make_clip, make_lesson, uploader):
    app.config["HUEY_IMMEDIATE"] = False  # the sweep only queues here; nothing runs
    lesson = make_lesson("video")
    asset = create_asset(lesson, str(make_clip(2)), "a.mp4", uploader)
    asset.status, asset.attempts = "processing", 1
    asset.heartbeat_at = utcnow() - timedelta(seconds=30)
    db.session.commit()
    assert sweep_stale() == []  # heartbeat is recent enough

    later = utcnow() + timedelta(seconds=200)
    assert sweep_stale(now=later) == [asset.id]
    db.session.expire_all()
    assert db.session.get(MediaAsset, asset.id).status == "pending"
    assert sweep_stale(now=later) == []  # just re-queued: not again at once

    asset = db.session.get(MediaAsset, asset.id)
    asset.status, asset.attempts = "processing", 3
    db.session.commit()
    sweep_stale(now=later + timedelta(seconds=200))
    db.session.expire_all()
    asset = db.session.get(MediaAsset, asset.id)
    assert asset.status == "failed"
    assert "gave up after 3 attempts" in asset.error
    assert db.session.get(Lesson, lesson.id).status == "failed"


SRT = (
    "1\n00:00:00,500 --> 00:00:02,000\nComrades, welcome.\n\n"
    "2\n00:00:02,500 --> 00:00:04,000\n第二句\n"
)


def test_captions_srt_and_vtt_are_stored_as_webvtt(app, tmp_path, make_lesson):
    lesson = make_lesson("video")
    srt = tmp_path / "subs.srt"
    srt.write_text(SRT, encoding="utf-8")
    caption = store_caption(lesson, str(srt), "zh", "中文")
    db.session.commit()
    stored = tmp_path / "media" / caption.path
    assert caption.path.startswith(f"captions/{lesson.id}/") and caption.path.endswith(".vtt")
    text = stored.read_text(encoding="utf-8")
    assert text.startswith("WEBVTT")
    assert "00:00.500 --> 00:02.000" in text and "第二句" in text

    vtt = tmp_path / "subs.vtt"
    vtt.write_text("WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nHello\n")
    assert "Hello" in (tmp_path / "media" / store_caption(lesson, str(vtt), "en", "English").path
                       ).read_text()  # fmt: skip
    db.session.commit()
    assert len(db.session.scalars(select(Caption)).all()) == 2


@pytest.mark.parametrize(
    "content",
    [b"", b"just some notes\n", b"#EXTM3U\n#EXTINF:1,\nfile:///etc/passwd\n", b"\x89PNG\r\n\x1a\n"],
)
def test_captions_other_files_are_rejected(app, tmp_path, make_lesson, content):
    lesson = make_lesson("video")
    path = tmp_path / "subs.srt"
    path.write_bytes(content)
    with pytest.raises(MediaRejected, match="SRT or WebVTT"):
        store_caption(lesson, str(path), "en", "English")
    assert not Path(tmp_path / "media" / "captions").exists() or not any(
        (tmp_path / "media" / "captions").rglob("*.vtt")
    )
