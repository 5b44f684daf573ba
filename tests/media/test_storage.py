"""Media storage: local (default) and S3 (moto in server mode, on loopback).

With s3: an upload through the real tus endpoint of a running run.py is processed by real
ffmpeg, its renditions pushed to the bucket and removed from the local scratch; the app plays
them to those who may see the course (ranges included) and refuses others; a caption track
lives in the bucket and goes with its row. In-process: a crash half-way through the push is
redone by the next attempt; nginx gets a presigned URL to proxy; a store that does not answer
shows in /healthz. With local: deleting a lesson removes its files; ``media push-local`` moves
an existing installation's files into a bucket.
"""

import base64
import itertools
import re
import secrets
import shutil
import socket
import subprocess
import time
import urllib.parse
import urllib.request
from datetime import timedelta
from pathlib import Path

import boto3
import pytest

from lms.core.timeutil import utcnow
from lms.courses.models import Caption, Lesson
from lms.extensions import db
from lms.media.assets import create_asset
from lms.media.models import MediaAsset
from lms.media.processing_job import process_asset
from lms.media.storage import LocalStorage, S3Storage, get_storage
from lms.media.sweep import sweep_stale
from tests.demo.test_run import _free_port
from tests.media.test_run_py import PASSWORD, Site, _lesson_with_instructor, wait_for_lesson

PREFIX = "lms"


@pytest.fixture(scope="module")
def s3_endpoint():
    """A moto S3 server on a free loopback port, for this module."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


class Bucket:
    """A fresh bucket on the server, and the settings that point the app at it."""

    def __init__(self, endpoint: str):
        self.endpoint = endpoint
        self.name = f"lms-{secrets.token_hex(6)}"
        self.client = boto3.client(
            "s3",
            endpoint_url=endpoint,
            region_name="us-east-1",
            aws_access_key_id="test-key",
            aws_secret_access_key="test-secret",
        )
        self.client.create_bucket(Bucket=self.name)

    @property
    def env(self) -> dict:
        return {
            "LMS_MEDIA_STORAGE": "s3",
            "LMS_S3_ENDPOINT_URL": self.endpoint,
            "LMS_S3_BUCKET": self.name,
            "LMS_S3_ACCESS_KEY": "test-key",
            "LMS_S3_SECRET_KEY": "test-secret",
            "LMS_S3_PREFIX": PREFIX,
        }

    @property
    def config(self) -> dict:
        return {name.removeprefix("LMS_"): value for name, value in self.env.items()}

    def keys(self, prefix: str) -> list[str]:
        found = self.client.list_objects_v2(Bucket=self.name, Prefix=f"{PREFIX}/{prefix}")
        return sorted(item["Key"][len(PREFIX) + 1 :] for item in found.get("Contents", []))

    def get(self, key: str) -> bytes:
        return self.client.get_object(Bucket=self.name, Key=f"{PREFIX}/{key}")["Body"].read()

    def content_type(self, key: str) -> str:
        return self.client.head_object(Bucket=self.name, Key=f"{PREFIX}/{key}")["ContentType"]


@pytest.fixture
def bucket(s3_endpoint):
    return Bucket(s3_endpoint)


# -- through run.py over HTTP -----------------------------------------------------------------


def _tus(site: Site, lesson_id: int, body: bytes, **meta) -> int:
    """Upload ``body`` as the media page's tus-js-client does; returns the last status."""
    page = site.get(f"/media/lessons/{lesson_id}")
    purpose = meta.get("purpose", "media")
    form = re.search(rf'<form class="tus-upload"[^>]*data-purpose="{purpose}"', page, re.S).group(0)
    endpoint = re.search(r'data-endpoint="([^"]+)"', form).group(1)
    token = re.search(r'data-csrf="([^"]+)"', form).group(1)
    meta = {"lesson_id": lesson_id, **meta}
    headers = {"Tus-Resumable": "1.0.0", "X-CSRFToken": token}
    encoded = ",".join(f"{k} {base64.b64encode(str(v).encode()).decode()}" for k, v in meta.items())
    created = site.request(
        endpoint,
        data=b"",
        method="POST",
        headers={**headers, "Upload-Length": str(len(body)), "Upload-Metadata": encoded},
    )
    assert created.status == 201, created.read()
    location = urllib.parse.urljoin(site.base + endpoint, created.headers["Location"])
    half = len(body) // 2 + 1
    offset = 0
    while offset < len(body):
        response = site.request(
            location.removeprefix(site.base),
            data=body[offset : offset + half],
            method="PATCH",
            headers={
                **headers,
                "Upload-Offset": str(offset),
                "Content-Type": "application/offset+octet-stream",
            },
        )
        if response.status != 204:
            return response.status
        offset = int(response.headers["Upload-Offset"])
    return response.status


