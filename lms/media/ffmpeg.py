"""Pure ffmpeg command building and progress parsing: no Flask, no database, no subprocess."""

from dataclasses import dataclass

import ffmpeg as ffmpeg_python

# Demuxers a lecture may arrive in. Anything that can reference other files or URLs (hls,
# concat, sdp, image sequences, ...) is absent, so ffmpeg refuses to open it at all.
FORMAT_WHITELIST = (
    "mov,mp4,m4a,3gp,3g2,mj2,matroska,webm,avi,flv,mpegts,mpeg,mp3,wav,ogg,flac,aac,asf"
)
# Caption files are read by the subtitle demuxers only.
CAPTION_FORMAT_WHITELIST = "srt,webvtt"

SEGMENT_SECONDS = 6
POSTER_FRACTION = 0.10
WAVEFORM_SAMPLE_RATE = 8000
AUDIO_ONLY_NAME = "audio"


@dataclass(frozen=True)
class Rung:
    """One rendition of the HLS ladder."""

    name: str
    height: int
    video_kbps: int
    audio_kbps: int

    def as_dict(self) -> dict:
        return {
            "name": self.name,
            "height": self.height,
            "bitrate": (self.video_kbps + self.audio_kbps) * 1000,
        }


# Lectures are mostly a speaker and slides: modest bitrates keep them watchable on phones.
LADDER = (
    Rung("1080p", 1080, 4500, 128),
    Rung("720p", 720, 2500, 128),
    Rung("480p", 480, 1100, 96),
    Rung("360p", 360, 650, 96),
)
AUDIO_ONLY_KBPS = 64
AUDIO_LESSON_KBPS = 128


