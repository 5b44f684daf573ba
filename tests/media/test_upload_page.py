"""The instructor's lesson media page: state, progress polling, retry, captions, a whole upload."""

import base64
import os
import re
import subprocess

import pytest
from sqlalchemy import func, select

from lms.courses.models import Caption, Course, Lesson
from lms.extensions import db
from lms.media.models import MediaAsset, Upload
from tests.conftest import csrf_token

TUS = {"Tus-Resumable": "1.0.0"}


@pytest.fixture
def teaching(app, make_user, client, login):
    """An instructor logged in, with a draft course and a video lesson."""
    teacher = make_user("teacher", roles=["instructor"])
    course = Course(title="Media course")
    course.instructors.append(teacher)
    lesson = Lesson(course=course, title="Lecture one", kind="video", position=1)
    db.session.add_all([course, lesson])
    db.session.commit()
    login(teacher)
    return teacher, lesson


def _meta(lesson, filename="lecture.mp4"):
    """The Upload-Metadata header tus-js-client sends for a lesson's recording."""
    fields = {"filename": filename, "lesson_id": lesson.id, "purpose": "media"}
    return ",".join(f"{k} {base64.b64encode(str(v).encode()).decode()}" for k, v in fields.items())


def add_asset(lesson, **fields):
    values = {
        "lesson_id": lesson.id,
        "original_filename": "camera.mov",
        "source_path": "sources/x/source.mov",
        "status": "processing",
        "progress": 42.5,
    }
    values.update(fields)
    asset = MediaAsset(**values)
    db.session.add(asset)
    db.session.commit()
    return asset


