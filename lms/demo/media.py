"""Demo lectures made by ffmpeg: a test pattern with a tone, and a speech-like audio track."""

import shutil
import subprocess
import tempfile
from pathlib import Path

from sqlalchemy import select

from lms.accounts.models import User
from lms.courses.models import Course, LessonStatus
from lms.extensions import db
from lms.media.assets import create_asset
from lms.media.processing_job import process_asset

DEMO_SECONDS = 60

# A talking-head stand-in: a moving test pattern with a soft tone, small enough to process
# in seconds on a small server (one 240p rung, the audio rendition, the MP4 and a poster).
VIDEO_SOURCE = [
    "-f", "lavfi", "-i", "testsrc2=size=426x240:rate=12",
    "-f", "lavfi", "-i", "sine=frequency=180:sample_rate=44100,tremolo=f=4:d=0.7",
    "-c:v", "libx264", "-preset", "veryfast", "-crf", "30", "-c:a", "aac", "-b:a", "64k",
]  # fmt: skip
# Speech-like: a voice-band tone whose loudness rises and falls about four times a second.
AUDIO_SOURCE = [
    "-f", "lavfi", "-i", "sine=frequency=220:sample_rate=44100,tremolo=f=4:d=0.9",
    "-c:a", "aac", "-b:a", "64k",
]  # fmt: skip


def _generate(arguments: list[str], destination: Path, seconds: int) -> None:
    subprocess.run(
        ["ffmpeg", "-nostdin", "-loglevel", "error", "-y", *arguments, "-t", str(seconds),
         str(destination)],
        check=True,
        timeout=120,
    )  # fmt: skip


def seed_demo_media(course_titles, seconds: int = DEMO_SECONDS) -> int:
    """Give every lesson of the named demo courses that has no media a processed clip.

    Runs the real pipeline (probe, asset, transcode) synchronously, so the demo is playable
    when the command returns; lessons that already have media are left alone. Returns the
    number of lessons processed.
    """
    instructor = db.session.scalar(select(User).where(User.username == "instructor"))
    lessons = [
        lesson
        for course in db.session.scalars(select(Course).where(Course.title.in_(course_titles)))
        for lesson in course.lessons
        if lesson.current_asset_id is None and lesson.status != LessonStatus.PROCESSING.value
    ]
    if not lessons:
        return 0
    with tempfile.TemporaryDirectory(prefix="lms-demo-") as folder:
        sources = {
            "video": Path(folder) / "lecture.mp4",
            "audio": Path(folder) / "talk.m4a",
        }
        _generate(VIDEO_SOURCE, sources["video"], seconds)
        _generate(AUDIO_SOURCE, sources["audio"], seconds)
        for lesson in lessons:
            source = sources["audio" if lesson.kind == "audio" else "video"]
            copy = Path(folder) / f"lesson-{lesson.id}{source.suffix}"
            shutil.copyfile(source, copy)
            asset = create_asset(lesson, copy, source.name, instructor)
            db.session.commit()  # the job claims the asset in its own transaction
            process_asset(asset.id)
    return len(lessons)
