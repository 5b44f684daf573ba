"""One playback per account and the risk of a viewing session, in a real browser: a player
driven by automation is high risk, one driven like a person is low, and a second tab takes
the playback over from the first."""

import random
import time

import pytest
from sqlalchemy import select

from lms.extensions import db
from lms.tracking.models import CreditClock, LessonProgress, LessonView

PLAYING = (
    "() => { const v = document.querySelector('video');"
    " return v && !v.paused && v.currentTime > 0.2; }"
)


def _login(tab, live_server, user):
    tab.goto(f"{live_server}/login")
    tab.fill("#username", user.username)
    tab.fill("#password", "secret-pass-1")
    tab.click("button.primary")
    tab.wait_for_url(f"{live_server}/")


def _views(user_id):
    db.session.commit()  # a fresh read of what the server wrote
    return list(
        db.session.scalars(
            select(LessonView).where(LessonView.user_id == user_id).order_by(LessonView.id)
        )
    )


def _settled_view(tab, user_id, timeout=15.0):
    """The cadre's one view once it has beaten after the player stopped."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        views = _views(user_id)
        if views and views[0].last_seq is not None and views[0].evidence.get("player"):
            return views[0]
        db.session.commit()  # the server must not wait for the test's read
        tab.wait_for_timeout(300)
    raise AssertionError("the player never reported")


def _ready(tab):
    tab.wait_for_function("() => document.querySelector('video').readyState >= 1", timeout=15000)


def test_a_muted_automated_player_without_input_is_high_risk(
    app, automated_page, live_server, make_user, ready_video
):
    # As the scripts sold to cadres do: log in, open the lesson, mute it and play it through.
    app.config.update(HEARTBEAT_SECONDS=2.0, PRESENCE_CHECK_MINUTES=0, RISK_SESSION_SECONDS=20)
    cadre = make_user("scripted_cadre", preferred_language="en")
    user_id = cadre.id
    tab = automated_page
    _login(tab, live_server, cadre)
    tab.goto(f"{live_server}/media/play/{ready_video.id}")
    _ready(tab)
    assert tab.evaluate("navigator.webdriver") is True
    tab.evaluate("() => { const v = document.querySelector('video'); v.muted = true; v.play(); }")
    tab.wait_for_function("() => document.querySelector('video').ended", timeout=60000)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        view = _settled_view(tab, user_id)
        if view.risk_level == "high":
            break
        db.session.commit()
        tab.wait_for_timeout(300)
    codes = {signal["code"] for signal in view.risk_signals}
    assert view.risk_level == "high", view.risk_signals
    assert {"automation", "muted", "no_input"} <= codes
    automation = next(s for s in view.risk_signals if s["code"] == "automation")
    assert automation["evidence"]["webdriver"] is True
    assert view.credited_seconds > 20  # the hours are still counted, and now flagged


def test_a_player_used_like_a_person_is_low_risk(
    app, page, live_server, browser_login, make_user, ready_video
):
    app.config.update(HEARTBEAT_SECONDS=3.0, PRESENCE_CHECK_MINUTES=0, RISK_SESSION_SECONDS=20)
    cadre = make_user("weekend_cadre", preferred_language="en")
    user_id = cadre.id
    browser_login(cadre)
    page.goto(f"{live_server}/media/play/{ready_video.id}")
    _ready(page)
    assert page.evaluate("navigator.webdriver") is False
    box = page.locator("video").bounding_box()
    page.mouse.move(box["x"] + 20, box["y"] + 20)
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2, steps=4)
    page.evaluate("document.querySelector('video').play()")  # the play button's own call
    page.wait_for_function(PLAYING)
    rng = random.Random(7)
    started = time.monotonic()
    while time.monotonic() - started < 24:
        page.wait_for_timeout(rng.uniform(500, 2500))  # a person's hand moves now and then
        page.mouse.move(box["x"] + rng.uniform(5, 200), box["y"] + rng.uniform(5, 150), steps=3)
        if rng.random() < 0.3:
            page.keyboard.press("Shift")
    page.evaluate("document.querySelector('video').pause()")
    page.wait_for_timeout(1000)
    view = _settled_view(page, user_id)
    assert view.evidence["player"]["inputs"] > 0
    assert view.evidence["player"]["audible"] is True
    assert view.evidence["beats"]["n"] >= 5
    assert view.risk_level == "low"
    assert view.risk_signals == []


def test_a_second_tab_takes_over_and_the_first_says_so(
    app, page, live_server, browser_login, make_user, ready_video
):
    app.config.update(HEARTBEAT_SECONDS=2.0, PRESENCE_CHECK_MINUTES=0)
    cadre = make_user("two_tab_cadre", preferred_language="en")
    user_id = cadre.id
    browser_login(cadre)
    url = f"{live_server}/media/play/{ready_video.id}"
    first = page
    first.goto(url)
    _ready(first)
    first.evaluate("document.querySelector('video').play()")
    first.wait_for_function(PLAYING)
    first.wait_for_timeout(3000)  # at least one beat from the first tab

    second = page.context.new_page()
    session = db.session()  # held: Playwright's handlers run outside the app context
    second.on("request", lambda _request: session.commit())
    second.goto(url)
    _ready(second)
    second.evaluate("document.querySelector('video').play()")
    second.wait_for_function(PLAYING)

    note = first.locator("[data-elsewhere]")
    note.wait_for(state="visible")
    assert "Playing on another device" in note.inner_text()
    assert first.evaluate("document.querySelector('video').paused") is True
    views = _views(user_id)
    older, newer = views[0], views[1]
    deadline = time.monotonic() + 10
    while db.session.get(CreditClock, user_id).playing_view_id != newer.id or not (
        db.session.get(LessonView, newer.id).credited_seconds
    ):
        assert time.monotonic() < deadline, "the second tab never took the playback"
        db.session.commit()  # the server must not wait for the test's read
        second.wait_for_timeout(200)
    # A script that ignores the page gets the same answer from the server.
    refused = first.evaluate(
        """async (viewId) => {
            const response = await fetch(`/api/v1/views/${viewId}/beats`, {
                method: "POST", headers: {"Content-Type": "application/json"},
                body: JSON.stringify({seq: 2147483647, segments: [[20, 22]], position: 22})});
            return [response.status, (await response.json()).error.code];
        }""",
        older.public_id,
    )
    assert refused == [409, "playing_elsewhere"]

    # Taking over makes the second tab the older playback; it pauses and says so in turn.
    first.click("[data-take-over]")
    first.wait_for_function(PLAYING)
    assert note.is_hidden()
    second.locator("[data-elsewhere]").wait_for(state="visible")
    assert second.evaluate("document.querySelector('video').paused") is True
    first.wait_for_timeout(2500)
    first.evaluate("document.querySelector('video').pause()")
    first.wait_for_timeout(1000)
    db.session.commit()
    assert db.session.get(CreditClock, user_id).playing_view_id == older.id
    views = _views(user_id)
    progress = db.session.scalar(select(LessonProgress).where(LessonProgress.user_id == user_id))
    # Every credited second is in exactly one of the two sessions.
    assert sum(v.credited_seconds for v in views) == pytest.approx(progress.credited_seconds)
    assert all(v.credited_seconds > 0 for v in views)
    second.close()
