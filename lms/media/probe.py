"""Check an uploaded file with ffprobe before anything else touches it."""

import json
import os
import subprocess
from dataclasses import asdict, dataclass, field

from flask_babel import gettext as _

from lms.media.ffmpeg import FORMAT_WHITELIST

PROBE_TIMEOUT_SECONDS = 60
# Video "streams" that are really still pictures: cover art in an MP3, a lone JPEG.
IMAGE_CODECS = {"mjpeg", "png", "bmp", "gif", "webp", "tiff", "jpegls", "jpeg2000"}
END_CHECK_SECONDS = 15.0
END_TOLERANCE_SECONDS = 1.0
PLAYLIST_PREFIXES = (b"#EXTM3U", b"#EXT", b"ffconcat")
IMAGE_MAGIC = (
    b"\x89PNG\r\n\x1a\n",
    b"\xff\xd8\xff",  # JPEG
    b"GIF87a",
    b"GIF89a",
    b"II*\x00",  # TIFF
    b"MM\x00*",
)
# Headers of the containers we accept: when ffprobe fails on such a file it is damaged, not alien.
CONTAINER_MAGIC = (
    b"\x1a\x45\xdf\xa3",
    b"RIFF",
    b"OggS",
    b"fLaC",
    b"ID3",
    b"FLV",
    b"\x00\x00\x01\xba",
)


class MediaRejected(Exception):
    """The file is not a lecture we can process; the message (translated) says why."""


@dataclass(frozen=True)
class MediaLimits:
    """The largest picture and the longest recording accepted (None: no limit)."""

    max_width: int | None = None
    max_height: int | None = None
    max_seconds: float | None = None

    @classmethod
    def from_config(cls, config) -> "MediaLimits":
        """LMS_MAX_VIDEO_WIDTH, LMS_MAX_VIDEO_HEIGHT and LMS_MAX_MEDIA_SECONDS."""
        return cls(
            config.get("MAX_VIDEO_WIDTH"),
            config.get("MAX_VIDEO_HEIGHT"),
            config.get("MAX_MEDIA_SECONDS"),
        )


def clock(seconds: float) -> str:
    """``h:mm:ss`` for messages about a recording's length."""
    whole = int(seconds)
    return f"{whole // 3600}:{whole % 3600 // 60:02d}:{whole % 60:02d}"


def check_limits(limits: MediaLimits, duration: float, videos: list[dict]) -> None:
    """Refuse a recording longer, or a picture wider or taller, than the limits allow."""
    if limits.max_seconds and duration > limits.max_seconds:
        raise MediaRejected(
            _(
                "The recording is %(length)s long; at most %(limit)s is accepted.",
                length=clock(duration),
                limit=clock(limits.max_seconds),
            )
        )
    # Every picture track counts: ffmpeg's own choice of track is the largest, not the first.
    for stream in videos:
        width, height = int(stream.get("width") or 0), int(stream.get("height") or 0)
        if (limits.max_width and width > limits.max_width) or (
            limits.max_height and height > limits.max_height
        ):
            raise MediaRejected(
                _(
                    "The video is %(width)d×%(height)d pixels; at most %(max_width)d×"
                    "%(max_height)d are accepted.",
                    width=width,
                    height=height,
                    max_width=limits.max_width or width,
                    max_height=limits.max_height or height,
                )
            )


@dataclass
class ProbeResult:
    """What ffprobe found, reduced to what the pipeline needs."""

    duration_seconds: float
    has_video: bool
    has_audio: bool
    width: int | None
    height: int | None
    format_name: str
    streams: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return asdict(self)

    @property
    def extension(self) -> str:
        """A file extension matching the container (the uploaded name is never trusted)."""
        names = self.format_name.split(",")
        for candidate, ext in (
            ("mp4", "mp4"),
            ("matroska", "mkv"),
            ("webm", "webm"),
            ("mp3", "mp3"),
            ("avi", "avi"),
            ("flv", "flv"),
            ("mpegts", "ts"),
            ("mpeg", "mpg"),
            ("wav", "wav"),
            ("ogg", "ogg"),
            ("flac", "flac"),
            ("aac", "aac"),
            ("asf", "wmv"),
        ):
            if candidate in names:
                return ext
        return "bin"


def _sniff(path: str) -> bytes:
    with open(path, "rb") as handle:
        return handle.read(64)


def run_ffprobe(path: str) -> tuple[dict | None, str]:
    """ffprobe's JSON (or None when it refused the file) and its error output."""
    cmd = [
        "ffprobe",
        "-v",
        "error",
        "-protocol_whitelist",
        "file",
        "-format_whitelist",
        FORMAT_WHITELIST,
        "-show_format",
        "-show_streams",
        "-of",
        "json",
        f"file:{os.path.abspath(path)}",
    ]
    try:
        proc = subprocess.run(
            cmd, capture_output=True, timeout=PROBE_TIMEOUT_SECONDS, stdin=subprocess.DEVNULL
        )
    except subprocess.TimeoutExpired:
        return None, "ffprobe timed out"
    stderr = proc.stderr.decode("utf-8", "replace")
    if proc.returncode != 0:
        return None, stderr
    try:
        return json.loads(proc.stdout.decode("utf-8", "replace")), stderr
    except ValueError:
        return None, stderr


