"""Resumable uploads over tus 1.0: creation, offsets, resuming, termination, access and CSRF."""

import base64
import os
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from lms.core.timeutil import utcnow
from lms.courses.models import Course, Lesson
from lms.extensions import db
from lms.media.models import MediaAsset, Upload
from lms.media.uploads import cleanup_stale_uploads
from tests.conftest import csrf_token

TUS = {"Tus-Resumable": "1.0.0"}
OCTETS = "application/offset+octet-stream"


def metadata(**values) -> str:
    return ",".join(
        f"{key} {base64.b64encode(str(value).encode()).decode()}" for key, value in values.items()
    )


@pytest.fixture
def course_lesson(app, make_user):
    """A draft course taught by ``teacher`` with one video lesson."""
    teacher = make_user("teacher", roles=["instructor"])
    course = Course(title="Upload course")
    course.instructors.append(teacher)
    lesson = Lesson(course=course, title="Lecture one", kind="video", position=1)
    db.session.add_all([course, lesson])
    db.session.commit()
    return teacher, lesson


@pytest.fixture
def tus(client, login, course_lesson):
    """A logged-in instructor's tus client: ``create(length)``, ``patch(url, offset, data)``."""
    teacher, lesson = course_lesson
    login(teacher)
    token = csrf_token(client, "/")

    class Tus:
        headers = {**TUS, "X-CSRFToken": token}

        def create(self, length, purpose="media", lesson_id=None, **extra):
            meta = metadata(
                filename="lecture.mp4",
                lesson_id=lesson_id or lesson.id,
                purpose=purpose,
                **extra,
            )
            return client.post(
                "/media/uploads",
                headers={**self.headers, "Upload-Length": str(length), "Upload-Metadata": meta},
            )

        def location(self, length, **kwargs):
            response = self.create(length, **kwargs)
            assert response.status_code == 201, response.get_data(as_text=True)
            return response.headers["Location"]

        def patch(self, url, offset, data, **kwargs):
            headers = {**self.headers, "Upload-Offset": str(offset), "Content-Type": OCTETS}
            headers.update(kwargs.pop("headers", {}))
            return client.patch(url, data=data, headers=headers, **kwargs)

        def head(self, url):
            return client.head(url, headers=TUS)

    return Tus()


def part_path(app, url) -> str:
    upload = db.session.get(Upload, url.rsplit("/", 1)[1])
    return os.path.join(app.config["MEDIA_ROOT"], upload.path)


def test_options_announce_the_protocol(client):
    response = client.options("/media/uploads")
    assert response.status_code == 204
    assert response.headers["Tus-Version"] == "1.0.0"
    assert response.headers["Tus-Extension"] == "creation,termination"
    assert response.headers["Tus-Max-Size"] == str(8192 * 1024 * 1024)


def test_create_then_patch_in_several_chunks(app, tus):
    body = os.urandom(3 * 1024 * 1024 + 17)
    response = tus.create(len(body))
    assert response.status_code == 201
    assert response.headers["Tus-Resumable"] == "1.0.0"
    url = response.headers["Location"]
    upload_id = url.rsplit("/", 1)[1]
    assert len(upload_id) >= 40  # unguessable
    assert os.path.getsize(part_path(app, url)) == 0

    head = tus.head(url)
    assert head.status_code == 200
    assert head.headers["Upload-Offset"] == "0"
    assert head.headers["Upload-Length"] == str(len(body))
    assert head.headers["Cache-Control"] == "no-store"

    cut = 1024 * 1024 + 5
    first = tus.patch(url, 0, body[:cut])
    assert first.status_code == 204
    assert first.headers["Upload-Offset"] == str(cut)
    assert tus.head(url).headers["Upload-Offset"] == str(cut)
    second = tus.patch(url, cut, body[cut : 2 * cut])
    assert second.headers["Upload-Offset"] == str(2 * cut)
    with open(part_path(app, url), "rb") as fh:
        assert fh.read() == body[: 2 * cut]
    assert db.session.get(Upload, upload_id).offset_bytes == 2 * cut


def test_a_dropped_connection_keeps_what_arrived_and_resumes(app, tus):
    body = os.urandom(3 * 1024 * 1024)
    url = tus.location(len(body))
    # The client announced the whole file but the connection died after 1.5 MiB.
    arrived = 1024 * 1024 + 512 * 1024
    response = tus.patch(
        url, 0, body[:arrived], environ_overrides={"CONTENT_LENGTH": str(len(body))}
    )
    assert response.status_code == 204
    head = tus.head(url)
    assert head.headers["Upload-Offset"] == str(arrived)
    # The client asks where to go on and sends the rest from there.
    rest = tus.patch(url, arrived, body[arrived : arrived + 1024])
    assert rest.headers["Upload-Offset"] == str(arrived + 1024)
    with open(part_path(app, url), "rb") as fh:
        assert fh.read() == body[: arrived + 1024]


