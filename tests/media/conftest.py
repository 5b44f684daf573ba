"""Media fixtures: small clips made by real ffmpeg, lessons to attach them to, inline jobs."""

import shutil
import subprocess

import pytest

from lms.courses.models import Course, Lesson
from lms.extensions import db


@pytest.fixture(autouse=True)
def immediate_jobs(request):
    """Queued jobs run inline in media tests (a test may switch this off to use a consumer)."""
    if "app" not in request.fixturenames:  # pure tests need no app (and no second backend)
        yield
        return
    app = request.getfixturevalue("app")
    app.config["HUEY_IMMEDIATE"] = True
    yield
    app.config["HUEY_IMMEDIATE"] = False


def ffmpeg(*args):
    subprocess.run(
        ["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y", *args], check=True
    )


@pytest.fixture(scope="session")
def clip_cache(tmp_path_factory):
    return tmp_path_factory.mktemp("clips")


@pytest.fixture
def make_clip(clip_cache, tmp_path):
    """``make_clip(seconds=3, size="320x240", audio=True, video=True)``: a fresh copy of an MP4.

    Clips are generated once per session and copied, because an accepted upload is moved away.
    """
    counter = {"n": 0}

    def _make(seconds=3, size="320x240", audio=True, video=True, ext="mp4"):
        name = f"{seconds}s-{size}-{int(audio)}{int(video)}.{ext}"
        cached = clip_cache / name
        if not cached.exists():
            args = []
            if video:
                args += ["-f", "lavfi", "-i", f"testsrc=size={size}:rate=25"]
            if audio:
                args += ["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100"]
            args += ["-t", str(seconds)]
            if video:
                args += ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"]
            if audio:
                args += ["-c:a", "aac" if ext in {"mp4", "m4a"} else "libmp3lame"]
            ffmpeg(*args, str(cached))
        counter["n"] += 1
        copy = tmp_path / f"upload-{counter['n']}.{ext}"
        shutil.copyfile(cached, copy)
        return copy

    return _make


@pytest.fixture
def make_lesson(app):
    """``make_lesson(kind="video")``: a lesson in a fresh draft course, committed."""

    def _make(kind="video", course=None):
        course = course or Course(title="Media course")
        lesson = Lesson(course=course, title=f"A {kind} lecture", kind=kind, position=1)
        db.session.add_all([course, lesson])
        db.session.commit()
        return lesson

    return _make


@pytest.fixture
def uploader(make_user):
    return make_user("teacher", roles=["instructor"])
