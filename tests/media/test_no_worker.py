"""The media page says "no worker is running" instead of waiting silently at 0 %."""

import time

import pytest

from lms.core.queue import get_huey, record_heartbeat
from lms.courses.models import Course, Lesson
from lms.extensions import db
from lms.media.assets import create_asset


def beat(app, seconds_ago: float) -> None:
    record_heartbeat(get_huey(app), "test", 2, now=time.time() - seconds_ago)


WORKER_TEXT = {
    "en": "No worker is running: processing waits until one runs.",
    "zh_CN": "没有任务进程在运行：处理要等到有进程运行时才开始。",
}


@pytest.mark.parametrize("language", ["en", "zh_CN"])
def test_media_page_says_no_worker_is_running(app, client, login, make_user, make_clip, language):
    app.config["HUEY_IMMEDIATE"] = False  # a real queue, with no consumer
    teacher = make_user("teacher", roles=["instructor"], preferred_language=language)
    course = Course(title="Media course")
    course.instructors.append(teacher)
    lesson = Lesson(course=course, title="Lecture", kind="video", position=1)
    db.session.add_all([course, lesson])
    db.session.commit()
    create_asset(lesson, str(make_clip(2)), "lecture.mp4", teacher)
    db.session.commit()
    login(teacher)

    html = client.get(f"/media/lessons/{lesson.id}").get_data(as_text=True)
    notice = html.split("data-no-worker", 1)[1].split("</p>", 1)[0]
    assert WORKER_TEXT[language] in notice and "hidden" not in notice.split(">", 1)[0]
    state = client.get(f"/media/lessons/{lesson.id}/status").get_json()
    assert state["asset"]["status"] == "pending" and state["worker_running"] is False

    beat(app, 5)
    html = client.get(f"/media/lessons/{lesson.id}").get_data(as_text=True)
    notice = html.split("data-no-worker", 1)[1].split("</p>", 1)[0]
    assert "hidden" in notice.split(">", 1)[0]
    assert client.get(f"/media/lessons/{lesson.id}/status").get_json()["worker_running"] is True
