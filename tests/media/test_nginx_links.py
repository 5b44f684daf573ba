"""Segments without the app: a real nginx with deploy/nginx/lms-media.conf in front of run.py,
and a city's edge cache (deploy/nginx/lms-edge.conf) in front of that nginx.

run.py processes a real upload (ffmpeg); then, through nginx, the master playlist comes from
the app and every variant playlist and segment from nginx alone: nginx's log of what it
proxied to the app holds no /m/ request. Tampered and expired links are refused by nginx.
"""

import re
import shutil
import time
import urllib.request

import pytest

from lms.media.links import sign
from tests.media.test_run_py import Site, _lesson_with_instructor, tus_upload, wait_for_lesson
from tests.media.test_signed_links import master_links, segments_of
from tests.nginx_fixture import EDGE_SNIPPET, Nginx, status_of

pytestmark = pytest.mark.skipif(not shutil.which("nginx"), reason="nginx is not installed")

SECRET = "an-operator-chosen-link-secret-0123456789abcdef"
LINK_RE = re.compile(r"^/m/([A-Za-z0-9_-]{22})/(\d+)/(\d+)/(.+)/([^/]+)$")


def test_nginx_serves_every_playlist_and_segment_and_the_app_none(tmp_path, make_clip):
    site = Site(tmp_path, "sqlite", LMS_MEDIA_LINK_SECRET=SECRET)
    nginx = None
    try:
        lesson_id = _lesson_with_instructor(site)
        assert tus_upload(site, lesson_id, make_clip(8, "640x360"), 1024 * 1024).status == 204
        state = wait_for_lesson(site, lesson_id, lambda s: s["lesson"]["status"] == "ready")
        asset_id = state["asset"]["id"]

        nginx = Nginx(tmp_path / "nginx", site.port, str(tmp_path / "media"), SECRET).start()
        site.base = nginx.base  # from here on, everything goes through nginx
        site.login("teacher")
        proxied_before = len(nginx.lines(nginx.app_log))

        master = site.request(f"/media/assets/{asset_id}/master.m3u8")
        assert master.status == 200
        assert master.headers["Cache-Control"] == "private, no-store"
        links = [x for x in master.read().decode().splitlines() if x and not x.startswith("#")]
        assert len(links) >= 2  # the ladder's rungs and the audio-only rendition
        assert len(nginx.lines(nginx.app_log)) == proxied_before + 1  # the master, from the app

        fetched = 0
        for link in links:
            token, expires, user_id, directory, _name = LINK_RE.match(link).groups()
            variant = site.request(link)
            assert variant.status == 200
            assert variant.headers["Content-Type"] == "application/vnd.apple.mpegurl"
            assert variant.headers["Cache-Control"] == "public, max-age=86400"
            names = [x for x in variant.read().decode().splitlines() if x and x[0] != "#"]
            assert names
            for name in names:
                segment = site.request(link.rsplit("/", 1)[0] + "/" + name)
                assert segment.status == 200, name
                assert segment.headers["Content-Type"] == "video/mp2t"
                assert segment.headers["Cache-Control"] == "public, max-age=86400"
                body = segment.read()
                assert body[:1] == b"\x47"  # an MPEG-TS packet's sync byte
                fetched += 1

            # nginx refuses what the app would refuse: a tampered path, user or expiry ...
            segment = names[0]
            base = f"/m/{token}/{expires}/{user_id}"
            forged = ("B" if token[0] == "A" else "A") + token[1:]
            other_asset = directory.replace(f"/{asset_id}/", f"/{asset_id + 1}/")
            for tampered in (
                f"/m/{token}/{expires}/{int(user_id) + 1}/{directory}/{segment}",
                f"/m/{token}/{int(expires) + 60}/{user_id}/{directory}/{segment}",
                f"/m/{token}/{expires}/{user_id}/{other_asset}/{segment}",
                f"/m/{forged}/{expires}/{user_id}/{directory}/{segment}",
                f"{base}/{directory}/../../../secret/{segment}",
            ):
                assert status_of(nginx.base + tampered) in {403, 404}, tampered
            assert status_of(f"{nginx.base}/m/{token[1:]}/{expires}/1/x/{segment}") == 404
            # ... and a right token past its time is 410 Gone.
            past = int(time.time()) - 5
            expired = sign(past, directory, int(user_id), SECRET)
            assert (
                status_of(f"{nginx.base}/m/{expired}/{past}/{user_id}/{directory}/{segment}") == 410
            )
            fresh = sign(past + 3600, directory, int(user_id), SECRET)
            url = f"{nginx.base}/m/{fresh}/{past + 3600}/{user_id}/{directory}/{segment}"
            assert status_of(url) == 200  # the app's secret and nginx's agree

        assert fetched >= 2 * len(links)
        to_app = nginx.lines(nginx.app_log)[proxied_before:]
        assert len(to_app) == 1 and "/master.m3u8" in to_app[0], to_app
        answered = nginx.lines(nginx.media_log)
        assert sum(1 for line in answered if line.startswith("200 GET /m/")) >= fetched + len(links)
        assert any(line.startswith("403 GET /m/") for line in answered)
        assert any(line.startswith("410 GET /m/") for line in answered)
    finally:
        if nginx:
            nginx.stop()
        if site.process:
            site.stop()


