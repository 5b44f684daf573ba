"""ffprobe checks: real lectures pass, crafted files are refused with a reason and go nowhere."""

import pytest
from sqlalchemy import func, select

from lms.extensions import db
from lms.media.assets import create_asset
from lms.media.models import MediaAsset
from lms.media.probe import MediaRejected, probe_media, run_ffprobe
from tests.media.conftest import ffmpeg


def test_video_clip_is_described(make_clip):
    result = probe_media(str(make_clip(3, "320x240")), "video")
    assert result.has_video and result.has_audio
    assert (result.width, result.height) == (320, 240)
    assert abs(result.duration_seconds - 3.0) < 0.1
    assert "mp4" in result.format_name.split(",")
    assert result.extension == "mp4"
    assert {s["type"] for s in result.streams} == {"video", "audio"}


def test_audio_lesson_accepts_sound_and_ignores_picture(make_clip):
    result = probe_media(str(make_clip(3, audio=True, video=True)), "audio")
    assert result.has_audio and not result.has_video
    assert result.width is None


def test_mp3_with_cover_art_is_audio(tmp_path):
    cover = tmp_path / "cover.png"
    ffmpeg("-f", "lavfi", "-i", "color=red:size=64x64", "-frames:v", "1", str(cover))
    mp3 = tmp_path / "talk.mp3"
    ffmpeg(
        "-f", "lavfi", "-i", "sine=frequency=300", "-i", str(cover), "-t", "2",
        "-map", "0:a", "-map", "1:v", "-c:v", "png", "-disposition:v", "attached_pic", str(mp3),
    )  # fmt: skip
    result = probe_media(str(mp3), "audio")
    assert result.has_audio and not result.has_video
    with pytest.raises(MediaRejected, match="needs a file with a picture"):
        probe_media(str(mp3), "video")


def _crafted(tmp_path, make_clip):
    """Each file a careless or malicious upload could be, with the reason it must be refused."""
    target = make_clip(3)
    playlist = tmp_path / "lecture.mp4"
    playlist.write_text(
        f"#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10,\nfile://{target}\n#EXT-X-ENDLIST\n"
    )
    concat = tmp_path / "concat.mp4"
    concat.write_text(f"ffconcat version 1.0\nfile '{target}'\n")
    text = tmp_path / "notes.mp4"
    text.write_text("Minutes of the meeting.\n" * 200)
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    whole = make_clip(3).read_bytes()
    truncated = tmp_path / "cut.mp4"
    truncated.write_bytes(whole[: len(whole) // 2])  # moov atom comes last: now missing
    faststart = tmp_path / "faststart.mp4"
    ffmpeg("-i", str(make_clip(3)), "-c", "copy", "-movflags", "+faststart", str(faststart))
    cut_faststart = tmp_path / "cut-faststart.mp4"
    cut_faststart.write_bytes(faststart.read_bytes()[: faststart.stat().st_size // 2])
    image = tmp_path / "slide.mp4"
    ffmpeg("-f", "lavfi", "-i", "testsrc=size=64x64", "-frames:v", "1", "-f", "image2",
           "-c:v", "png", str(image))  # fmt: skip
    archive = tmp_path / "lecture.zip.mp4"
    archive.write_bytes(b"PK\x03\x04" + bytes(range(256)) * 20)
    subtitles = tmp_path / "subs.srt"
    subtitles.write_text("1\n00:00:00,000 --> 00:00:01,000\nHello\n")
    subtitle_only = tmp_path / "subtitles-only.mkv"
    ffmpeg("-i", str(subtitles), "-c:s", "srt", str(subtitle_only))
    return [
        (playlist, "Playlists are not accepted"),
        (concat, "Playlists are not accepted"),
        (text, "not a video or audio file"),
        (archive, "not a video or audio file"),
        (empty, "empty"),
        (truncated, "damaged or incomplete"),
        (cut_faststart, "damaged or incomplete"),  # its index still promises 3 s
        (image, "an image, not a lecture"),
        (subtitle_only, "neither a video nor an audio track"),
    ]


def test_every_crafted_file_is_rejected_and_nothing_is_stored(
    app, tmp_path, make_clip, make_lesson, uploader
):
    lesson = make_lesson("video")
    media_root = tmp_path / "media"
    for path, reason in _crafted(tmp_path, make_clip):
        with pytest.raises(MediaRejected, match=reason):
            create_asset(lesson, str(path), path.name, uploader)
        db.session.rollback()
        assert path.exists(), path  # left for the caller to delete, never moved into storage
    assert db.session.scalar(select(func.count(MediaAsset.id))) == 0
    assert not (media_root / "sources").exists()
    assert not (media_root / "media").exists()
    assert db.session.get(type(lesson), lesson.id).status == "empty"


def test_the_whitelist_itself_refuses_playlists(tmp_path, make_clip):
    """Behind the byte sniffing, ffprobe may not open a playlist demuxer at all."""
    target = make_clip(3)
    playlist = tmp_path / "list.m3u8"
    playlist.write_text(f"#EXTM3U\n#EXTINF:3,\n{target}\n#EXT-X-ENDLIST\n")
    info, stderr = run_ffprobe(str(playlist))
    assert info is None
    assert "whitelist" in stderr.lower()


def test_kind_must_match(make_clip):
    silent = make_clip(3, audio=False)
    with pytest.raises(MediaRejected, match="audio lesson needs a file with sound"):
        probe_media(str(silent), "audio")
    sound_only = make_clip(3, video=False, ext="m4a")
    with pytest.raises(MediaRejected, match="needs a file with a picture"):
        probe_media(str(sound_only), "video")
    assert probe_media(str(sound_only), "audio").has_audio