def _fetch(site: Site, path: str, **headers):
    response = site.request(path, headers=headers)
    return response.status, response.headers, response.read()


def _first_uri(playlist: bytes) -> str:
    return next(
        line for line in playlist.decode().splitlines() if line and not line.startswith("#")
    )


def _signed_variant(master: bytes, asset_id: int) -> tuple[str, str]:
    """The master's first signed link, and the variant's name inside the asset's folder."""
    link = _first_uri(master)
    assert link.startswith("/m/"), link
    return link, link.split(f"/media/{asset_id}/", 1)[1]


def test_s3_upload_is_pushed_played_to_those_allowed_and_deleted(tmp_path, make_clip, bucket):
    site = Site(tmp_path, "sqlite", **bucket.env)
    media_root = tmp_path / "media"
    try:
        lesson_id = _lesson_with_instructor(site)
        site.flask("create-user", "reader", "--role", "cadre", "--password", PASSWORD)
        status, health = site.json("/healthz")
        assert health["checks"]["media_store"] == {
            "status": "ok",
            "kind": "s3",
            "bucket": bucket.name,
        }, health
        checked = site.flask("media", "check")
        assert f"bucket {bucket.name} is reachable and writable" in checked

        # Upload over tus; the worker beside run.py processes it and pushes the renditions.
        clip = make_clip(3, "320x240")
        assert _tus(site, lesson_id, clip.read_bytes(), filename="talk.mp4") == 204
        state = wait_for_lesson(site, lesson_id, lambda s: s["lesson"]["status"] == "ready")
        asset_id = state["asset"]["id"]
        keys = bucket.keys(f"media/{asset_id}/")
        names = [key.removeprefix(f"media/{asset_id}/") for key in keys]
        assert "master.m3u8" in names and "fallback.mp4" in names and "poster.jpg" in names
        assert any(re.fullmatch(r"[^/]+/index\.m3u8", name) for name in names), names
        assert any(name.endswith(".ts") for name in names), names
        assert bucket.content_type(f"media/{asset_id}/master.m3u8") == (
            "application/vnd.apple.mpegurl"
        )
        segment_key = next(key for key in keys if key.endswith(".ts"))
        assert bucket.content_type(segment_key) == "video/mp2t"
        assert bucket.content_type(f"media/{asset_id}/poster.jpg") == "image/jpeg"
        # Nothing of the renditions stays on the local scratch (the source does: reprocessing).
        assert not (media_root / "media" / str(asset_id)).exists()
        assert not list((media_root / "media").glob("*.tmp"))
        assert list((media_root / "sources").rglob("source.mp4"))

        # A cadre may not see the draft course's media; once it is published, they play it.
        site.login("reader")
        assert _fetch(site, f"/media/assets/{asset_id}/master.m3u8")[0] == 404
        site.login("teacher")
        page = site.get(f"/media/lessons/{lesson_id}")
        course_id = re.search(r"/courses/(\d+)/edit", page).group(1)
        edit_page = f"/courses/{course_id}/edit"
        site.post_form(f"/courses/{course_id}/publish", {}, token_page=edit_page)
        site.login("reader")
        status, headers, master = _fetch(site, f"/media/assets/{asset_id}/master.m3u8")
        assert status == 200, master
        # The app signs the bucket's master for this cadre: its variants are signed links.
        assert master != bucket.get(f"media/{asset_id}/master.m3u8")
        assert headers["Content-Type"].startswith("application/vnd.apple.mpegurl")
        assert "private" in headers["Cache-Control"]
        link, variant_name = _signed_variant(master, asset_id)
        status, _, variant = _fetch(site, f"/media/assets/{asset_id}/{variant_name}")
        assert status == 200 and variant == bucket.get(f"media/{asset_id}/{variant_name}")
        # The signed link serves the same bytes from the bucket, and so its segments.
        status, _, signed_variant = _fetch(site, link)
        assert status == 200 and signed_variant == variant
        signed_segment = link.rsplit("/", 1)[0] + "/" + _first_uri(variant)
        status, _, by_link = _fetch(site, signed_segment)
        assert status == 200 and by_link == bucket.get(
            f"media/{asset_id}/" + variant_name.rsplit("/", 1)[0] + "/" + _first_uri(variant)
        )
        segment_name = variant_name.rsplit("/", 1)[0] + "/" + _first_uri(variant)
        segment_key = f"media/{asset_id}/{segment_name}"
        stored = bucket.get(segment_key)
        status, headers, segment = _fetch(site, f"/media/assets/{asset_id}/{segment_name}")
        assert status == 200 and segment == stored and len(stored) > 1000
        assert headers["Content-Type"] == "video/mp2t"
        assert headers["Accept-Ranges"] == "bytes"

        # Byte ranges: a span, a suffix, an open end, and one past the end.
        url = f"/media/assets/{asset_id}/{segment_name}"
        status, headers, part = _fetch(site, url, Range="bytes=100-1099")
        assert (status, part) == (206, stored[100:1100])
        assert headers["Content-Range"] == f"bytes 100-1099/{len(stored)}"
        status, headers, part = _fetch(site, url, Range="bytes=-188")
        assert (status, part) == (206, stored[-188:])
        status, headers, part = _fetch(site, url, Range=f"bytes={len(stored) - 10}-")
        assert (status, part) == (206, stored[-10:])
        status, headers, _ = _fetch(site, url, Range=f"bytes={len(stored) + 5}-")
        assert status == 416 and headers["Content-Range"] == f"bytes */{len(stored)}"
        status, headers, part = _fetch(site, url, Range="bytes=1000-999999999")
        assert (status, part) == (206, stored[1000:])
        # If-Range naming another version: the whole file, not the part.
        status, headers, part = _fetch(site, url, Range="bytes=0-9", **{"If-Range": '"other"'})
        assert (status, part) == (200, stored)
        head = site.request(url, method="HEAD")
        assert head.status == 200 and int(head.headers["Content-Length"]) == len(stored)
        assert head.read() == b""
        # Conditional: the ETag the app gave answers 304.
        etag = _fetch(site, url)[1]["ETag"]
        assert _fetch(site, url, **{"If-None-Match": etag})[0] == 304
        # Names the pipeline never makes, and other folders, stay out of reach.
        assert _fetch(site, f"/media/assets/{asset_id}/../{asset_id}/master.m3u8")[0] == 404
        assert _fetch(site, f"/media/assets/{asset_id}/missing.ts")[0] == 404
        site.logout()
        anonymous = site.request(url)
        assert "/login" in anonymous.url and anonymous.read() != stored

        # Captions: pushed to the bucket, served from there, removed with their row.
        site.login("teacher")
        vtt = b"WEBVTT\n\n00:00.000 --> 00:02.000\nHello\n"
        assert _tus(site, lesson_id, vtt, purpose="caption", language="en", label="English") == 204
        caption_keys = bucket.keys(f"captions/{lesson_id}/")
        assert len(caption_keys) == 1 and caption_keys[0].endswith(".vtt")
        assert bucket.content_type(caption_keys[0]) == "text/vtt"
        assert not list((media_root / "captions").rglob("*.vtt"))
        page = site.get(f"/media/lessons/{lesson_id}")
        caption_id = re.search(r"/media/captions/(\d+)/delete", page).group(1)
        site.login("reader")
        status, _, text = _fetch(site, f"/media/captions/{caption_id}.vtt")
        assert status == 200 and text == bucket.get(caption_keys[0])
        site.login("teacher")
        deleted = site.post_form(
            f"/media/captions/{caption_id}/delete", {}, token_page=f"/media/lessons/{lesson_id}"
        )
        assert deleted.status == 200
        assert bucket.keys(f"captions/{lesson_id}/") == []
        site.login("reader")
        assert _fetch(site, f"/media/captions/{caption_id}.vtt")[0] == 404

        # Deleting the course (a draft again) removes its lessons' objects and the original.
        site.login("teacher")
        assert _tus(site, lesson_id, vtt, purpose="caption", language="zh", label="中文") == 204
        assert len(bucket.keys(f"captions/{lesson_id}/")) == 1
        site.post_form(f"/courses/{course_id}/unpublish", {}, token_page=edit_page)
        deleted = site.post_form(f"/courses/{course_id}/delete", {}, token_page=edit_page)
        assert deleted.status == 200 and "/courses/teaching" in deleted.url, deleted.url
        assert bucket.keys(f"media/{asset_id}/") == []
        assert bucket.keys(f"captions/{lesson_id}/") == []
        assert not list((media_root / "sources").rglob("source.*"))
    finally:
        if site.process:
            site.stop()


