"""``make run`` processes uploads: run.py as a real process, a tus upload, the lesson ready.

run.py is started exactly as ``make run`` starts it (``python run.py``, no other worker). The
demo is not seeded because the operators are created first with the README's commands
(``flask --app lms db upgrade`` and ``create-user``), which keeps these tests to seconds.
"""

import base64
import http.cookiejar
import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.conftest import PG_URL
from tests.demo.test_run import _free_port

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("LMS_TEST_REDIS_URL")
PASSWORD = "teach-pass-1234"
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')

BACKENDS = ["sqlite"] + (["postgresql+redis"] if PG_URL and REDIS_URL else [])


def _fresh_postgresql() -> str:
    """A database of its own: run.py migrates it, which the test schema would not allow."""
    url = make_url(PG_URL)
    name = f"{url.database}_runpy"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


def _empty_redis_queue() -> None:
    """Remove what earlier runs left in the ``lms`` queue on the test Redis (its keys only)."""
    from huey import RedisHuey

    RedisHuey("lms", url=REDIS_URL).storage.flush_all()


class Site:
    """A running run.py and a browser-like client with cookies (one user at a time)."""

    def __init__(self, tmp_path: Path, backend: str, **settings):
        self.tmp_path = tmp_path
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("LMS_")}
        self.port = _free_port()
        self.env.update(
            LMS_INSTANCE_PATH=str(tmp_path / "instance"),
            LMS_MEDIA_ROOT=str(tmp_path / "media"),
            LMS_PORT=str(self.port),
            LMS_FFMPEG_THREADS="1",
            LMS_DEFAULT_LOCALE="en",
            **settings,
        )
        if backend == "postgresql+redis":
            _empty_redis_queue()
            self.env.update(LMS_DATABASE_URL=_fresh_postgresql(), LMS_REDIS_URL=REDIS_URL)
        self.base = f"http://127.0.0.1:{self.port}"
        self.process = None
        self.output = ""
        self.logout()

    # -- the process ---------------------------------------------------------------------------

    def flask(self, *args) -> str:
        result = subprocess.run(
            [sys.executable, "-m", "flask", "--app", "lms", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout

    def start(self) -> None:
        """``make run``: ``python run.py``; returns once /healthz answers."""
        self.log = open(self.tmp_path / f"run-{time.monotonic_ns()}.log", "w+")  # noqa: SIM115
        # A session of its own, as a terminal gives a command: Ctrl+C can reach the group.
        self.process = subprocess.Popen(
            [sys.executable, "run.py"],
            cwd=ROOT,
            env=self.env,
            stdout=self.log,
            stderr=self.log,
            start_new_session=True,
        )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"run.py exited: {self.read_log()}"
            try:
                urllib.request.urlopen(f"{self.base}/healthz", timeout=2)
                return
            except urllib.error.HTTPError:
                return  # it answers (a 503 names what is down)
            except OSError:
                time.sleep(0.2)
        raise AssertionError(f"run.py did not start: {self.read_log()}")

    def read_log(self) -> str:
        self.log.flush()
        return (self.log.name and Path(self.log.name).read_text()) or ""

    def stop(self, signum=signal.SIGINT, timeout=20, group=False) -> float:
        """Send ``signum`` (to the process group: what Ctrl+C in a terminal does); the seconds
        run.py took to exit."""
        started = time.monotonic()
        if group:
            os.killpg(self.process.pid, signum)
        else:
            self.process.send_signal(signum)
        try:
            self.process.wait(timeout)
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait()
            self.log.close()
        return time.monotonic() - started

    # -- HTTP ----------------------------------------------------------------------------------

    def logout(self) -> None:
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def request(self, path, data=None, headers=None, method=None):
        request = urllib.request.Request(
            self.base + path, data=data, headers=headers or {}, method=method
        )
        try:
            return self.opener.open(request, timeout=60)
        except urllib.error.HTTPError as error:
            return error

    def get(self, path) -> str:
        response = self.request(path)
        assert response.status == 200, (path, response.status)
        return response.read().decode()

    def json(self, path):
        response = self.request(path, headers={"Accept": "application/json"})
        return response.status, json.loads(response.read())

    def post_form(self, path, fields: dict | list, token_page: str | None = None):
        html = self.get(token_page or path)
        pairs = list(fields.items()) if isinstance(fields, dict) else list(fields)
        pairs.append(("csrf_token", CSRF_RE.search(html).group(1)))
        return self.request(path, data=urllib.parse.urlencode(pairs).encode())

    def login(self, username, password=PASSWORD) -> None:
        self.logout()
        response = self.post_form("/login", {"username": username, "password": password})
        assert response.status == 200 and "/login" not in response.url, response.url


def _lesson_with_instructor(site: Site) -> int:
    """The README's way: create the instructor on the command line, the course on its pages."""
    site.flask("db", "upgrade")
    site.flask("create-user", "teacher", "--role", "instructor", "--password", PASSWORD)
    site.start()
    site.login("teacher")
    form = site.get("/courses/new")
    me = re.search(r'name="instructor_ids"[^>]*value="(\d+)"', form).group(1)
    created = site.post_form(
        "/courses/new",
        [("title", "Lecture series"), ("teaching_method", "lecture"), ("instructor_ids", me)],
    )
    course_id = re.search(r"/courses/(\d+)/edit", created.url).group(1)
    site.post_form(
        f"/courses/{course_id}/lessons/new",
        {"title": "Opening lecture", "kind": "video"},
        token_page=f"/courses/{course_id}/edit",
    )
    edit = site.get(f"/courses/{course_id}/edit")
    return int(re.search(r"/media/lessons/(\d+)", edit).group(1))


def tus_upload(site: Site, lesson_id: int, path: Path, chunk_bytes: int):
    """Upload a file as the media page's tus-js-client does: POST to create, PATCH each chunk."""
    page = site.get(f"/media/lessons/{lesson_id}")
    form = re.search(r'<form class="tus-upload"[^>]*data-purpose="media"', page, re.S).group(0)
    endpoint = re.search(r'data-endpoint="([^"]+)"', form).group(1)
    token = re.search(r'data-csrf="([^"]+)"', form).group(1)
    body = path.read_bytes()
    meta = {"filename": path.name, "filetype": "video/mp4", "lesson_id": lesson_id}
    meta["purpose"] = "media"
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
    offset = 0
    while offset < len(body):
        chunk = body[offset : offset + chunk_bytes]
        response = site.request(
            location.removeprefix(site.base),
            data=chunk,
            method="PATCH",
            headers={
                **headers,
                "Upload-Offset": str(offset),
                "Content-Type": "application/offset+octet-stream",
            },
        )
        if response.status != 204:
            return response
        offset = int(response.headers["Upload-Offset"])
    return response


def wait_for_lesson(site: Site, lesson_id: int, predicate, seconds: float = 120):
    deadline = time.monotonic() + seconds
    state = None
    while time.monotonic() < deadline:
        status, state = site.json(f"/media/lessons/{lesson_id}/status")
        assert status == 200
        if predicate(state):
            return state
        time.sleep(0.5)
    raise AssertionError(f"lesson state stayed {state}; log:\n{site.read_log()}")


@pytest.mark.parametrize("backend", BACKENDS)
def test_make_run_processes_a_tus_upload_and_stops_on_ctrl_c(tmp_path, make_clip, backend):
    """Upload under ``make run`` with no other worker: the lesson becomes ready."""
    site = Site(tmp_path, backend)
    try:
        lesson_id = _lesson_with_instructor(site)
        clip = make_clip(3, "320x240")
        finished = tus_upload(site, lesson_id, clip, chunk_bytes=clip.stat().st_size // 2 + 1)
        assert finished.status == 204, finished.read()
        state = wait_for_lesson(site, lesson_id, lambda s: s["lesson"]["status"] == "ready")
        assert state["asset"]["status"] == "ready"
        page = site.get(f"/media/lessons/{lesson_id}")
        assert "Ready to play" in page and "master.m3u8" in page

        # The consumer beside the web server recorded its heartbeat.
        status, health = site.json("/healthz")
        assert status == 200, health
        assert health["status"] == "ok"
        assert health["checks"]["queue"]["consumers"] >= 1
        assert health["checks"]["queue"]["heartbeat_age_seconds"] < 60
    finally:
        seconds = site.stop(signal.SIGINT) if site.process else None
    assert seconds < 15, site.read_log()
    assert site.process.returncode == 0
    assert "Stopped." in Path(site.log.name).read_text()


def _ffmpeg_reading(path_part: str) -> list[int]:
    """Processes whose command line names ``path_part`` (orphans are reparented: no ppid test)."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes().decode(errors="replace")
        except OSError:
            continue
        if "ffmpeg" in cmdline and path_part in cmdline:
            found.append(int(proc.name))
    return found


@pytest.mark.parametrize(
    ("signum", "group"),
    [(signal.SIGTERM, False), (signal.SIGINT, True)],
    ids=["SIGTERM to run.py", "Ctrl+C to the process group"],
)
def test_a_signal_mid_transcode_stops_run_py_and_the_job_resumes_later(
    tmp_path, make_clip, signum, group
):
    """SIGTERM or Ctrl+C while ffmpeg runs: run.py exits promptly, ffmpeg with it, and the
    interrupted job is neither failed nor lost: the next start processes it."""
    site = Site(tmp_path, "sqlite", LMS_JOB_STALE_SECONDS="2")
    try:
        lesson_id = _lesson_with_instructor(site)
        clip = make_clip(40, "640x360")
        assert tus_upload(site, lesson_id, clip, 1024 * 1024).status == 204
        wait_for_lesson(
            site,
            lesson_id,
            lambda s: s["asset"]["status"] == "processing" and s["asset"]["progress"] > 1,
        )
        assert _ffmpeg_reading(str(tmp_path / "media" / "sources"))
    finally:
        seconds = site.stop(signum, group=group) if site.process else None
    log = Path(site.log.name).read_text()
    assert seconds < 15, log
    assert site.process.returncode == 0, log
    assert not _ffmpeg_reading(str(tmp_path / "media" / "sources")), "ffmpeg outlived run.py"

    site.start()
    try:
        site.login("teacher")
        state = wait_for_lesson(site, lesson_id, lambda s: s["asset"]["status"] != "processing")
        assert state["asset"]["status"] in {"pending", "ready"}  # handed back, not failed
        state = wait_for_lesson(site, lesson_id, lambda s: s["lesson"]["status"] == "ready")
        assert state["asset"]["status"] == "ready"
    finally:
        site.stop()
