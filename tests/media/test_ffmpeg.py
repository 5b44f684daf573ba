"""The pure ffmpeg command builders and parsers (no ffmpeg runs here)."""

import array
from types import SimpleNamespace

import pytest

from lms.media import ffmpeg


def probe(height=1080, width=1920, has_audio=True, duration=600.0):
    return SimpleNamespace(
        height=height, width=width, has_audio=has_audio, duration_seconds=duration
    )


@pytest.mark.parametrize(
    ("height", "names"),
    [
        (2160, ["1080p", "720p", "480p", "360p"]),
        (1080, ["1080p", "720p", "480p", "360p"]),
        (1079, ["720p", "480p", "360p"]),
        (720, ["720p", "480p", "360p"]),
        (360, ["360p"]),
        (240, ["240p"]),
        (241, ["240p"]),
    ],
)
def test_ladder_never_upscales(height, names):
    rungs = ffmpeg.select_ladder(height)
    assert [r.name for r in rungs] == names
    assert all(r.height <= height and r.height % 2 == 0 for r in rungs)


def test_fallback_is_480p_or_smallest_at_least_360():
    assert ffmpeg.fallback_rung(ffmpeg.select_ladder(1080)).height == 480
    assert ffmpeg.fallback_rung(ffmpeg.select_ladder(400)).height == 360
    assert ffmpeg.fallback_rung(ffmpeg.select_ladder(240)).height == 240


def test_progress_lines():
    assert ffmpeg.parse_progress_line("out_time_us=12500000\n") == 12.5
    assert ffmpeg.parse_progress_line("out_time_us=N/A") is None
    assert ffmpeg.parse_progress_line("out_time_ms=12500000") is None
    assert ffmpeg.parse_progress_line("progress=end") is None
    assert ffmpeg.parse_progress_line("out_time_us=-5") == 0.0


def test_time_limit_is_proportional():
    assert ffmpeg.time_limit(100, 3.0) == 360
    assert ffmpeg.time_limit(None, 3.0) == 60


def test_video_command_one_decode_full_ladder():
    cmd = ffmpeg.build_video_command("/m/src.mp4", "/m/out", probe(), threads=2)
    text = " ".join(cmd)
    assert cmd.count("-i") == 1
    assert cmd[cmd.index("-i") + 1] == "file:/m/src.mp4"
    assert cmd[cmd.index("-protocol_whitelist") + 1] == "file"
    assert "hls" not in cmd[cmd.index("-format_whitelist") + 1].split(",")
    assert "-nostdin" in cmd
    assert all(cmd[i + 1] == "2" for i, arg in enumerate(cmd) if arg == "-threads")
    assert cmd[cmd.index("-filter_complex_threads") + 1] == "2"
    assert "split=6" in text  # 4 rungs + fallback + poster
    for height in (1080, 720, 480, 360):
        assert f"scale=-2:{height}" in text
    stream_map = cmd[cmd.index("-var_stream_map") + 1]
    assert stream_map == (
        "v:0,a:0,name:1080p v:1,a:1,name:720p v:2,a:2,name:480p v:3,a:3,name:360p a:4,name:audio"
    )
    assert cmd[cmd.index("-master_pl_name") + 1] == "master.m3u8"
    assert cmd[cmd.index("-hls_time") + 1] == "6"
    assert cmd[cmd.index("-hls_playlist_type") + 1] == "vod"
    assert "independent_segments" in cmd
    assert cmd[cmd.index("-movflags") + 1] == "+faststart"
    assert cmd[-1] == "/m/out/poster.jpg"
    assert "gte(t,60.0)" in text  # the poster is taken at 10 % of 600 s


def test_video_command_small_silent_source():
    cmd = ffmpeg.build_video_command("/s.mp4", "/o", probe(240, 320, has_audio=False), 1)
    text = " ".join(cmd)
    assert "split=3" in text
    assert "scale=-2:360" not in text
    assert cmd[cmd.index("-var_stream_map") + 1] == "v:0,name:240p"
    assert "0:a:0" not in cmd


def test_audio_command_normalizes_loudness():
    cmd = ffmpeg.build_audio_command("/s.wav", "/o", threads=2)
    text = " ".join(cmd)
    assert "loudnorm" in text
    assert "/o/audio.m4a" in cmd and "/o/audio/index.m3u8" in cmd
    assert cmd[cmd.index("-protocol_whitelist") + 1] == "file"
    assert "-nostdin" in cmd and "+faststart" in cmd
    assert cmd[cmd.index("-filter_complex_threads") + 1] == "2"
    assert cmd.index("-nostdin") < cmd.index("-i")  # global options first, not trailing


def test_waveform_command_streams_low_rate_pcm():
    cmd = ffmpeg.build_waveform_command("/s.wav", threads=1)
    assert cmd[-1] == "pipe:1"
    assert cmd[cmd.index("-ac") : cmd.index("-ac") + 2] == ["-ac", "1"]
    assert cmd[cmd.index("-ar") + 1] == "8000"
    assert cmd[cmd.index("-f") + 1] == "s16le"


def test_caption_command_only_reads_subtitles():
    cmd = ffmpeg.build_caption_command("/in.srt", "/out.vtt")
    assert cmd[cmd.index("-format_whitelist") + 1] == "srt,webvtt"
    assert cmd[-1] == "file:/out.vtt"


def test_waveform_peaks_per_bucket_in_chunks():
    # 4 s at 8 kHz: first half silent, second half at full scale, fed in odd-sized chunks.
    samples = array.array("h", [0] * 16000 + [-32768, 32767] * 8000).tobytes()
    builder = ffmpeg.WaveformBuilder(duration_seconds=4, buckets=8)
    for start in range(0, len(samples), 999):
        builder.feed(samples[start : start + 999])
    peaks = builder.result()
    assert len(peaks) == 8
    assert peaks[:4] == [0.0] * 4
    assert peaks[4:] == [1.0] * 4
