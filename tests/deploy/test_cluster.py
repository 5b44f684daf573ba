"""deploy/ starts a working cluster: PgBouncer (transaction pooling) in front of PostgreSQL, two
app processes (lms-web@PORT), the worker, the scheduler and a second consumer that schedules,
nginx in front, all from deploy/'s files (tests/deploy/stack.py). A user's requests go through
nginx: /healthz, logins, a tus upload the worker processes, a lecture served by nginx from the
media root (X-Accel-Redirect), beats that land on both app processes and are credited once,
through an app process killed under load and a PgBouncer restart; the periodic tasks run once
per minute however many consumers schedule them.
"""

import base64
import http.cookiejar
import json
import os
import re
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from datetime import datetime

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.conftest import PG_URL
from tests.deploy.stack import Stack, empty_database, missing_tools, wait_for_health

REDIS_URL = os.environ.get("LMS_TEST_REDIS_URL")
PASSWORD = "cluster-pass-1234"
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
BEAT_MEDIA_SECONDS = 0.5  # media time each beat reports played
BEAT_EVERY_SECONDS = 0.6  # real time between beats: a beat never earns less than it played

pytestmark = [
    pytest.mark.skipif(not PG_URL, reason="the cluster runs on PostgreSQL: LMS_TEST_DATABASE_URL"),
    pytest.mark.skipif(not REDIS_URL, reason="the cluster shares Redis: LMS_TEST_REDIS_URL"),
    pytest.mark.skipif(bool(missing_tools()), reason=f"missing: {missing_tools()}"),
]


# -- a user's client ---------------------------------------------------------------------------


class Browser:
    """Cookies, forms with their CSRF token, JSON; every request through nginx."""

    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )
        self.csrf = ""

    def request(self, path, data=None, headers=None, method=None, timeout=30):
        request = urllib.request.Request(
            self.base + path, data=data, headers=headers or {}, method=method
        )
        try:
            return self.opener.open(request, timeout=timeout)
        except urllib.error.HTTPError as error:
            return error

    def get(self, path) -> str:
        response = self.request(path)
        assert response.status == 200, (path, response.status)
        return response.read().decode()

    def json(self, path, body=None, method=None):
        data = None if body is None else json.dumps(body).encode()
        headers = {"Accept": "application/json", "Content-Type": "application/json"}
        headers["X-CSRFToken"] = self.csrf  # the player's header (lms/static/js/tracker.js)
        response = self.request(path, data=data, headers=headers, method=method)
        body = response.read()
        try:
            return response.status, json.loads(body or b"null")
        except ValueError:  # nginx's own error page (502 while no app process answers)
            return response.status, None

    def post_form(self, path, fields, token_page=None):
        html = self.get(token_page or path)
        pairs = list(fields.items()) if isinstance(fields, dict) else list(fields)
        pairs.append(("csrf_token", CSRF_RE.search(html).group(1)))
        return self.request(path, data=urllib.parse.urlencode(pairs).encode())

    def login(self, username, password=PASSWORD) -> None:
        html = self.get("/login")
        fields = {"username": username, "password": password}
        fields["csrf_token"] = CSRF_RE.search(html).group(1)
        response = self.request("/login", data=urllib.parse.urlencode(fields).encode())
        assert response.status == 200 and "/login" not in response.url, response.url
        self.csrf = CSRF_RE.search(response.read().decode()).group(1)