def reaches_end(path: str, duration: float) -> bool:
    """Whether packets can be read up to the stated duration (a cut file's index lies)."""
    cmd = [
        "ffprobe", "-v", "error", "-protocol_whitelist", "file",
        "-format_whitelist", FORMAT_WHITELIST,
        # Seek near the end and read to EOF: the demuxer starts at the previous key frame.
        "-read_intervals", f"{max(0.0, duration - END_CHECK_SECONDS):.3f}%",
        "-show_entries", "packet=pts_time", "-of", "csv=p=0",
        f"file:{os.path.abspath(path)}",
    ]  # fmt: skip
    try:
        proc = subprocess.run(
            cmd, capture_output=True, timeout=PROBE_TIMEOUT_SECONDS, stdin=subprocess.DEVNULL
        )
    except subprocess.TimeoutExpired:
        return False
    if proc.returncode != 0 or b"partial file" in proc.stderr:
        return False
    times = [_float(line.strip(b" ,")) for line in proc.stdout.splitlines()]
    times = [t for t in times if t is not None]
    if not times:  # no timestamps to judge by (some raw audio): trust the duration
        return True
    return max(times) >= duration - END_TOLERANCE_SECONDS


def _float(value) -> float | None:
    try:
        result = float(value)
    except (TypeError, ValueError):
        return None
    return result if result > 0 else None


def _is_picture(stream: dict) -> bool:
    if (stream.get("disposition") or {}).get("attached_pic"):
        return True
    return stream.get("codec_name") in IMAGE_CODECS and not _float(stream.get("duration"))


def probe_media(path: str, kind: str = "video", limits: MediaLimits | None = None) -> ProbeResult:
    """Probe ``path`` for a lesson of ``kind`` ("video" or "audio"), or raise MediaRejected."""
    size = os.path.getsize(path)
    if size == 0:
        raise MediaRejected(_("The file is empty."))
    head = _sniff(path)
    if head.lstrip(b"\xef\xbb\xbf").startswith(PLAYLIST_PREFIXES):
        raise MediaRejected(_("Playlists are not accepted: upload the video or audio file itself."))
    if head.startswith(IMAGE_MAGIC) or (head[:4] == b"RIFF" and head[8:12] == b"WEBP"):
        raise MediaRejected(_("This file is an image, not a lecture."))

    info, _errors = run_ffprobe(path)
    if info is None:
        # Judge by the bytes, not by ffprobe's complaint: for a file named .mp4 it guesses
        # the MP4 demuxer and reports a missing moov atom even for plain text.
        if head[4:8] == b"ftyp" or head.startswith(CONTAINER_MAGIC):
            raise MediaRejected(_("The file is damaged or incomplete; please upload it again."))
        raise MediaRejected(_("This is not a video or audio file."))

    fmt = info.get("format") or {}
    streams = info.get("streams") or []
    videos = [s for s in streams if s.get("codec_type") == "video" and not _is_picture(s)]
    audios = [s for s in streams if s.get("codec_type") == "audio"]
    pictures = [s for s in streams if s.get("codec_type") == "video" and _is_picture(s)]
    if pictures and not videos and not audios:
        raise MediaRejected(_("This file is an image, not a lecture."))
    if not videos and not audios:
        raise MediaRejected(_("The file has neither a video nor an audio track."))
    duration = _float(fmt.get("duration"))
    if duration is None:
        raise MediaRejected(_("The file is damaged or incomplete; please upload it again."))
    if limits is not None:  # before reading to the end: an absurd length is refused at once
        check_limits(limits, duration, videos if kind != "audio" else [])
    if not reaches_end(path, duration):
        raise MediaRejected(_("The file is damaged or incomplete; please upload it again."))
    if kind == "audio" and not audios:
        raise MediaRejected(_("An audio lesson needs a file with sound."))
    if kind != "audio" and not videos:
        raise MediaRejected(
            _("A video lesson needs a file with a picture; this file has sound only.")
        )

    video = videos[0] if videos and kind != "audio" else None
    summary = [
        {
            "index": s.get("index"),
            "type": s.get("codec_type"),
            "codec": s.get("codec_name"),
            **({"width": s.get("width"), "height": s.get("height")} if s in videos else {}),
            **({"channels": s.get("channels")} if s in audios else {}),
        }
        for s in streams
    ]
    return ProbeResult(
        duration_seconds=duration,
        has_video=video is not None,
        has_audio=bool(audios),
        width=int(video["width"]) if video and video.get("width") else None,
        height=int(video["height"]) if video and video.get("height") else None,
        format_name=str(fmt.get("format_name") or ""),
        streams=summary,
    )