def test_the_page_offers_a_resumable_upload(client, teaching):
    _teacher, lesson = teaching
    response = client.get(f"/media/lessons/{lesson.id}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "vendor/tus-js-client/tus.min.js" in html
    assert "js/upload.js" in html
    assert 'data-endpoint="/media/uploads"' in html
    assert f'data-lesson-id="{lesson.id}"' in html
    # The CSRF token travels to tus-js-client in a data- attribute, sent back as a header.
    # (Compared by use, not by text: a signed token carries the second it was made.)
    token = re.search(r'data-csrf="([^"]+)"', html).group(1)
    create = {**TUS, "Upload-Length": "10", "Upload-Metadata": _meta(lesson)}
    assert client.post("/media/uploads", headers=create).status_code == 400
    accepted = client.post("/media/uploads", headers={**create, "X-CSRFToken": token})
    assert accepted.status_code == 201, accepted.get_data(as_text=True)
    assert "No recording yet" in html
    assert "No caption tracks yet." in html
    assert "Pause" in html and "Resume" in html
    assert "<script>" not in html


def test_processing_shows_a_progress_bar_and_polls(client, teaching):
    _teacher, lesson = teaching
    add_asset(lesson)
    html = client.get(f"/media/lessons/{lesson.id}").get_data(as_text=True)
    assert 'data-poll="2000"' in html
    assert re.search(
        r'<progress id="processing-progress" max="100" value="42.5">42%</progress>', html
    )
    assert 'aria-live="polite"' in html
    state = client.get(f"/media/lessons/{lesson.id}/status")
    assert state.headers["Cache-Control"] == "no-store"
    assert state.get_json()["asset"]["status"] == "processing"
    assert state.get_json()["asset"]["progress"] == 42.5


def test_a_failure_shows_the_reason_and_retry_queues_again(client, teaching, post):
    _teacher, lesson = teaching
    asset = add_asset(lesson, status="failed", error="ffmpeg timed out", attempts=3)
    html = client.get(f"/media/lessons/{lesson.id}").get_data(as_text=True)
    assert "ffmpeg timed out" in html
    assert f'action="/media/assets/{asset.id}/retry"' in html
    assert "data-poll" not in html
    app = client.application
    app.config["HUEY_IMMEDIATE"] = False  # queue the job, do not run it here
    response = post(f"/media/assets/{asset.id}/retry", token_page=f"/media/lessons/{lesson.id}")
    assert response.status_code == 302
    db.session.refresh(asset)
    assert (asset.status, asset.error, asset.attempts) == ("pending", None, 0)
    assert "Processing was queued again." in client.get(f"/media/lessons/{lesson.id}").get_data(
        as_text=True
    )


def test_only_failed_processing_is_retried(client, teaching, post):
    _teacher, lesson = teaching
    asset = add_asset(lesson, status="ready", progress=100.0)
    post(f"/media/assets/{asset.id}/retry", token_page=f"/media/lessons/{lesson.id}")
    db.session.refresh(asset)
    assert asset.status == "ready"


def test_other_instructors_and_cadres_do_not_get_the_page(client, make_user, login, app):
    teacher = make_user("teacher", roles=["instructor"])
    course = Course(title="Someone else's course", is_published=True)
    course.instructors.append(teacher)
    lesson = Lesson(course=course, title="Lecture", kind="video", position=1)
    db.session.add_all([course, lesson])
    db.session.commit()
    asset = add_asset(lesson, status="failed")
    login(make_user("other", roles=["instructor"]))
    assert client.get(f"/media/lessons/{lesson.id}").status_code == 404
    assert client.get(f"/media/lessons/{lesson.id}/status").status_code == 404
    token = csrf_token(client, "/")
    response = client.post(f"/media/assets/{asset.id}/retry", data={"csrf_token": token})
    assert response.status_code == 404
    client.post("/logout", data={"csrf_token": token})
    login(make_user("learner", roles=["cadre"]))
    assert client.get(f"/media/lessons/{lesson.id}").status_code == 403


def test_a_caption_track_is_listed_and_deleted(app, client, teaching, post):
    _teacher, lesson = teaching
    folder = os.path.join(app.config["MEDIA_ROOT"], "captions", str(lesson.id))
    os.makedirs(folder)
    path = os.path.join(folder, "t.vtt")
    with open(path, "w") as fh:
        fh.write("WEBVTT\n")
    caption = Caption(
        lesson_id=lesson.id, language="en", label="English", path=f"captions/{lesson.id}/t.vtt"
    )
    db.session.add(caption)
    db.session.commit()
    page = f"/media/lessons/{lesson.id}"
    html = client.get(page).get_data(as_text=True)
    assert "English" in html and "data-confirm" in html
    response = post(f"/media/captions/{caption.id}/delete", token_page=page)
    assert response.status_code == 302
    assert db.session.scalar(select(func.count(Caption.id))) == 0
    assert not os.path.exists(path)


def test_a_whole_upload_becomes_a_playable_lesson(app, client, teaching, tmp_path):
    """Upload a real clip in three PATCHes; the job runs inline; the player page plays it."""
    _teacher, lesson = teaching
    clip = tmp_path / "lecture.mp4"
    subprocess.run(
        [
            "ffmpeg", "-nostdin", "-loglevel", "error", "-y",
            "-f", "lavfi", "-i", "testsrc=size=320x240:rate=25",
            "-f", "lavfi", "-i", "sine=frequency=440",
            "-t", "2", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
            "-c:a", "aac", str(clip),
        ],
        check=True,
    )  # fmt: skip
    body = clip.read_bytes()
    token = csrf_token(client, f"/media/lessons/{lesson.id}")
    headers = {**TUS, "X-CSRFToken": token}
    meta = ",".join(
        f"{k} {base64.b64encode(str(v).encode()).decode()}"
        for k, v in {"filename": "我的讲座.mp4", "lesson_id": lesson.id, "purpose": "media"}.items()
    )
    created = client.post(
        "/media/uploads",
        headers={**headers, "Upload-Length": str(len(body)), "Upload-Metadata": meta},
    )
    url = created.headers["Location"]
    step = len(body) // 3 + 1
    for offset in range(0, len(body), step):
        response = client.patch(
            url,
            data=body[offset : offset + step],
            headers={
                **headers,
                "Upload-Offset": str(offset),
                "Content-Type": "application/offset+octet-stream",
            },
        )
        assert response.status_code == 204, response.get_data(as_text=True)
    assert response.headers["Upload-Offset"] == str(len(body))
    asset = db.session.scalar(select(MediaAsset))
    assert asset.original_filename == "我的讲座.mp4"
    upload = db.session.scalar(select(Upload))
    assert (upload.asset_id, upload.offset_bytes) == (asset.id, len(body))
    assert upload.completed_at is not None
    assert not os.path.exists(os.path.join(app.config["MEDIA_ROOT"], upload.path))
    assert os.path.getsize(os.path.join(app.config["MEDIA_ROOT"], asset.source_path)) == len(body)
    # The job ran inline (tests): the lesson is ready and its player page points at the ladder.
    db.session.refresh(lesson)
    assert lesson.status == "ready", asset.error
    html = client.get(f"/media/play/{lesson.id}").get_data(as_text=True)
    assert f"/media/assets/{lesson.current_asset_id}/master.m3u8" in html
    playlist = client.get(f"/media/assets/{lesson.current_asset_id}/master.m3u8")
    assert playlist.status_code == 200
    assert playlist.data.startswith(b"#EXTM3U")
    assert client.get(f"/media/assets/{lesson.current_asset_id}/fallback.mp4").status_code == 200
    # The page now shows the preview.
    assert "Preview" in client.get(f"/media/lessons/{lesson.id}").get_data(as_text=True)
