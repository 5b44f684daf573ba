"""Absurd recordings are refused with the reason: too wide, too tall, too long.

Real clips made by ffmpeg go up the real tus path; the caps are lowered in the test's config
(LMS_MAX_VIDEO_WIDTH, LMS_MAX_VIDEO_HEIGHT, LMS_MAX_MEDIA_SECONDS) so the clips stay tiny.
"""

import pytest
from sqlalchemy import func, select

from lms.courses.models import Course, Lesson
from lms.extensions import db
from lms.media.models import MediaAsset, Upload
from lms.media.probe import MediaLimits, MediaRejected, check_limits, clock
from tests.conftest import csrf_token
from tests.media.test_upload import TUS, metadata

OCTETS = "application/offset+octet-stream"


@pytest.fixture
def upload(app, client, login, make_user, make_clip):
    """``upload(clip, kind="video", language="en")``: the whole tus dialogue; the final answer."""

    teachers = {}

    def _upload(clip, kind="video", language="en"):
        if language not in teachers:
            teachers[language] = make_user(roles=["instructor"], preferred_language=language)
            login(teachers[language])
        course = Course(title="Limits")
        course.instructors.append(teachers[language])
        lesson = Lesson(course=course, title="Lecture", kind=kind, position=1)
        db.session.add_all([course, lesson])
        db.session.commit()
        headers = {**TUS, "X-CSRFToken": csrf_token(client, f"/media/lessons/{lesson.id}")}
        body = clip.read_bytes()
        created = client.post(
            "/media/uploads",
            headers={
                **headers,
                "Upload-Length": str(len(body)),
                "Upload-Metadata": metadata(filename=clip.name, lesson_id=lesson.id),
            },
        )
        assert created.status_code == 201
        return client.patch(
            created.headers["Location"],
            data=body,
            headers={**headers, "Upload-Offset": "0", "Content-Type": OCTETS},
        )

    return _upload


def assert_refused(response, reason):
    assert response.status_code == 422, response.get_data(as_text=True)
    error = response.get_json()["error"]
    assert error["code"] == "rejected"
    assert error["message"] == reason
    # Nothing of the refused file is kept.
    assert db.session.scalar(select(func.count(MediaAsset.id))) == 0
    assert db.session.scalar(select(func.count(Upload.id))) == 0


def test_a_video_wider_than_the_cap_is_refused(app, upload, make_clip):
    app.config["MAX_VIDEO_WIDTH"] = 300
    assert_refused(
        upload(make_clip(2, "320x240")),
        "The video is 320×240 pixels; at most 300×4096 are accepted.",
    )


def test_a_video_taller_than_the_cap_is_refused(app, upload, make_clip):
    app.config["MAX_VIDEO_HEIGHT"] = 300
    assert_refused(
        upload(make_clip(2, "240x320")),
        "The video is 240×320 pixels; at most 4096×300 are accepted.",
    )


def test_a_recording_longer_than_the_cap_is_refused(app, upload, make_clip):
    app.config["MAX_MEDIA_SECONDS"] = 3
    assert_refused(
        upload(make_clip(4)), "The recording is 0:00:04 long; at most 0:00:03 is accepted."
    )


def test_an_audio_lesson_is_held_to_the_length_but_not_to_the_picture(app, upload, make_clip):
    app.config.update(MAX_VIDEO_WIDTH=100, MAX_VIDEO_HEIGHT=100)
    assert upload(make_clip(2, "320x240"), kind="audio").status_code == 204
    app.config["MAX_MEDIA_SECONDS"] = 1
    assert upload(make_clip(2), kind="audio").status_code == 422


def test_the_reason_is_given_in_chinese(app, upload, make_clip):
    app.config["MAX_VIDEO_WIDTH"] = 300
    assert_refused(
        upload(make_clip(2, "320x240"), language="zh_CN"),
        "视频画面为 320×240 像素，最大只接受 300×4096。",
    )


def test_recordings_within_the_caps_are_accepted(app, upload, make_clip):
    app.config.update(MAX_VIDEO_WIDTH=320, MAX_VIDEO_HEIGHT=240, MAX_MEDIA_SECONDS=4)
    assert upload(make_clip(3, "320x240")).status_code == 204
    assert db.session.scalar(select(MediaAsset.status)) == "ready"


def test_default_caps_allow_4k_either_way_round_and_ten_hours():
    limits = MediaLimits.from_config(
        {"MAX_VIDEO_WIDTH": 4096, "MAX_VIDEO_HEIGHT": 4096, "MAX_MEDIA_SECONDS": 36000}
    )
    for width, height in [(3840, 2160), (2160, 3840), (4096, 2160), (1920, 1080)]:
        check_limits(limits, 36000, [{"width": width, "height": height}])
    with pytest.raises(MediaRejected):
        check_limits(limits, 10, [{"width": 7680, "height": 4320}])
    with pytest.raises(MediaRejected):
        check_limits(limits, 36001, [])
    assert clock(36000) == "10:00:00" and clock(59.9) == "0:00:59"


def test_the_instructor_sees_the_reason_on_the_media_page(
    app, page, live_server, browser_login, make_user, make_clip
):
    app.config["MAX_MEDIA_SECONDS"] = 2
    teacher = make_user("teacher", roles=["instructor"], preferred_language="en")
    course = Course(title="Browser course")
    course.instructors.append(teacher)
    lesson = Lesson(course=course, title="Lecture one", kind="video", position=1)
    db.session.add_all([course, lesson])
    db.session.commit()
    browser_login(teacher)

    page.goto(f"{live_server}/media/lessons/{lesson.id}")
    page.set_input_files("#media-file", str(make_clip(3)))
    page.click("form[data-purpose=media] [data-start]")
    error = page.locator("form[data-purpose=media] [data-error]")
    error.wait_for(state="visible", timeout=60000)
    assert error.inner_text() == (
        "The file was not accepted: The recording is 0:00:03 long; at most 0:00:02 is accepted."
    )