# -- in-process: the job and the delivery's other ways ----------------------------------------


@pytest.fixture
def s3_app(app, bucket):
    app.config.update(bucket.config)
    app.config["S3_URL_SECONDS"] = 300
    yield app
    app.extensions.pop("media_storage", None)


class Crash(BaseException):
    """The worker process dying (nothing of the job's own handling runs)."""


def test_a_crash_mid_push_is_pushed_again_and_ends_ready(
    s3_app, bucket, make_clip, make_lesson, uploader, monkeypatch, client, login
):
    lesson = make_lesson("video")
    asset = create_asset(lesson, make_clip(2, "320x240"), "talk.mp4", uploader)
    db.session.commit()
    asset_id = asset.id

    real_upload = S3Storage._upload
    calls = itertools.count(1)  # next() is atomic: the push runs in threads

    def dies_on_the_fourth(self, path, object_key):
        if next(calls) >= 4:
            raise Crash
        real_upload(self, path, object_key)

    monkeypatch.setattr(S3Storage, "_upload", dies_on_the_fourth)
    with pytest.raises(Crash):
        process_asset(asset_id)
    monkeypatch.setattr(S3Storage, "_upload", real_upload)

    db.session.expire_all()
    asset = db.session.get(MediaAsset, asset_id)
    assert asset.status == "processing" and asset.lesson.current_asset_id is None
    half = bucket.keys(f"media/{asset_id}/")
    assert len(half) == 3
    assert not any(key.endswith(".m3u8") for key in half)  # playlists go last

    # The sweep finds the dead run (its heartbeat stale) and the next attempt pushes it all.
    later = utcnow() + timedelta(seconds=s3_app.config["JOB_STALE_SECONDS"] + 5)
    assert sweep_stale(now=later) == [asset_id]
    db.session.expire_all()
    asset = db.session.get(MediaAsset, asset_id)
    assert asset.status == "ready" and asset.attempts == 2
    assert asset.lesson.current_asset_id == asset_id
    keys = bucket.keys(f"media/{asset_id}/")
    assert f"media/{asset_id}/master.m3u8" in keys and set(half) <= set(keys)
    assert list((Path(s3_app.config["MEDIA_ROOT"]) / "media").iterdir()) == []
    master_key = f"media/{asset_id}/master.m3u8"
    assert get_storage().read_bytes(master_key) == bucket.get(master_key)
    assert get_storage().read_bytes(f"media/{asset_id}/none.m3u8") is None

    # With nginx in front the app only authorizes and hands nginx a presigned URL to proxy.
    asset.lesson.course.is_published = True
    db.session.commit()
    login(uploader)
    s3_app.config.update(MEDIA_ACCEL="nginx", MEDIA_ACCEL_PREFIX="/s3-media/")
    variant_name = _first_uri(bucket.get(master_key))
    response = client.get(f"/media/assets/{asset_id}/{variant_name}")
    assert response.status_code == 200 and response.data == b""
    target = response.headers["X-Accel-Redirect"]
    assert target.startswith(f"/s3-media/{bucket.name}/{PREFIX}/media/{asset_id}/{variant_name}?")
    assert "X-Amz-Signature=" in target and "X-Amz-Expires=300" in target
    # What nginx would fetch: the store's URL with the path and query the app gave.
    proxied = urllib.request.urlopen(bucket.endpoint + target.removeprefix("/s3-media"))
    assert proxied.read() == bucket.get(f"media/{asset_id}/{variant_name}")


