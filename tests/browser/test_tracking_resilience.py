"""Study time in a real browser when the page is hidden, closed, offline or open twice."""

import time

import pytest
from sqlalchemy import func, select

from lms.extensions import db
from lms.tracking.models import LessonProgress

PLAYER = "document.querySelector('video, audio')"

# How the tests make a page hidden. Playwright turns on Emulation.setFocusEmulationEnabled for
# every Chromium page it drives, and Chromium counts that as a visible capture of the page: a
# second tab brought to the front, a minimized window (Browser.setWindowBounds) and
# Page.setWebLifecycleState all leave document.visibilityState "visible" (tried on Chromium
# 156). So the page is told it is hidden the way the browser would tell it: visibilityState
# and hidden read "hidden", then the visibilitychange event fires.
HIDE_PAGE = """() => {
  Object.defineProperty(document, "visibilityState", { configurable: true, get: () => "hidden" });
  Object.defineProperty(document, "hidden", { configurable: true, get: () => true });
  document.dispatchEvent(new Event("visibilitychange"));
  return document.visibilityState;
}"""


def _credited(lesson_ids) -> float:
    """What the server has credited on these lessons (reads, then frees SQLite's lock)."""
    db.session.commit()
    seconds = db.session.scalar(
        select(func.coalesce(func.sum(LessonProgress.credited_seconds), 0.0)).where(
            LessonProgress.lesson_id.in_(list(lesson_ids))
        )
    )
    db.session.commit()
    return float(seconds)


def _wait_for_credit(lesson_ids, at_least: float, timeout: float = 15) -> float:
    """Poll until the server has credited ``at_least`` seconds, then return the credit."""
    deadline = time.monotonic() + timeout
    while (credited := _credited(lesson_ids)) < at_least and time.monotonic() < deadline:
        time.sleep(0.2)
    return credited


def _assert_credited(lesson_ids, played: float) -> float:
    """The server credits what was played, within the ±1.5 s a browser's timing allows."""
    credited = _wait_for_credit(lesson_ids, played - 1.5)
    assert credited == pytest.approx(played, abs=1.5)
    return credited


def _open_player(tab, live_server, lesson_id):
    """Open the lesson page and wait until the tracker has its view and the media can play."""
    with tab.expect_response(lambda r: r.url.endswith(f"/lessons/{lesson_id}/views")) as opened:
        tab.goto(f"{live_server}/media/play/{lesson_id}")
    assert opened.value.status == 201
    tab.wait_for_function(f"() => {PLAYER}.readyState >= 1", timeout=15000)


def _play(tab) -> None:
    """Start playing (from 0: every lesson here is new) and wait until the media time moves."""
    tab.evaluate(f"{PLAYER}.play()")
    tab.wait_for_function(f"() => {PLAYER}.currentTime > 0.2")


def _position(tab) -> float:
    return tab.evaluate(f"{PLAYER}.currentTime")


def _pause(tab) -> float:
    tab.evaluate(f"{PLAYER}.pause()")
    return _position(tab)


@pytest.fixture
def lesson(app, make_user, browser_login, make_ready_lesson):
    """``lesson(heartbeat_seconds, kind, seconds)``: a cadre logged in, a new lesson's id."""
    browser_login(make_user("weekend_cadre", preferred_language="en"))

    def _make(heartbeat_seconds, kind="video", seconds=20):
        app.config.update(HEARTBEAT_SECONDS=heartbeat_seconds, PRESENCE_CHECK_MINUTES=0)
        return make_ready_lesson(kind, seconds).id

    return _make


def test_a_hidden_page_stops_crediting_video(page, live_server, lesson):
    lesson_id = lesson(2.0)
    _open_player(page, live_server, lesson_id)
    _play(page)
    page.wait_for_timeout(3000)

    assert page.evaluate(HIDE_PAGE) == "hidden"
    page.wait_for_function(f"() => {PLAYER}.paused")
    hidden_at = _position(page)
    page.wait_for_timeout(3000)  # the cadre is away; nothing must be earned meanwhile

    assert page.evaluate(f"{PLAYER}.paused")
    assert _position(page) == pytest.approx(hidden_at, abs=0.01)
    credited = _assert_credited([lesson_id], hidden_at)
    assert credited <= hidden_at + 0.3