def test_a_wrong_offset_is_a_conflict(tus):
    url = tus.location(100)
    assert tus.patch(url, 0, b"x" * 10).status_code == 204
    response = tus.patch(url, 5, b"y" * 10)
    assert response.status_code == 409
    assert response.headers["Upload-Offset"] == "10"
    assert tus.head(url).headers["Upload-Offset"] == "10"


def test_bytes_beyond_the_length_are_refused(app, tus):
    url = tus.location(10)
    response = tus.patch(url, 0, b"z" * 11)
    assert response.status_code == 413
    assert tus.head(url).headers["Upload-Offset"] == "0"
    assert os.path.getsize(part_path(app, url)) == 0


def test_the_wrong_content_type_is_refused(tus):
    url = tus.location(10)
    response = tus.patch(url, 0, b"z", headers={"Content-Type": "text/plain"})
    assert response.status_code == 415


def test_over_the_size_limit_is_413(app, tus):
    app.config["MAX_UPLOAD_MB"] = 1
    response = tus.create(1024 * 1024 + 1)
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "too_large"
    assert db.session.scalar(select(func.count(Upload.id))) == 0


def test_delete_ends_the_upload(app, client, tus):
    url = tus.location(100)
    tus.patch(url, 0, b"a" * 40)
    path = part_path(app, url)
    response = client.delete(url, headers=tus.headers)
    assert response.status_code == 204
    assert not os.path.exists(path)
    assert tus.head(url).status_code == 404


def test_other_users_uploads_do_not_exist_for_them(
    app, client, tus, make_user, login, course_lesson
):
    url = tus.location(100)
    _teacher, lesson = course_lesson
    colleague = make_user("colleague", roles=["instructor"])
    lesson.course.instructors.append(colleague)
    db.session.commit()
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    login(colleague)
    token = csrf_token(client, "/")
    assert client.head(url, headers=TUS).status_code == 404
    response = client.patch(
        url,
        data=b"evil",
        headers={**TUS, "X-CSRFToken": token, "Upload-Offset": "0", "Content-Type": OCTETS},
    )
    assert response.status_code == 404


def test_only_the_lessons_instructors_and_admins_create_uploads(
    app, client, make_user, login, course_lesson
):
    _teacher, lesson = course_lesson
    meta = metadata(filename="a.mp4", lesson_id=lesson.id, purpose="media")

    def create():
        token = csrf_token(client, "/")
        return client.post(
            "/media/uploads",
            headers={**TUS, "X-CSRFToken": token, "Upload-Length": "10", "Upload-Metadata": meta},
        )

    login(make_user("learner", roles=["cadre"]))
    assert create().status_code == 403
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    login(make_user("stranger", roles=["instructor"]))
    assert create().status_code == 404  # another instructor's lesson
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    login(make_user("boss", roles=["admin"]))
    assert create().status_code == 201


def test_session_requests_need_the_csrf_header(client, tus, course_lesson):
    _teacher, lesson = course_lesson
    meta = metadata(filename="a.mp4", lesson_id=lesson.id, purpose="media")
    response = client.post(
        "/media/uploads", headers={**TUS, "Upload-Length": "10", "Upload-Metadata": meta}
    )
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "csrf"
    forged = client.post(
        "/media/uploads",
        headers={**TUS, "X-CSRFToken": "forged", "Upload-Length": "10", "Upload-Metadata": meta},
    )
    assert forged.status_code == 400
    url = tus.location(10)
    no_header = client.patch(
        url, data=b"0123456789", headers={**TUS, "Upload-Offset": "0", "Content-Type": OCTETS}
    )
    assert no_header.status_code == 400
    assert client.delete(url, headers=TUS).status_code == 400
    assert tus.head(url).headers["Upload-Offset"] == "0"
    assert db.session.scalar(select(func.count(Upload.id))) == 1


def test_the_protocol_version_is_checked(client, tus):
    response = client.post(
        "/media/uploads",
        headers={"Tus-Resumable": "0.2.2", "X-CSRFToken": tus.headers["X-CSRFToken"]},
    )
    assert response.status_code == 412
    assert response.headers["Tus-Version"] == "1.0.0"


def test_stale_uploads_are_cleaned_up(app, tus):
    url = tus.location(100)
    path = part_path(app, url)
    upload = db.session.get(Upload, url.rsplit("/", 1)[1])
    upload.updated_at = utcnow() - timedelta(days=8)
    db.session.commit()
    fresh = tus.location(100)
    # Creating an upload sweeps the stale ones on its way.
    assert db.session.get(Upload, url.rsplit("/", 1)[1]) is None
    assert not os.path.exists(path)
    assert db.session.get(Upload, fresh.rsplit("/", 1)[1]) is not None
    assert cleanup_stale_uploads(now=utcnow() + timedelta(days=8)) == 1