def test_a_store_that_does_not_answer_is_down_in_healthz_and_the_job_waits(
    app, make_clip, make_lesson, uploader, client
):
    with socket.socket() as sock:  # a loopback port nobody listens on
        sock.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{sock.getsockname()[1]}"
    app.config.update(
        MEDIA_STORAGE="s3",
        S3_ENDPOINT_URL=dead,
        S3_BUCKET="nowhere",
        S3_ACCESS_KEY="k",
        S3_SECRET_KEY="s",
    )
    try:
        response = client.get("/healthz")
        assert response.status_code == 503
        store = response.get_json()["checks"]["media_store"]
        assert store["status"] == "down" and store["bucket"] == "nowhere"

        lesson = make_lesson("audio")
        asset = create_asset(lesson, make_clip(2, audio=True, video=False), "a.mp4", uploader)
        db.session.commit()
        asset_id = asset.id
        # Not failed at once: the run leaves the asset stale with the store's reason, and the
        # sweep tries again; the third attempt fails it with that reason.
        assert process_asset(asset_id) is None
        db.session.expire_all()
        asset = db.session.get(MediaAsset, asset_id)
        assert (asset.status, asset.attempts, asset.heartbeat_at) == ("processing", 1, None)
        assert "Could not connect" in asset.error
        assert not list((Path(app.config["MEDIA_ROOT"]) / "media").iterdir())
        for attempts in (2, 3):
            assert sweep_stale() == [asset_id]
            db.session.expire_all()
            assert db.session.get(MediaAsset, asset_id).attempts == attempts
        asset = db.session.get(MediaAsset, asset_id)
        assert asset.status == "failed" and "Could not connect" in asset.error
        assert asset.lesson.status == "failed"
    finally:
        app.extensions.pop("media_storage", None)