def tus_upload(browser: Browser, lesson_id: int, data: bytes, chunk_bytes: int) -> None:
    """As the media page's tus-js-client: POST creates the upload, PATCHes send the chunks."""
    page = browser.get(f"/media/lessons/{lesson_id}")
    form = re.search(r'<form class="tus-upload"[^>]*data-purpose="media"', page, re.S).group(0)
    endpoint = re.search(r'data-endpoint="([^"]+)"', form).group(1)
    token = re.search(r'data-csrf="([^"]+)"', form).group(1)
    meta = {"filename": "lecture.mp4", "filetype": "video/mp4", "lesson_id": lesson_id}
    meta["purpose"] = "media"
    encoded = ",".join(f"{k} {base64.b64encode(str(v).encode()).decode()}" for k, v in meta.items())
    headers = {"Tus-Resumable": "1.0.0", "X-CSRFToken": token}
    created = browser.request(
        endpoint,
        data=b"",
        method="POST",
        headers={**headers, "Upload-Length": str(len(data)), "Upload-Metadata": encoded},
    )
    assert created.status == 201, created.read()
    location = urllib.parse.urlsplit(created.headers["Location"]).path
    offset = 0
    while offset < len(data):
        response = browser.request(
            location,
            data=data[offset : offset + chunk_bytes],
            method="PATCH",
            headers={
                **headers,
                "Upload-Offset": str(offset),
                "Content-Type": "application/offset+octet-stream",
            },
        )
        assert response.status == 204, response.read()
        offset = int(response.headers["Upload-Offset"])


def wait_for_lesson(browser: Browser, lesson_id: int, predicate, seconds=60, poll=0.5) -> dict:
    deadline = time.monotonic() + seconds
    while True:
        status, state = browser.json(f"/media/lessons/{lesson_id}/status")
        assert status == 200, state
        if predicate(state):
            return state
        assert time.monotonic() < deadline, state
        time.sleep(poll)


def make_clip(path, seconds: int, size: str = "160x120") -> bytes:
    subprocess.run(
        [
            "ffmpeg", "-nostdin", "-v", "error", "-y",
            "-f", "lavfi", "-i", f"testsrc=size={size}:rate=10:duration={seconds}",
            "-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}",
            "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac", "-shortest", str(path),
        ],
        check=True,
    )  # fmt: skip
    return path.read_bytes()


class Viewer:
    """A cadre's player: beats every BEAT_EVERY_SECONDS, each reporting the next half second
    of the lecture; a beat that fails (the process died, the database went away) is sent again
    with the same ``seq``, as lms/static/js/tracker.js does."""

    def __init__(self, browser: Browser, lesson_id: int):
        self.browser = browser
        status, view = browser.json(f"/api/v1/lessons/{lesson_id}/views", {})
        assert status == 201, view
        self.view_id = view["view_id"]
        self.seq = 0
        self.answers: list[dict] = []
        self.failures = Counter()

    def beat(self, retries_for: float = 30) -> dict:
        self.seq += 1
        start = (self.seq - 1) * BEAT_MEDIA_SECONDS
        body = {
            "seq": self.seq,
            "segments": [[start, start + BEAT_MEDIA_SECONDS]],
            "position": start + BEAT_MEDIA_SECONDS,
            "rate": 1,
            "ended": False,
        }
        deadline = time.monotonic() + retries_for
        while True:
            try:
                status, answer = self.browser.json(f"/api/v1/views/{self.view_id}/beats", body)
            except OSError as exc:
                status, answer = type(exc).__name__, None
            if status == 200:
                self.answers.append(answer)
                return answer
            self.failures[status] += 1
            assert time.monotonic() < deadline, f"beat {self.seq} kept failing: {self.failures}"
            time.sleep(0.3)

    def beat_for(self, seconds: float, stop: threading.Event | None = None) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and not (stop and stop.is_set()):
            time.sleep(BEAT_EVERY_SECONDS)
            self.beat()


# -- the cluster -------------------------------------------------------------------------------


def _fresh_database() -> str:
    url = make_url(PG_URL)
    name = f"{url.database}_cluster"
    return empty_database(url.set(database=name).render_as_string(hide_password=False))


def _start_schedulers_in_one_minute(stack: Stack):
    """lms-scheduler, and a second one (a standby machine's): both check the periodic tasks
    as they start, in the same minute."""
    if datetime.now().second >= 50:
        time.sleep(61 - datetime.now().second)
    return [
        stack.start_unit("lms-scheduler.service"),
        stack.start_unit("lms-scheduler.service", label="lms-scheduler-standby"),
    ]


