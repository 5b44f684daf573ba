"""In a real browser: an instructor uploads a lecture with tus-js-client, then plays it."""

import subprocess

import pytest
from sqlalchemy import func, select

from lms.courses.models import Course, Lesson
from lms.extensions import db
from lms.media.models import Upload


@pytest.fixture
def lecture(tmp_path):
    clip = tmp_path / "lecture.mp4"
    subprocess.run(
        [
            "ffmpeg", "-nostdin", "-loglevel", "error", "-y",
            "-f", "lavfi", "-i", "testsrc=size=320x240:rate=25",
            "-f", "lavfi", "-i", "sine=frequency=440",
            "-t", "3", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
            "-c:a", "aac", str(clip),
        ],
        check=True,
    )  # fmt: skip
    return clip


def test_upload_watch_progress_and_play(app, page, live_server, browser_login, make_user, lecture):
    teacher = make_user("teacher", roles=["instructor"], preferred_language="en")
    course = Course(title="Browser course", is_published=True)
    course.instructors.append(teacher)
    lesson = Lesson(course=course, title="Lecture one", kind="video", position=1)
    db.session.add_all([course, lesson])
    db.session.commit()
    browser_login(teacher)

    page.goto(f"{live_server}/media/lessons/{lesson.id}")
    assert "No recording yet" in page.locator("main").inner_text()
    page.set_input_files("#media-file", str(lecture))
    page.click("form[data-purpose=media] [data-start]")
    # Processing runs inline in tests, so the upload's last request returns once it is ready;
    # the page then reloads and shows the preview.
    page.wait_for_selector("text=Upload complete", timeout=60000)
    page.wait_for_selector("#preview-title", timeout=60000)
    progress = page.locator("#upload-progress")
    assert progress.count() == 1
    db.session.refresh(lesson)
    assert lesson.status == "ready"

    page.goto(f"{live_server}/media/play/{lesson.id}")
    video = page.locator("video.lesson-video")
    assert video.count() == 1
    # hls.js (or the browser's own HLS) took over from the MP4, and the video loads.
    page.wait_for_function(
        "() => { const v = document.querySelector('video.lesson-video');"
        " return v.readyState >= 1 && v.duration > 2; }",
        timeout=20000,
    )
    source = page.evaluate(
        "() => { const v = document.querySelector('video.lesson-video');"
        " return v.currentSrc || v.src; }"
    )
    uses_hls = page.evaluate("() => !!(window.Hls && window.Hls.isSupported())")
    print("player source:", source, "hls.js:", uses_hls)
    if uses_hls:
        assert source.startswith("blob:")
    else:
        assert source.endswith("fallback.mp4") or source.endswith("master.m3u8")


def test_an_audio_lesson_plays_with_a_clickable_waveform(
    app, page, live_server, browser_login, make_user, tmp_path
):
    clip = tmp_path / "talk.m4a"
    subprocess.run(
        [
            "ffmpeg", "-nostdin", "-loglevel", "error", "-y",
            "-f", "lavfi", "-i", "sine=frequency=300:duration=4",
            "-af", "volume=enable='between(t,2,4)':volume=0",
            "-c:a", "aac", str(clip),
        ],
        check=True,
    )  # fmt: skip
    teacher = make_user("teacher", roles=["instructor"], preferred_language="en")
    course = Course(title="Audio course", is_published=True)
    course.instructors.append(teacher)
    lesson = Lesson(course=course, title="A talk", kind="audio", position=1)
    db.session.add_all([course, lesson])
    db.session.commit()
    browser_login(teacher)
    page.goto(f"{live_server}/media/lessons/{lesson.id}")
    page.set_input_files("#media-file", str(clip))
    page.click("form[data-purpose=media] [data-start]")
    page.wait_for_selector("#preview-title", timeout=60000)

    page.goto(f"{live_server}/media/play/{lesson.id}")
    assert "Waveform of the recording" in page.locator("figcaption").inner_text()
    page.wait_for_function(
        "() => document.querySelector('audio.lesson-audio').readyState >= 1", timeout=20000
    )
    # The waveform is drawn: tall bars for the tone, flat ones for the silence after it.
    heights = page.evaluate(
        """() => {
          const c = document.querySelector('canvas.waveform');
          const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
          const column = (x) => { let n = 0;
            for (let y = 0; y < c.height; y++) { if (data[(y * c.width + x) * 4 + 3] > 0) n++; }
            return n; };
          let left = 0;
          let right = 0;
          for (let x = 0; x < c.width / 4; x++) left = Math.max(left, column(x));
          for (let x = c.width - 1; x >= c.width * 0.75; x--) right = Math.max(right, column(x));
          return [left, right];
        }"""
    )
    assert heights[0] > 3 * heights[1] > 0
    # Clicking three quarters of the way along seeks there.
    box = page.locator("canvas.waveform").bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.75, box["y"] + box["height"] / 2)
    position = page.evaluate(
        "() => { const a = document.querySelector('audio.lesson-audio');"
        " return a.currentTime / a.duration; }"
    )
    assert 0.65 < position < 0.85