# -- the local store: what it did before, and deletion now removes the files ------------------


def test_local_store_deleting_a_lesson_removes_its_renditions_captions_and_original(
    app, make_clip, make_lesson, make_user, client, login, post
):
    """LMS_MEDIA_STORAGE=local (the default): processing renames into MEDIA_ROOT as before,
    and deleting the lesson removes its files once the deletion is kept."""
    teacher = make_user("lecturer", roles=["instructor"])
    lesson = make_lesson("audio")
    lesson.course.instructors.append(teacher)
    other = Lesson(course=lesson.course, title="Second", kind="audio", position=2)
    db.session.add(other)
    db.session.commit()
    asset = create_asset(lesson, make_clip(2, audio=True, video=False), "a.mp4", teacher)
    db.session.commit()
    assert process_asset(asset.id) == "ready"
    root = Path(app.config["MEDIA_ROOT"])
    output = root / "media" / str(asset.id)
    source = root / asset.source_path
    assert (output / "audio.m4a").is_file() and source.is_file()
    captions = root / "captions" / str(lesson.id)
    captions.mkdir(parents=True)
    (captions / "track.vtt").write_text("WEBVTT\n")
    db.session.add(
        Caption(
            lesson_id=lesson.id, language="en", label="E", path=f"captions/{lesson.id}/track.vtt"
        )
    )
    db.session.commit()

    login(teacher)
    response = post(f"/courses/{lesson.course_id}/lessons/{lesson.id}/delete")
    assert response.status_code == 302
    assert not output.exists() and not source.exists() and not source.parent.exists()
    assert not (captions / "track.vtt").exists()


