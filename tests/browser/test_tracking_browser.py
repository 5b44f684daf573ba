"""Study time in a real browser: a video played for about 8 seconds is credited about 8."""

import time

import pytest
from sqlalchemy import select

from lms.extensions import db
from lms.tracking.models import LessonProgress, LessonView


def _progress(lesson_id):
    db.session.commit()  # a fresh read of what the server wrote
    return db.session.scalar(select(LessonProgress).where(LessonProgress.lesson_id == lesson_id))


def test_played_time_is_credited_and_the_page_resumes(
    app, page, live_server, browser_login, make_user, ready_video
):
    app.config.update(HEARTBEAT_SECONDS=2.0, PRESENCE_CHECK_MINUTES=0)
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
