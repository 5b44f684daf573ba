"""The player on signed, expiring links: it plays, and when links expire mid-lecture it
fetches the master playlist again and goes on from where it was (also after a seek)."""

import re

SEGMENT = re.compile(r"/m/[A-Za-z0-9_-]{22}/\d+/\d+/.+\.ts$")


def test_the_player_outlives_its_links(app, page, live_server, browser_login, make_user,
                                       make_ready_lesson):  # fmt: skip
    lesson = make_ready_lesson("video", 120)
    app.config.update(MEDIA_LINK_SECONDS=4, PRESENCE_CHECK_MINUTES=0)
    seen = []
    page.on("response", lambda response: seen.append((response.status, response.url)))
    browser_login(make_user("night_cadre", preferred_language="en"))
    page.goto(f"{live_server}/media/play/{lesson.id}")
    page.wait_for_function("() => document.querySelector('video').readyState >= 1")
    page.evaluate(
        "document.querySelector('video').muted = true; document.querySelector('video').play()"
    )

    # The player buffers a minute ahead: once 4 s have passed, the next segment is asked for
    # with an expired link.
    page.wait_for_function(
        "() => document.querySelector('video').currentTime > 14", timeout=40000, polling=500
    )
    masters = [url for status, url in seen if url.endswith("/master.m3u8") and status == 200]
    gone = [url for status, url in seen if status == 410]
    assert gone and all(SEGMENT.search(url) or url.endswith(".m3u8") for url in gone), [
        (s, u[-60:]) for s, u in seen if "/m/" in u or "master" in u
    ]
    assert len(masters) >= 2  # the first, and the renewal
    segments = [(status, url) for status, url in seen if SEGMENT.search(url)]
    last_gone = max(i for i, (status, _url) in enumerate(segments) if status == 410)
    assert any(status == 200 for status, _url in segments[last_gone:]), segments

    # Paused (a phone call) until the renewed links expired too, then a jump past the buffer.
    page.evaluate("document.querySelector('video').pause()")
    page.wait_for_timeout(6000)
    before = len(seen)
    page.evaluate("const v = document.querySelector('video'); v.currentTime = 100; v.play()")
    page.wait_for_function(
        "() => document.querySelector('video').currentTime > 103", timeout=40000, polling=500
    )
    after = seen[before:]
    assert any(status == 410 for status, _url in after), after
    assert any(url.endswith("/master.m3u8") for _status, url in after)
    # Still the adaptive stream, not the progressive fallback.
    assert page.evaluate("document.querySelector('video').currentSrc").startswith("blob:")
    assert not [url for _status, url in seen if url.endswith("fallback.mp4")]