def test_push_local_moves_an_installations_files_into_the_bucket(
    app, bucket, make_clip, make_lesson, uploader
):
    """Switching from local: ``flask media push-local`` pushes what is on disk, twice is fine."""
    lesson = make_lesson("audio")
    asset = create_asset(lesson, make_clip(2, audio=True, video=False), "a.mp4", uploader)
    db.session.commit()
    assert process_asset(asset.id) == "ready"  # local, as before
    root = Path(app.config["MEDIA_ROOT"])
    on_disk = sorted(
        p.relative_to(root).as_posix() for p in (root / "media" / str(asset.id)).rglob("*")
    )
    on_disk = [name for name in on_disk if (root / name).is_file()]
    (root / "captions" / "9").mkdir(parents=True)
    (root / "captions" / "9" / "t.vtt").write_text("WEBVTT\n")
    db.session.add(Caption(lesson_id=lesson.id, language="en", label="E", path="captions/9/t.vtt"))
    db.session.commit()

    app.config.update(bucket.config)
    try:
        runner = app.test_cli_runner()
        result = runner.invoke(args=["media", "push-local"])
        assert result.exit_code == 0, result.output
        assert "Pushed 1 rendition folders and 1 caption tracks" in result.output
        assert bucket.keys(f"media/{asset.id}/") == on_disk
        assert bucket.get("captions/9/t.vtt") == b"WEBVTT\n"
        assert not (root / "media" / str(asset.id)).exists()
        assert not (root / "captions" / "9" / "t.vtt").exists()
        again = runner.invoke(args=["media", "push-local"])
        assert "Pushed 0 rendition folders and 0 caption tracks" in again.output
    finally:
        app.extensions.pop("media_storage", None)


@pytest.mark.parametrize(
    ("settings", "named"),
    [
        ({"MEDIA_STORAGE": "ftp"}, "LMS_MEDIA_STORAGE"),
        ({"MEDIA_STORAGE": "s3"}, "LMS_S3_BUCKET"),
        ({"MEDIA_LINK_SECONDS": 0}, "LMS_MEDIA_LINK_SECONDS must be between 1 and 86400"),
        ({"MEDIA_LINK_SECONDS": 7 * 86400}, "LMS_MEDIA_LINK_SECONDS"),
    ],
)
def test_a_storage_choice_that_cannot_work_stops_the_start(tmp_path, monkeypatch, settings, named):
    from lms import create_app

    monkeypatch.setenv("LMS_INSTANCE_PATH", str(tmp_path))
    with pytest.raises(RuntimeError, match=named):
        create_app({"TESTING": True, "SECRET_KEY": "x" * 40, **settings})


def test_local_store_reads_ranges_and_keeps_keys_inside_the_media_folder(tmp_path):
    store = LocalStorage(str(tmp_path))
    data = bytes(range(256)) * 10
    (tmp_path / "media" / "1").mkdir(parents=True)
    (tmp_path / "media" / "1" / "seg.ts").write_bytes(data)
    assert b"".join(store.open("media/1/seg.ts", 10, 19)) == data[10:20]
    assert b"".join(store.open("media/1/seg.ts", 2500)) == data[2500:]
    assert store.stat("media/1/seg.ts").size == len(data)
    for bad in (
        "../secret",
        "/etc/passwd",
        "media/../../x",
        "media/./1",
        "media//1",
        "media\\1",
        "",
    ):
        assert store.path(bad) is None and store.stat(bad) is None
    store.delete_prefix("media/1")
    assert not (tmp_path / "media" / "1").exists()


NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)