def test_a_bad_file_is_rejected_on_the_final_patch(app, tus):
    body = b"This is a text file, not a lecture.\n" * 100
    url = tus.location(len(body))
    path = part_path(app, url)
    assert tus.patch(url, 0, body[:1000]).status_code == 204
    response = tus.patch(url, 1000, body[1000:])
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "rejected"
    assert error["message"]
    assert db.session.scalar(select(func.count(MediaAsset.id))) == 0
    assert not os.path.exists(path)
    assert tus.head(url).status_code == 404


def test_a_caption_upload_adds_a_track(app, tus, course_lesson):
    _teacher, lesson = course_lesson
    body = "1\n00:00:00,000 --> 00:00:02,000\n你好，同志们\n\n".encode()
    url = tus.location(len(body), purpose="caption", language="zh", label="中文")
    response = tus.patch(url, 0, body)
    assert response.status_code == 204, response.get_data(as_text=True)
    db.session.refresh(lesson)
    [caption] = lesson.captions
    assert (caption.language, caption.label) == ("zh", "中文")
    with open(os.path.join(app.config["MEDIA_ROOT"], caption.path), encoding="utf-8") as fh:
        assert fh.read().startswith("WEBVTT")


def test_a_caption_needs_a_language_and_label(tus):
    response = tus.create(10, purpose="caption", language="zh")
    assert response.status_code == 400


def test_a_patch_may_exceed_the_apps_body_limit(app, tus):
    app.config["MAX_CONTENT_LENGTH"] = 64 * 1024  # the roster import's limit, made tiny
    body = os.urandom(2 * 1024 * 1024)
    url = tus.location(len(body) + 10)
    response = tus.patch(url, 0, body)
    assert response.status_code == 204
    assert response.headers["Upload-Offset"] == str(len(body))


def test_an_upload_larger_than_the_free_disk_is_refused(app, tus):
    import shutil

    app.config["MAX_UPLOAD_MB"] = 10**9  # the size limit allows it; the disk does not
    os.makedirs(app.config["MEDIA_ROOT"], exist_ok=True)
    free = shutil.disk_usage(app.config["MEDIA_ROOT"]).free
    response = tus.create(free + 1)
    assert response.status_code == 507
    assert response.get_json()["error"]["code"] == "no_space"
    assert db.session.scalar(select(func.count(Upload.id))) == 0


def test_an_instructor_taken_off_the_course_cannot_go_on(tus, course_lesson):
    teacher, lesson = course_lesson
    url = tus.location(100)
    lesson.course.instructors.remove(teacher)
    db.session.commit()
    assert tus.patch(url, 0, b"a" * 10).status_code == 404


def test_a_failed_hand_over_is_not_reported_as_complete(app, tus, tmp_path):
    """If the server fails after the last byte, HEAD must not say "done": the client re-sends."""
    import subprocess

    clip = tmp_path / "clip.mp4"
    subprocess.run(
        [
            "ffmpeg", "-nostdin", "-loglevel", "error", "-y",
            "-f", "lavfi", "-i", "testsrc=size=160x120:rate=10",
            "-f", "lavfi", "-i", "sine", "-t", "1",
            "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac",
            str(clip),
        ],
        check=True,
    )  # fmt: skip
    body = clip.read_bytes()
    url = tus.location(len(body))
    half = len(body) // 2
    assert tus.patch(url, 0, body[:half]).status_code == 204
    # Sabotage the folder the pipeline moves sources into: the hand-over fails.
    blocker = os.path.join(app.config["MEDIA_ROOT"], "sources")
    with open(blocker, "w") as fh:
        fh.write("in the way")
    assert tus.patch(url, half, body[half:]).status_code == 500
    assert tus.head(url).headers["Upload-Offset"] == str(half)
    assert db.session.scalar(select(func.count(MediaAsset.id))) == 0
    os.remove(blocker)
    response = tus.patch(url, half, body[half:])
    assert response.status_code == 204
    assert response.headers["Upload-Offset"] == str(len(body))
    assert db.session.scalar(select(func.count(MediaAsset.id))) == 1
    assert tus.head(url).headers["Upload-Offset"] == str(len(body))


def test_finished_upload_rows_are_dropped_after_a_week(app, tus):
    url = tus.location(100)
    upload = db.session.get(Upload, url.rsplit("/", 1)[1])
    upload.completed_at = utcnow() - timedelta(days=1)
    db.session.commit()
    assert cleanup_stale_uploads() == 0
    assert cleanup_stale_uploads(now=utcnow() + timedelta(days=7)) == 1
    assert db.session.scalar(select(func.count(Upload.id))) == 0


def test_post_with_a_method_override_stands_for_patch(client, tus):
    url = tus.location(10)
    headers = {**tus.headers, "Upload-Offset": "0", "Content-Type": OCTETS}
    response = client.post(
        url, data=b"abcde", headers={**headers, "X-HTTP-Method-Override": "PATCH"}
    )
    assert response.status_code == 204
    assert response.headers["Upload-Offset"] == "5"
    assert client.post(url, headers=tus.headers).status_code == 405