def test_an_edge_cache_serves_one_copy_to_every_viewer(
    app, client, make_user, login, make_clip, tmp_path
):
    """A city's nginx (deploy/nginx/lms-edge.conf) in front of the origin's: it checks links
    itself, and two cadres' different links to one segment cost the origin one request."""
    app.config["MEDIA_LINK_SECRET"] = SECRET
    lesson = _ready(app, make_clip)
    first, second = make_user("first", roles=["cadre"]), make_user("second", roles=["cadre"])
    segment_links = []
    for user in (first, second):
        login(user)
        segment_links.append(segments_of(client, master_links(client, lesson)[0]))
        client.post("/logout", data={"csrf_token": _csrf(client)})
    assert segment_links[0][0] != segment_links[1][0]  # each cadre's own token

    origin = Nginx(tmp_path / "origin", 9, app.config["MEDIA_ROOT"], SECRET).start()
    edge = Nginx(
        tmp_path / "edge",
        9,
        "/nonexistent",
        SECRET,
        snippet=EDGE_SNIPPET,
        http_extra=(
            f"proxy_cache_path {tmp_path / 'edge' / 'cache'} keys_zone=lms_media:1m; "
            f"upstream lms_origin {{ server 127.0.0.1:{origin.port}; keepalive 4; }}"
        ),
        server_extra="set $lms_origin_scheme http;",
    ).start()
    try:
        for links in segment_links:  # the first cadre fills the cache, the second hits it
            for link in links:
                response = urllib.request.urlopen(edge.base + link, timeout=10)
                assert response.status == 200
                assert response.read()[:1] == b"\x47"
        statuses = [line.split()[0] for line in origin.lines(origin.media_log)]
        assert statuses == ["200"] * len(segment_links[0]), statuses  # once per segment
        # The edge refuses forged and expired links without asking the origin.
        link = segment_links[1][0]
        token, expires, user_id, directory, name = LINK_RE.match(link).groups()
        assert status_of(f"{edge.base}/m/{token}/{expires}/{first.id}/{directory}/{name}") == 403
        past = int(time.time()) - 5
        gone = (
            f"/m/{sign(past, directory, int(user_id), SECRET)}/{past}/{user_id}/{directory}/{name}"
        )
        assert status_of(edge.base + gone) == 410
        assert len(origin.lines(origin.media_log)) == len(segment_links[0])
    finally:
        edge.stop()
        origin.stop()


def _ready(app, make_clip):
    from lms.courses.models import Course, Lesson
    from lms.extensions import db
    from lms.media.assets import create_asset
    from lms.media.processing_job import process_asset

    course = Course(title="City course", is_published=True)
    lesson = Lesson(course=course, title="Lecture", kind="video", position=1)
    db.session.add_all([course, lesson])
    db.session.commit()
    clip = make_clip(8, "320x240")
    asset = create_asset(lesson, clip, clip.name, None)
    db.session.commit()
    assert process_asset(asset.id) == "ready"
    db.session.commit()
    return db.session.get(Lesson, lesson.id)


def _csrf(client):
    from tests.conftest import csrf_token

    return csrf_token(client, "/")
