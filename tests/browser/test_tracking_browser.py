"""Study time in a real browser: a video played for about 8 seconds is credited about 8."""

import time

import pytest
from sqlalchemy import select

from lms.courses.models import Lesson
from lms.extensions import db
from lms.tracking.models import LessonProgress, LessonView


def _progress(lesson_id):
    db.session.commit()  # a fresh read of what the server wrote
    return db.session.scalar(select(LessonProgress).where(LessonProgress.lesson_id == lesson_id))


def _settled_position(lesson_id, quiet=1.0, timeout=10.0):
    """The saved position once no beat has moved it for `quiet` seconds."""
    deadline = time.monotonic() + timeout
    last = _progress(lesson_id).position_seconds
    while time.monotonic() < deadline:
        time.sleep(quiet)
        now = _progress(lesson_id).position_seconds
        if now == last:
            return now
        last = now
    raise AssertionError(f"the position kept moving: {last}")


def test_played_time_is_credited_and_the_page_resumes(
    app, page, live_server, browser_login, make_user, ready_video
):
    # 8 s of the 30 s clip complete it at a 20 % threshold: the page must say so.
    app.config.update(HEARTBEAT_SECONDS=2.0, PRESENCE_CHECK_MINUTES=0, COMPLETION_THRESHOLD=0.2)
    cadre = make_user("weekend_cadre", preferred_language="en")
    lesson_id = ready_video.id
    browser_login(cadre)
    page.goto(f"{live_server}/media/play/{lesson_id}")
    video = page.locator("video")
    page.wait_for_function("() => document.querySelector('video').readyState >= 1", timeout=15000)
    page.evaluate("document.querySelector('video').play()")
    page.wait_for_function("() => document.querySelector('video').currentTime > 0.2")
    started = time.monotonic()
    time.sleep(8 - 0.2)
    page.evaluate("document.querySelector('video').pause()")
    played = time.monotonic() - started
    # The pause sends a beat; the status line shows the server's answer.
    page.wait_for_function(
        "() => document.querySelector('[data-credited]').textContent.length > 0",
        timeout=10000,
    )
    progress = _progress(lesson_id)
    assert progress is not None
    assert progress.credited_seconds == pytest.approx(8, abs=1.5)
    # Seconds where minutes would read 0 (issue 14): the server's figure, as the cadre reads it.
    page.wait_for_function(
        f"() => document.querySelector('[data-credited]').textContent.includes("
        f"'0 min {int(progress.credited_seconds)} s')",
        timeout=10000,
    )
    assert "You have completed this lesson." in page.locator("[data-credited]").inner_text()
    assert progress.credited_seconds <= played + 0.5
    view = db.session.scalar(select(LessonView).where(LessonView.lesson_id == lesson_id))
    assert view.credited_seconds == pytest.approx(progress.credited_seconds)
    assert "Chrom" in (view.user_agent or "")
    position = progress.position_seconds
    assert position > 7

    # Reopening resumes where the cadre left off, and replaying earns nothing more.
    page.goto(f"{live_server}/media/play/{lesson_id}")
    page.wait_for_function(f"() => document.querySelector('video').currentTime > {position - 1.5}")
    assert abs(video.evaluate("v => v.currentTime") - position) < 1.5
    # It says so, shows the credit so far before playing, and offers to start again.
    note = page.locator("[data-resume]")
    note.wait_for(state="visible")
    seconds = round(position)
    assert note.inner_text().startswith(f"Continuing from 0:{seconds:02d}.")
    assert (
        f"0 min {int(progress.credited_seconds)} s" in page.locator("[data-credited]").inner_text()
    )
    page.get_by_role("button", name="Play from the start").click()
    assert video.evaluate("v => v.currentTime") < 1
    assert note.is_hidden()


def test_home_continues_the_lesson_and_the_player_leads_on(
    app, page, live_server, browser_login, make_user, ready_video
):
    """The cadre's way through a course: home's "continue" card opens the lesson at its
    position; the player links the next lesson and says when it has no recording yet."""
    app.config.update(HEARTBEAT_SECONDS=2.0, PRESENCE_CHECK_MINUTES=0)
    later = Lesson(course_id=ready_video.course_id, title="Lecture on rules", position=5)
    db.session.add(later)
    db.session.commit()
    browser_login(make_user("phone_cadre", preferred_language="en"))
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server}/media/play/{ready_video.id}")
    page.wait_for_function("() => document.querySelector('video').readyState >= 1", timeout=15000)
    page.evaluate("document.querySelector('video').play()")
    page.wait_for_function("() => document.querySelector('video').currentTime > 4", timeout=15000)
    page.evaluate("document.querySelector('video').pause()")
    page.wait_for_function(
        "() => document.querySelector('[data-credited]').textContent.includes(' s (')",
        timeout=10000,
    )
    next_link = page.get_by_role("link", name="Next lesson: Lecture on rules")
    assert "not available yet" in page.locator(".lesson-nav").inner_text()
    next_link.click()
    page.wait_for_url(f"**/media/play/{later.id}")
    # The pause and the leaving of the page each send a last beat; the card shows the
    # position once the last of them has landed.
    position = _settled_position(ready_video.id)

    page.goto(f"{live_server}/")
    card = page.locator(".continue-card")
    assert card.is_visible()
    assert card.bounding_box()["y"] < 844  # on the phone's first screen
    button = card.get_by_role("link", name=f"Continue from 0:{round(position):02d}")
    button.click()
    page.wait_for_url(f"**/media/play/{ready_video.id}")
    page.wait_for_function(f"() => document.querySelector('video').currentTime > {position - 1.5}")


def test_playback_rate_cannot_exceed_the_maximum(
    app, page, live_server, browser_login, make_user, ready_video
):
    app.config.update(PRESENCE_CHECK_MINUTES=0)
    browser_login(make_user("fast_cadre", preferred_language="en"))
    page.goto(f"{live_server}/media/play/{ready_video.id}")
    page.wait_for_function("() => document.querySelector('video').readyState >= 1", timeout=15000)
    page.wait_for_timeout(500)  # the view is open and the tracker listens
    rate = page.evaluate(
        "(() => { const v = document.querySelector('video'); v.playbackRate = 2;"
        " return new Promise(r => setTimeout(() => r(v.playbackRate), 300)); })()"
    )
    assert rate == 1