@pytest.mark.skipif(NGINX is None, reason="nginx is not installed (scripts/install.sh adds it)")
def test_nginx_serves_the_bucket_through_the_apps_presigned_redirect(tmp_path, make_clip, bucket):
    """The README's nginx location, for real: the app authorizes and answers X-Accel-Redirect
    with a presigned URL; nginx fetches the object from the store (ranges too)."""
    site = Site(tmp_path, "sqlite", LMS_MEDIA_ACCEL="nginx", **bucket.env)
    nginx_port = _free_port()
    store = urllib.parse.urlsplit(bucket.endpoint).netloc
    conf = tmp_path / "nginx.conf"
    conf.write_text(
        f"""
daemon off;
worker_processes 1;
pid {tmp_path}/nginx.pid;
error_log {tmp_path}/nginx-error.log info;
events {{ worker_connections 64; }}
http {{
    access_log {tmp_path}/nginx-access.log;
    client_body_temp_path {tmp_path}/body;
    proxy_temp_path {tmp_path}/proxy;
    fastcgi_temp_path {tmp_path}/fastcgi;
    uwsgi_temp_path {tmp_path}/uwsgi;
    scgi_temp_path {tmp_path}/scgi;
    server {{
        listen 127.0.0.1:{nginx_port};
        location / {{
            proxy_pass http://127.0.0.1:{site.port};
            proxy_set_header Host $http_host;
        }}
        location /protected-media/ {{
            internal;
            proxy_pass http://{store}/;
            proxy_set_header Host {store};
            proxy_set_header Authorization "";
            proxy_set_header Cookie "";
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_hide_header x-amz-request-id;
            proxy_hide_header Set-Cookie;
        }}
    }}
}}
"""
    )
    nginx = None
    try:
        lesson_id = _lesson_with_instructor(site)
        clip = make_clip(3, "320x240")
        assert _tus(site, lesson_id, clip.read_bytes(), filename="talk.mp4") == 204
        state = wait_for_lesson(site, lesson_id, lambda s: s["lesson"]["status"] == "ready")
        asset_id = state["asset"]["id"]
        nginx = subprocess.Popen(
            [NGINX, "-c", str(conf), "-p", str(tmp_path)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", nginx_port), 0.2).close()
                break
            except OSError:
                assert time.monotonic() < deadline and nginx.poll() is None, "nginx did not start"
                time.sleep(0.1)
        site.base = f"http://127.0.0.1:{nginx_port}"  # the same cookies: ports share them

        status, headers, master = _fetch(site, f"/media/assets/{asset_id}/master.m3u8")
        # The master is the app's, signed for this user; never handed to nginx.
        assert status == 200 and master.startswith(b"#EXTM3U")
        assert "X-Accel-Redirect" not in headers
        _link, variant_name = _signed_variant(master, asset_id)
        variant = bucket.get(f"media/{asset_id}/{variant_name}")
        segment_name = variant_name.rsplit("/", 1)[0] + "/" + _first_uri(variant)
        stored = bucket.get(f"media/{asset_id}/{segment_name}")
        url = f"/media/assets/{asset_id}/{segment_name}"
        status, headers, segment = _fetch(site, url)
        assert (status, segment) == (200, stored)
        status, headers, part = _fetch(site, url, Range="bytes=100-1099")
        assert (status, part) == (206, stored[100:1100])
        assert headers["Content-Range"] == f"bytes 100-1099/{len(stored)}"
        # The app itself sent no bytes, only where nginx should fetch them.
        site.base = f"http://127.0.0.1:{site.port}"
        status, headers, body = _fetch(site, url)
        assert status == 200 and body == b""
        assert headers["X-Accel-Redirect"].startswith(f"/protected-media/{bucket.name}/{PREFIX}/")
        site.base = f"http://127.0.0.1:{nginx_port}"
        assert f'GET {url} HTTP/1.1" 206' in (tmp_path / "nginx-access.log").read_text()
        # Nobody reaches the internal location from outside; strangers are refused by the app.
        assert _fetch(site, f"/protected-media/{bucket.name}/{PREFIX}/{segment_name}")[0] == 404
        site.logout()
        anonymous = site.request(url)
        assert "/login" in anonymous.url and anonymous.read() != stored
    finally:
        if nginx is not None:
            nginx.terminate()
            nginx.wait(10)
        if site.process:
            site.stop()