def test_a_hidden_page_keeps_crediting_audio(page, live_server, lesson):
    lesson_id = lesson(2.0, "audio")
    _open_player(page, live_server, lesson_id)
    _play(page)
    page.wait_for_timeout(2000)

    assert page.evaluate(HIDE_PAGE) == "hidden"
    page.wait_for_timeout(3000)  # listening while doing something else is the point of audio
    assert not page.evaluate(f"{PLAYER}.paused")
    played = _pause(page)
    assert played > 4

    _assert_credited([lesson_id], played)


def test_closing_the_page_delivers_the_final_beat_and_reopening_resumes(page, live_server, lesson):
    # Beats are a minute apart: only the final beat, sent as the page closes, can carry credit.
    lesson_id = lesson(60.0)
    beats = []
    page.on("request", lambda request: "/beats" in request.url and beats.append(request))
    _open_player(page, live_server, lesson_id)
    _play(page)
    page.wait_for_timeout(5000)
    position = _position(page)
    assert beats == [] and _credited([lesson_id]) == 0

    context = page.context
    page.close()
    _assert_credited([lesson_id], position)

    again = context.new_page()
    _open_player(again, live_server, lesson_id)
    again.wait_for_function(f"() => {PLAYER}.currentTime > {position - 1.5}")
    assert _position(again) == pytest.approx(position, abs=1.5)


def test_going_offline_for_a_few_seconds_loses_no_beat(page, live_server, lesson):
    lesson_id = lesson(3.0, seconds=30)
    failed = []
    page.on("requestfailed", lambda request: "/beats" in request.url and failed.append(request))
    _open_player(page, live_server, lesson_id)
    # The media itself must not need the network while offline: wait until it is buffered.
    page.evaluate(f"{PLAYER}.play()")
    page.wait_for_function(
        f"() => (v => v.buffered.length && v.buffered.end(v.buffered.length - 1) > 15)({PLAYER})",
        timeout=20000,
    )
    wall_start = time.monotonic() - _position(page)
    page.wait_for_event("response", lambda r: "/beats" in r.url and r.ok, timeout=10000)

    page.context.set_offline(True)
    # The next heartbeat falls in here and cannot be delivered; the window's "online" event
    # then sends it, merged with what played since (within rule 5's two heartbeats).
    page.wait_for_timeout(4000)
    page.context.set_offline(False)
    page.wait_for_timeout(1500)
    played = _pause(page)
    wall = time.monotonic() - wall_start

    assert failed, "no beat was attempted while offline"
    credited = _assert_credited([lesson_id], played)
    assert credited <= wall + 0.5
    # Delivered beats leave nothing behind for the next page to resend.
    assert page.evaluate("localStorage.getItem('lms-tracker-pending')") == "[]"


def test_a_second_tab_does_not_double_the_credit(page, live_server, lesson):
    lesson_ids = [lesson(2.0), lesson(2.0)]
    _open_player(page, live_server, lesson_ids[0])
    second = page.context.new_page()
    _open_player(second, live_server, lesson_ids[1])

    _play(page)
    wall_start = time.monotonic() - _position(page)
    page.wait_for_timeout(3000)
    _play(second)
    # One lecture at a time: the first tab pauses when the second starts playing.
    page.wait_for_function(f"() => {PLAYER}.paused", timeout=5000)
    first_played = _position(page)
    second.wait_for_timeout(3000)
    second_played = _pause(second)
    wall = time.monotonic() - wall_start

    played = first_played + second_played
    credited = _assert_credited(lesson_ids, played)
    assert credited <= wall + 0.5


def test_a_player_in_2040_still_gets_its_beats_credited(page, live_server, lesson):
    """The server takes a beat's seq up to 2^31 - 1 (PostgreSQL's integer): the player's
    seq, which starts from the time, must stay below it after 2038."""
    page.add_init_script(
        """(() => {
          const offset = Date.UTC(2040, 0, 1) - Date.now();
          const realNow = Date.now;
          Date.now = () => realNow() + offset;
        })()"""
    )
    lesson_id = lesson(1.0)
    refused = []
    page.on(
        "response",
        lambda r: "/beats" in r.url and r.status != 200 and refused.append(r.status),
    )
    _open_player(page, live_server, lesson_id)
    assert page.evaluate("new Date(Date.now()).getUTCFullYear()") == 2040
    _play(page)
    page.wait_for_timeout(3000)
    played = _pause(page)

    _assert_credited([lesson_id], played)
    assert refused == []