def _periodic_log(processes) -> tuple[Counter, Counter, Counter]:
    """Per (task, minute): enqueued, claimed elsewhere; per task: executions."""
    enqueued, refused, executed = Counter(), Counter(), Counter()
    for process in processes:
        for line in process.output().splitlines():
            if m := re.search(r"Periodic task (\S+) for (\S+): enqueued", line):
                enqueued[m.groups()] += 1
            elif m := re.search(r"Periodic task (\S+) for (\S+): claimed elsewhere", line):
                refused[m.groups()] += 1
            elif m := re.search(r"Executing lms\.\w+\.tasks\.(\S+):", line):
                executed[m.group(1)] += 1
    return enqueued, refused, executed


@pytest.fixture
def cluster(tmp_path):
    stack = Stack(
        tmp_path,
        _fresh_database(),
        REDIS_URL,
        settings={
            "LMS_SECURE_COOKIES": "0",  # the test speaks plain HTTP to nginx (TLS is the site's)
            "LMS_DEFAULT_LOCALE": "en",
            "LMS_HEARTBEAT_SECONDS": "1",
            "LMS_FFMPEG_THREADS": "1",
            "LMS_THREADS": "4",
            "LMS_JOB_STALE_SECONDS": "3",  # a killed worker's job is queued again soon
        },
    )
    try:
        t = time.monotonic()
        # The schedulers first: the sweep that rescues the killed worker's job comes a minute
        # after their start, and the setup's seconds count towards it.
        stack.schedulers = _start_schedulers_in_one_minute(stack)
        print(f"schedulers started after {time.monotonic() - t:.1f} s")
        stack.start_pgbouncer()
        stack.migrate()  # lms-migrate.service, through PgBouncer
        t1 = time.monotonic()

        # The operators' accounts, as the README says: flask --app lms create-user.
        creating = [
            threading.Thread(
                target=stack.flask, args=("create-user", *args, "--password", PASSWORD)
            )
            for args in [
                ("viewer", "--role", "cadre", "--unit", "District"),
                ("teacher", "--role", "instructor"),
                ("reader", "--role", "instructor"),
            ]
        ]
        for thread in creating:
            thread.start()
        for thread in creating:
            thread.join()
        t2 = time.monotonic()
        stack.start_unit("lms-worker.service")
        stack.start_web(2)
        stack.start_nginx()
        print(f"migrate {t1 - t:.1f} s, users {t2 - t1:.1f} s, start {time.monotonic() - t2:.1f} s")
        yield stack
    finally:
        stack.close()
        print(f"stopped after (s): {stack.stop_seconds}")