def test_an_upload_cut_off_resumes_after_a_page_reload(
    app, page, live_server, browser_login, make_user, lecture
):
    teacher = make_user("teacher", roles=["instructor"], preferred_language="en")
    course = Course(title="Resume course")
    course.instructors.append(teacher)
    lesson = Lesson(course=course, title="Lecture one", kind="video", position=1)
    db.session.add_all([course, lesson])
    db.session.commit()
    browser_login(teacher)
    chunk = 8 * 1024
    assert lecture.stat().st_size > 4 * chunk
    sent = []  # (method, Upload-Offset) of every tus request the page makes
    line = {"patches": 0, "drop_after": 2}

    def network(route, request):
        if "/media/uploads" not in request.url:
            return route.continue_()
        sent.append((request.method, request.headers.get("upload-offset")))
        if request.method == "PATCH":
            line["patches"] += 1
            if line["drop_after"] is not None and line["patches"] > line["drop_after"]:
                return route.abort("connectionreset")  # the line drops after two chunks
        return route.continue_()

    page.route("**/media/uploads**", network)
    page.goto(f"{live_server}/media/lessons/{lesson.id}")
    page.evaluate(
        f"document.querySelector('form[data-purpose=media]').dataset.chunkSize = '{chunk}'"
    )
    page.set_input_files("#media-file", str(lecture))
    page.click("form[data-purpose=media] [data-start]")
    # tus-js-client retries on its own (HEAD, then PATCH from the offset); let it fail twice.
    for _tick in range(150):
        if line["patches"] >= 4:
            break
        page.wait_for_timeout(100)
    upload = db.session.scalar(select(Upload))
    assert upload.offset_bytes == 2 * chunk
    assert ("HEAD", None) in sent

    # The cadre's instructor reloads the page and picks the same file again.
    line["drop_after"] = None
    sent.clear()
    page.reload()
    page.evaluate(
        f"document.querySelector('form[data-purpose=media]').dataset.chunkSize = '{chunk}'"
    )
    page.set_input_files("#media-file", str(lecture))
    page.click("form[data-purpose=media] [data-start]")
    page.wait_for_selector("#preview-title", timeout=60000)
    # No new upload was created: the page asked where the old one stood and went on from there.
    assert ("POST", None) not in sent
    assert ("HEAD", None) in sent
    patches = [int(offset) for method, offset in sent if method == "PATCH"]
    assert patches[0] == 2 * chunk
    assert db.session.scalar(select(func.count(Upload.id))) == 1
    db.session.refresh(lesson)
    assert lesson.status == "ready"


def test_captions_are_added_from_the_page(
    app, page, live_server, browser_login, make_user, tmp_path
):
    teacher = make_user("teacher", roles=["instructor"], preferred_language="en")
    course = Course(title="Caption course")
    course.instructors.append(teacher)
    lesson = Lesson(course=course, title="Lecture one", kind="video", position=1)
    db.session.add_all([course, lesson])
    db.session.commit()
    srt = tmp_path / "lecture.srt"
    srt.write_text("1\n00:00:00,000 --> 00:00:02,000\n同志们好\n\n", encoding="utf-8")
    bad = tmp_path / "notes.srt"
    bad.write_text("just some notes\n", encoding="utf-8")
    browser_login(teacher)
    page.goto(f"{live_server}/media/lessons/{lesson.id}")
    form = "form[data-purpose=caption]"
    # A file that is not SRT or WebVTT: the server's reason is shown on the page.
    page.set_input_files("#caption-file", str(bad))
    page.click(f"{form} [data-start]")
    page.wait_for_selector(f"{form} [data-error]:not([hidden])")
    assert "SRT or WebVTT" in page.locator(f"{form} [data-error]").inner_text()
    page.set_input_files("#caption-file", str(srt))
    page.fill("#caption-language", "zh")
    page.fill("#caption-label", "中文字幕")
    page.click(f"{form} [data-start]")
    page.wait_for_selector("th a:has-text('中文字幕')", timeout=20000)
    db.session.refresh(lesson)
    assert [(c.language, c.label) for c in lesson.captions] == [("zh", "中文字幕")]