def even(value: float) -> int:
    """The largest even integer not above ``value`` (H.264 in 4:2:0 needs even sizes)."""
    return max(2, int(value) // 2 * 2)


def select_ladder(source_height: int) -> list[Rung]:
    """The rungs not above the source (never upscale); a small source gets one rung of its own."""
    rungs = [rung for rung in LADDER if rung.height <= source_height]
    if rungs:
        return rungs
    height = even(source_height)
    smallest = LADDER[-1]
    video_kbps = max(150, round(smallest.video_kbps * (height / smallest.height) ** 2))
    return [Rung(f"{height}p", height, video_kbps, smallest.audio_kbps)]


def fallback_rung(rungs: list[Rung]) -> Rung:
    """The progressive MP4's size: 480p, else the smallest rung of at least 360p, else the top."""
    for rung in rungs:
        if rung.height == 480:
            return rung
    tall_enough = [rung for rung in rungs if rung.height >= 360]
    if tall_enough:
        return min(tall_enough, key=lambda rung: rung.height)
    return rungs[0]


def time_limit(duration_seconds: float | None, factor: float) -> float:
    """Seconds an ffmpeg call on media of this length may take before it is killed."""
    return factor * (duration_seconds or 0.0) + 60.0


def parse_progress_line(line: str) -> float | None:
    """Seconds of output written, from one line of ``-progress`` output (else None)."""
    key, _, value = line.strip().partition("=")
    if key != "out_time_us":  # out_time_ms is microseconds too, a known ffmpeg misnomer
        return None
    try:
        return max(0.0, int(value) / 1_000_000)
    except ValueError:  # "N/A" before the first packet
        return None


def _input_args(src: str, threads: int, whitelist: str = FORMAT_WHITELIST) -> list[str]:
    # The input is opened with the same restrictions as the probe: no playlist or network
    # demuxer can sneak in between the check and the transcode.
    return [
        "-threads",
        str(threads),
        "-protocol_whitelist",
        "file",
        "-format_whitelist",
        whitelist,
        "-i",
        f"file:{src}",
    ]


def _common_args() -> list[str]:
    # -nostdin: a job has no terminal; -progress pipe:1 feeds the progress bar and heartbeat.
    return ["ffmpeg", "-nostdin", "-hide_banner", "-y", "-loglevel", "error", *_PROGRESS]


_PROGRESS = ["-progress", "pipe:1", "-nostats"]


def _x264_args(threads: int) -> list[str]:
    # Key frames every SEGMENT_SECONDS on every rung, so players can switch at any segment.
    return [
        "-c:v",
        "libx264",
        "-preset",
        "veryfast",
        "-profile:v",
        "main",
        "-sc_threshold",
        "0",
        "-force_key_frames",
        f"expr:gte(t,n_forced*{SEGMENT_SECONDS})",
        "-threads",
        str(threads),
    ]


def build_video_command(src: str, out_dir: str, probe, threads: int) -> list[str]:
    """One ffmpeg run, one decode: HLS ladder + audio-only rendition, fallback MP4, poster."""
    rungs = select_ladder(probe.height or 360)
    fallback = fallback_rung(rungs)
    has_audio = probe.has_audio
    branches = len(rungs) + 2  # the ladder, the fallback MP4, the poster
    labels = "".join(f"[s{i}]" for i in range(branches))
    graph = [f"[0:v:0]split={branches}{labels}"]
    for i, rung in enumerate(rungs):
        graph.append(f"[s{i}]scale=-2:{rung.height},format=yuv420p[v{i}]")
    graph.append(f"[s{len(rungs)}]scale=-2:{fallback.height},format=yuv420p[vf]")
    poster_at = round((probe.duration_seconds or 0) * POSTER_FRACTION, 3)
    poster_height = min(rungs[0].height, 720)
    graph.append(f"[s{len(rungs) + 1}]select='gte(t,{poster_at})',scale=-2:{poster_height}[vp]")

    # The filter graph gets the same thread bound as the decoder and each encoder.
    cmd = [
        *_common_args(),
        "-filter_complex_threads",
        str(threads),
        *_input_args(src, threads),
        "-filter_complex",
        ";".join(graph),
    ]

    # Output 1: the HLS ladder, its master playlist and the audio-only rendition.
    stream_map = []
    for i, rung in enumerate(rungs):
        cmd += ["-map", f"[v{i}]"]
        cmd += [f"-b:v:{i}", f"{rung.video_kbps}k"]
        cmd += [f"-maxrate:v:{i}", f"{round(rung.video_kbps * 1.07)}k"]
        cmd += [f"-bufsize:v:{i}", f"{rung.video_kbps * 2}k"]
        if has_audio:
            cmd += ["-map", "0:a:0", f"-b:a:{i}", f"{rung.audio_kbps}k"]
            stream_map.append(f"v:{i},a:{i},name:{rung.name}")
        else:
            stream_map.append(f"v:{i},name:{rung.name}")
    if has_audio:
        n = len(rungs)
        cmd += ["-map", "0:a:0", f"-b:a:{n}", f"{AUDIO_ONLY_KBPS}k"]
        stream_map.append(f"a:{n},name:{AUDIO_ONLY_NAME}")
        cmd += ["-c:a", "aac", "-ac", "2"]
    cmd += _x264_args(threads)
    cmd += [
        "-f",
        "hls",
        "-hls_time",
        str(SEGMENT_SECONDS),
        "-hls_playlist_type",
        "vod",
        "-hls_flags",
        "independent_segments",
        "-hls_segment_type",
        "mpegts",
        "-hls_segment_filename",
        f"{out_dir}/%v/segment_%05d.ts",
        "-master_pl_name",
        "master.m3u8",
        "-var_stream_map",
        " ".join(stream_map),
        f"{out_dir}/%v/index.m3u8",
    ]

    # Output 2: the progressive MP4 for players without HLS, moov first for quick starts.
    cmd += ["-map", "[vf]"]
    cmd += _x264_args(threads)
    cmd += ["-b:v", f"{fallback.video_kbps}k", "-maxrate", f"{round(fallback.video_kbps * 1.07)}k"]
    cmd += ["-bufsize", f"{fallback.video_kbps * 2}k"]
    if has_audio:
        cmd += ["-map", "0:a:0", "-c:a", "aac", "-ac", "2", "-b:a", f"{fallback.audio_kbps}k"]
    cmd += ["-movflags", "+faststart", f"{out_dir}/fallback.mp4"]

    # Output 3: one poster frame, about a tenth of the way in (past any title card).
    cmd += ["-map", "[vp]", "-frames:v", "1", "-q:v", "3", f"{out_dir}/poster.jpg"]
    return cmd


def video_renditions(probe) -> list[dict]:
    """What ``build_video_command`` produces, as stored on the asset."""
    rungs = select_ladder(probe.height or 360)
    renditions = [rung.as_dict() for rung in rungs]
    if probe.has_audio:
        renditions.append({"name": AUDIO_ONLY_NAME, "height": 0, "bitrate": AUDIO_ONLY_KBPS * 1000})
    return renditions


def _with_globals(compiled: list[str], progress=False, filter_threads=None) -> list[str]:
    # ffmpeg-python appends global_args after the outputs, where ffmpeg 5 ignores them as
    # "trailing options"; they go right after the program name instead.
    extra = _PROGRESS if progress else []
    if filter_threads:
        extra = [*extra, "-filter_complex_threads", str(filter_threads)]
    return [compiled[0], "-nostdin", "-hide_banner", "-loglevel", "error", *extra, *compiled[1:]]


def build_audio_command(src: str, out_dir: str, threads: int) -> list[str]:
    """Loudness-normalized AAC: ``audio.m4a`` (faststart) and an HLS audio playlist."""
    stream = ffmpeg_python.input(
        f"file:{src}",
        threads=threads,
        protocol_whitelist="file",
        format_whitelist=FORMAT_WHITELIST,
    )
    # Single-pass loudnorm (EBU R128, -16 LUFS as podcasts use) evens out quiet lecture halls.
    normalized = stream["a:0"].filter("loudnorm", I=-16, TP=-1.5, LRA=11).filter("aresample", 48000)
    branches = normalized.filter_multi_output("asplit")
    aac = {"c:a": "aac", "b:a": f"{AUDIO_LESSON_KBPS}k", "ac": 2, "threads": threads}
    m4a = branches[0].output(f"{out_dir}/audio.m4a", movflags="+faststart", **aac)
    hls = branches[1].output(
        f"{out_dir}/{AUDIO_ONLY_NAME}/index.m3u8",
        f="hls",
        hls_time=SEGMENT_SECONDS,
        hls_playlist_type="vod",
        hls_segment_filename=f"{out_dir}/{AUDIO_ONLY_NAME}/segment_%05d.ts",
        **aac,
    )
    # The work folder is new: nothing to overwrite, so no -y.
    compiled = ffmpeg_python.merge_outputs(m4a, hls).compile()
    return _with_globals(compiled, progress=True, filter_threads=threads)


def build_waveform_command(src: str, threads: int) -> list[str]:
    """Mono 16-bit PCM at a low rate on stdout, read in chunks to compute the waveform."""
    stream = ffmpeg_python.input(
        f"file:{src}",
        threads=threads,
        protocol_whitelist="file",
        format_whitelist=FORMAT_WHITELIST,
    )
    out = stream["a:0"].output("pipe:1", ac=1, ar=WAVEFORM_SAMPLE_RATE, f="s16le", threads=threads)
    return _with_globals(out.compile())


def build_caption_command(src: str, dest: str) -> list[str]:
    """SRT or WebVTT in, WebVTT out; the subtitle demuxers are the only ones allowed."""
    stream = ffmpeg_python.input(
        f"file:{src}", protocol_whitelist="file", format_whitelist=CAPTION_FORMAT_WHITELIST
    )
    return _with_globals(stream.output(f"file:{dest}", f="webvtt").compile())


class WaveformBuilder:
    """Peaks of mono s16le PCM in ``buckets`` equal time slices, fed in chunks (constant memory)."""

    def __init__(
        self, duration_seconds: float, buckets: int = 1000, sample_rate: int = WAVEFORM_SAMPLE_RATE
    ):
        self.total_samples = max(1, round(duration_seconds * sample_rate))
        self.buckets = buckets
        self.peaks = [0] * buckets
        self.seen = 0
        self._leftover = b""

    def feed(self, chunk: bytes) -> None:
        import array

        data = self._leftover + chunk
        usable = len(data) - len(data) % 2
        self._leftover = data[usable:]
        samples = array.array("h", data[:usable])
        if not samples:
            return
        per_bucket = self.total_samples / self.buckets
        start = self.seen
        # Walk the chunk bucket by bucket, taking the loudest sample of each slice.
        index = 0
        while index < len(samples):
            bucket = min(self.buckets - 1, int((start + index) / per_bucket))
            bucket_end = int((bucket + 1) * per_bucket) if bucket < self.buckets - 1 else None
            stop = len(samples) if bucket_end is None else min(len(samples), bucket_end - start)
            stop = max(stop, index + 1)
            piece = samples[index:stop]
            peak = max(max(piece), -min(piece))
            if peak > self.peaks[bucket]:
                self.peaks[bucket] = peak
            index = stop
        self.seen += len(samples)

    def result(self) -> list[float]:
        """Peaks from 0 to 1, with 3 decimals (the JSON stays small)."""
        return [round(min(peak, 32767) / 32767, 3) for peak in self.peaks]
