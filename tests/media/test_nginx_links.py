"""Segments without the app: a real nginx with deploy/nginx/lms-media.conf in front of run.py.

run.py processes a real upload (ffmpeg); then, through nginx, the master playlist comes from
the app and every variant playlist and segment from nginx alone: nginx's log of what it
proxied to the app holds no /m/ request. Tampered and expired links are refused by nginx.
"""

import re
import shutil
import time

import pytest

from lms.media.links import sign
from tests.media.test_run_py import Site, _lesson_with_instructor, tus_upload, wait_for_lesson
from tests.nginx_fixture import Nginx, status_of

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
            other_asset = directory.replace(f"/{asset_id}/", f"/{asset_id + 1}/")
            for tampered in (
                f"/m/{token}/{expires}/{int(user_id) + 1}/{directory}/{segment}",
                f"/m/{token}/{int(expires) + 60}/{user_id}/{directory}/{segment}",
                f"/m/{token}/{expires}/{user_id}/{other_asset}/{segment}",
                f"/m/{'A' + token[1:]}/{expires}/{user_id}/{directory}/{segment}",
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