def test_the_deploy_files_start_a_cluster_that_serves_uploads_and_credits_beats_once(
    cluster, tmp_path
):
    stack = cluster
    started = time.monotonic()
    schedulers = stack.schedulers
    ports = list(stack.web)
    app_url = make_url(PG_URL).set(database=stack.database.database)
    engine = create_engine(app_url)

    # /healthz through nginx: the database through PgBouncer, the queue's consumer (the
    # worker) and its two schedulers.
    deadline = time.monotonic() + 20
    while True:
        status, health = Browser(stack.base).json("/healthz")
        queue = health["checks"]["queue"]
        if (queue["consumers"], queue["schedulers"]) == (1, 2) or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert status == 200 and health["status"] == "ok", health
    assert health["checks"]["database"] == {"status": "ok"}
    assert (queue["consumers"], queue["schedulers"]) == (1, 2), queue

    # Failed logins are counted in Redis, whichever process answers: the account's limit
    # (5 a minute in production) holds across both.
    intruder = Browser(stack.base)
    statuses = []
    for _ in range(6):
        html = intruder.get("/login")
        fields = {"username": "ghost", "password": "wrong-password"}
        fields["csrf_token"] = CSRF_RE.search(html).group(1)
        statuses.append(
            intruder.request("/login", data=urllib.parse.urlencode(fields).encode()).status
        )
    assert statuses == [401] * 5 + [429], statuses

    # The instructor uploads a lecture through nginx (request bodies streamed); a worker
    # processes it from the shared media store.
    teacher = Browser(stack.base)
    teacher.login("teacher")
    form = teacher.get("/courses/new")
    me = re.search(r'name="instructor_ids"[^>]*value="(\d+)"', form).group(1)
    created = teacher.post_form(
        "/courses/new",
        [("title", "Lecture series"), ("teaching_method", "lecture"), ("instructor_ids", me)],
    )
    course_id = re.search(r"/courses/(\d+)/edit", created.url).group(1)
    for title in ("Opening lecture", "Second lecture"):
        teacher.post_form(
            f"/courses/{course_id}/lessons/new",
            {"title": title, "kind": "video"},
            token_page=f"/courses/{course_id}/edit",
        )
    edit_page = teacher.get(f"/courses/{course_id}/edit")
    lesson_id, second_lesson_id = sorted(
        {int(i) for i in re.findall(r"/media/lessons/(\d+)", edit_page)}
    )
    clip = make_clip(tmp_path / "lecture.mp4", 40)
    tus_upload(teacher, lesson_id, clip, chunk_bytes=len(clip) // 3 + 1)
    state = wait_for_lesson(teacher, lesson_id, lambda s: s["lesson"]["status"] == "ready")
    published = teacher.post_form(f"/courses/{course_id}/publish", {}, f"/courses/{course_id}/edit")
    assert published.status == 200, published.status
    print(f"uploaded and processed at {time.monotonic() - started:.1f} s")

    # The worker is killed mid-job (its whole control group, as systemd does on failure) and
    # started again: the sweep queues the job again once it is stale, and it finishes (checked
    # at the end; meanwhile the rest goes on).
    clip = make_clip(tmp_path / "second.mp4", 30, "640x360")
    tus_upload(teacher, second_lesson_id, clip, chunk_bytes=len(clip) // 2 + 1)
    wait_for_lesson(
        teacher,
        second_lesson_id,
        lambda s: (
            s["asset"] and s["asset"]["status"] == "processing" and s["asset"]["progress"] > 0
        ),
        poll=0.1,
    )
    worker = next(p for p in stack.processes if p.name == "lms-worker")
    os.killpg(worker.pid, signal.SIGKILL)
    worker.popen.wait()
    stack.start_unit("lms-worker.service", label="lms-worker-again")

    # A cadre opens the lecture: the app authorizes, nginx sends the file (X-Accel-Redirect to
    # the internal location over the media root).
    username = "viewer"
    cadre = Browser(stack.base)
    cadre.login(username)
    asset_id = state["asset"]["id"]
    playlist = cadre.request(f"/media/assets/{asset_id}/master.m3u8")
    assert playlist.status == 200 and playlist.read().startswith(b"#EXTM3U")
    assert cadre.request(f"/protected-media/media/{asset_id}/master.m3u8").status == 404

    # Beats land on both app processes (nginx's log names the one that answered) and each is
    # credited once, a beat sent twice (its answer lost) included.
    viewer = Viewer(cadre, lesson_id)
    for _ in range(6):
        time.sleep(BEAT_EVERY_SECONDS)  # a beat earns at most the real time since the last
        viewer.beat()
    again = cadre.json(
        f"/api/v1/views/{viewer.view_id}/beats",
        {
            "seq": viewer.seq,
            "segments": [[(viewer.seq - 1) * BEAT_MEDIA_SECONDS, viewer.seq * BEAT_MEDIA_SECONDS]],
            "position": viewer.seq * BEAT_MEDIA_SECONDS,
            "rate": 1,
            "ended": False,
        },
    )
    assert again == (200, viewer.answers[-1])
    beat_lines = [line for line in stack.access_log().splitlines() if "/beats " in line]
    answered_by = Counter(
        re.search(r"upstream=127\.0\.0\.1:(\d+)", line).group(1) for line in beat_lines
    )
    assert set(answered_by) == {str(port) for port in ports}, answered_by
    assert viewer.answers[-1]["lesson_credited_seconds"] == pytest.approx(6 * BEAT_MEDIA_SECONDS)

    # Under load (readers on every process), an app process is killed; later PgBouncer is
    # restarted. Failed beats are sent again: every beat is credited, none twice.
    stop = threading.Event()
    load_statuses = Counter()

    def reader():
        browser = Browser(stack.base)
        browser.login("reader")
        while not stop.is_set():
            try:
                load_statuses[browser.request("/api/v1/me", timeout=10).status] += 1
            except OSError:
                load_statuses["error"] += 1

    readers = [threading.Thread(target=reader) for _ in range(3)]
    beater = threading.Thread(target=viewer.beat_for, args=(60, stop))
    for thread in [*readers, beater]:
        thread.start()
    try:
        time.sleep(2)
        stack.web[ports[0]].kill()  # SIGKILL: no goodbye
        time.sleep(2)
        stack.restart_web(ports[0])  # systemd's Restart=on-failure
        time.sleep(2)
        stack.restart_pgbouncer(down_seconds=1.5)
        time.sleep(3)
    finally:
        stop.set()
        for thread in [beater, *readers]:
            thread.join(60)
    beats = viewer.seq
    assert beats >= 15, viewer.failures
    assert viewer.answers[-1]["lesson_credited_seconds"] == pytest.approx(
        beats * BEAT_MEDIA_SECONDS
    )
    with engine.connect() as conn:
        view = conn.execute(
            text("SELECT credited_seconds, address FROM lesson_view WHERE public_id = :v"),
            {"v": viewer.view_id},
        ).one()
        ledger = conn.scalar(
            text(
                "SELECT sum(daily_credit.seconds) FROM daily_credit "
                'JOIN "user" ON "user".id = daily_credit.user_id '
                'WHERE "user".username = :u'
            ),
            {"u": username},
        )
    assert view.credited_seconds == pytest.approx(beats * BEAT_MEDIA_SECONDS)
    assert float(ledger) == pytest.approx(beats * BEAT_MEDIA_SECONDS)
    assert load_statuses[200] > 20, load_statuses
    print(f"beats {beats}, retried {dict(viewer.failures)}, readers {dict(load_statuses)}")

    # The stack is whole again, and the killed worker's job finished.
    assert wait_for_health(stack.base) == 200
    state = wait_for_lesson(
        teacher, second_lesson_id, lambda s: s["lesson"]["status"] == "ready", seconds=90
    )
    assert state["asset"]["status"] == "ready"
    print(f"the killed worker's job finished at {time.monotonic() - started:.1f} s")

    # Periodic tasks: the two consumers that schedule checked them as they started, in one
    # minute; each task of each minute was enqueued by one of them and run once.
    enqueued, refused, _ = _periodic_log(schedulers)
    assert enqueued and all(count == 1 for count in enqueued.values()), enqueued
    first_minute = min(minute for _task, minute in enqueued)
    assert refused[("notify.deliver_due", first_minute)] == 1, (enqueued, refused)
    deadline = time.monotonic() + 15
    consumers = [p for p in stack.processes if p.name.startswith("lms-worker")]
    while True:
        enqueued, refused, executed = _periodic_log(schedulers + consumers)
        due = Counter(task for task, _minute in enqueued)
        if executed["notify.deliver_due"] >= due["notify.deliver_due"]:
            break
        assert time.monotonic() < deadline, (enqueued, executed)
        time.sleep(0.5)
    assert executed["notify.deliver_due"] == due["notify.deliver_due"], (enqueued, executed)
    print(f"cluster test body took {time.monotonic() - started:.1f} s")
    for process in schedulers:
        assert process.stop(signal.SIGTERM) is not None
