"""Lessons with real processed media for the browser tests."""

import subprocess

import pytest

from lms.courses.models import Course, Lesson
from lms.extensions import db
from lms.media.assets import create_asset
from lms.media.processing_job import process_asset


def _make_clip(path, kind: str, seconds: int) -> None:
    """A small real clip made by ffmpeg: test pattern and tone, or tone alone."""
    video = ["-f", "lavfi", "-i", "testsrc2=size=320x240:rate=12"] if kind == "video" else []
    codecs = ["-c:v", "libx264", "-preset", "veryfast"] if kind == "video" else ["-vn"]
    subprocess.run(
        ["ffmpeg", "-nostdin", "-loglevel", "error", "-y", *video,
         "-f", "lavfi", "-i", "sine=frequency=220:sample_rate=44100",
         "-t", str(seconds), *codecs, "-c:a", "aac", str(path)],
        check=True,
    )  # fmt: skip


@pytest.fixture
def make_ready_lesson(app, tmp_path):
    """``make_ready_lesson(kind="video", seconds=30)``: a published lesson with processed media."""
    counter = {"n": 0}

    def _make(kind="video", seconds=30, course=None):
        counter["n"] += 1
        source = tmp_path / f"lecture{counter['n']}.{'mp4' if kind == 'video' else 'm4a'}"
        _make_clip(source, kind, seconds)
        course = course or Course(title="Weekend class", is_published=True)
        lesson = Lesson(course=course, title=f"Lecture {counter['n']}", kind=kind)
        db.session.add_all([course, lesson])
        db.session.commit()
        asset = create_asset(lesson, source, source.name, None)
        db.session.commit()
        assert process_asset(asset.id) == "ready"
        db.session.commit()
        return db.session.get(Lesson, lesson.id)

    return _make


@pytest.fixture
def ready_video(make_ready_lesson):
    """A published course with one processed 30-second video lesson."""
    return make_ready_lesson("video", 30)
