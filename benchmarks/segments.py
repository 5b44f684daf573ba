"""HLS segment requests: nginx alone on signed links vs the app's authorized media path.

Usage: .venv/bin/python benchmarks/segments.py [--seconds 10] [--connections 16]
                                              [--segment-kb 300] [--client auto|wrk|python]
                                              [--baseline waitress|accel]

Side by side in one run, on loopback, the same client and the same segment file:
- **app**: ``GET /media/assets/<id>/<rung>/segment_00000.ts`` with a logged-in cadre's session
  cookie, straight to ``run.py`` (waitress; the access check, then send_file): what every
  segment cost before signed links, and what ``/media/...`` still costs; with
  ``--baseline accel``, through nginx with ``LMS_MEDIA_ACCEL=nginx`` instead (the app checks
  and answers X-Accel-Redirect, nginx sends the file);
- **nginx**: ``GET /m/<token>/<expires>/<user>/<folder>/segment_00000.ts``, nginx with
  ``deploy/nginx/lms-media.conf`` as it is (one worker), the app behind it for the rest.

It prints requests/s of each, the ratio (target ≥ 20) and the requests that reached the app
during the nginx run (nginx's log of what it proxied; target 0). The client is ``wrk`` when
installed (``apt-get install wrk``), else Python processes with keep-alive connections
(``--client python``), which on a 2-core machine is itself the limit of the nginx figure:
its ratio is then a lower bound.
"""

import argparse
import http.client
import http.cookiejar
import multiprocessing
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.nginx_fixture import Nginx, _free_port  # noqa: E402

PASSWORD = "bench-pass-1234"
LINK_SECRET = "bench-link-secret-0123456789abcdef0123456789"


def environment(folder: Path, port: int, accel: bool) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LMS_")}
    env.update(
        LMS_INSTANCE_PATH=str(folder / "instance"),
        LMS_MEDIA_ROOT=str(folder / "media"),
        LMS_DATABASE_URL=f"sqlite:///{folder / 'bench.sqlite3'}",
        LMS_PORT=str(port),
        LMS_JOB_WORKERS="0",
        LMS_MEDIA_LINK_SECRET=LINK_SECRET,
        LMS_DEFAULT_LOCALE="en",
        # The benchmark's client logs in once; the login limits are not what is measured.
        LMS_LOGIN_LIMIT_ADDRESS="1000 per minute",
    )
    if accel:
        env["LMS_MEDIA_ACCEL"] = "nginx"
    return env


def prepare(folder: Path, env: dict, segment_kb: int) -> int:
    """Migrate, then a cadre and a published lesson whose asset has one rung; its id."""
    flask = [sys.executable, "-m", "flask", "--app", "lms"]
    subprocess.run([*flask, "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    subprocess.run(
        [*flask, "create-user", "bench", "--role", "cadre", "--password", PASSWORD],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    os.environ.update(env)
    from lms import create_app
    from lms.courses.models import Course, Lesson
    from lms.extensions import db
    from lms.media.models import MediaAsset

    app = create_app()
    with app.app_context():
        course = Course(title="Bench", is_published=True)
        lesson = Lesson(course=course, title="Lecture", kind="video", position=1, status="ready")
        db.session.add_all([course, lesson])
        db.session.flush()
        asset = MediaAsset(
            lesson_id=lesson.id,
            original_filename="lecture.mp4",
            source_path="sources/x/source.mp4",
            output_dir="media/1",
            status="ready",
            progress=100.0,
            has_video=True,
        )
        db.session.add(asset)
        db.session.flush()
        lesson.current_asset_id = asset.id
        db.session.commit()
        asset_id = asset.id
    rung = folder / "media" / "media" / "1" / "360p"
    rung.mkdir(parents=True)
    (rung.parent / "master.m3u8").write_text(
        "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=400000,RESOLUTION=640x360\n360p/index.m3u8\n"
    )
    (rung / "index.m3u8").write_text(
        "#EXTM3U\n#EXT-X-TARGETDURATION:6\n#EXTINF:6.0,\nsegment_00000.ts\n#EXT-X-ENDLIST\n"
    )
    # A 6-second segment of the 360p rung is about 300 KB; the bytes do not matter.
    (rung / "segment_00000.ts").write_bytes(os.urandom(segment_kb * 1024))
    return asset_id


def start_app(folder: Path, env: dict, base: str) -> subprocess.Popen:
    log = open(folder / "run.log", "w")  # noqa: SIM115 - open for the process's lifetime
    process = subprocess.Popen(
        [sys.executable, "run.py"], cwd=ROOT, env=env, stdout=log, stderr=log
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"{base}/healthz", timeout=2)
            return process
        except urllib.error.HTTPError:
            return process
        except OSError:
            time.sleep(0.2)
    raise SystemExit("run.py did not start: " + (folder / "run.log").read_text())


def login(base: str) -> tuple[str, urllib.request.OpenerDirector]:
    """The session cookie of the logged-in cadre (and the opener that holds it)."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{base}/login").read().decode()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    data = urllib.parse.urlencode(
        {"username": "bench", "password": PASSWORD, "csrf_token": token}
    ).encode()
    response = opener.open(f"{base}/login", data=data)
    assert "/login" not in response.url, "login failed"
    cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
    return cookie, opener


# -- the clients ------------------------------------------------------------------------------


def _python_worker(port, path, headers, seconds, threads, queue):
    import threading

    counts = {"ok": 0, "other": 0}
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def loop():
        ok = other = 0
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while time.monotonic() < deadline:
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            response.read()
            if response.status == 200:
                ok += 1
            else:
                other += 1
        conn.close()
        with lock:
            counts["ok"] += ok
            counts["other"] += other

    pool = [threading.Thread(target=loop) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    queue.put(counts)


def python_client(port, path, headers, seconds, connections) -> tuple[float, int]:
    """Requests/s with ``connections`` keep-alive connections over two processes."""
    processes = 2
    queue = multiprocessing.Queue()
    workers = [
        multiprocessing.Process(
            target=_python_worker,
            args=(port, path, headers, seconds, max(1, connections // processes), queue),
        )
        for _ in range(processes)
    ]
    started = time.monotonic()
    for worker in workers:
        worker.start()
    results = [queue.get() for _ in workers]
    for worker in workers:
        worker.join()
    elapsed = time.monotonic() - started
    ok = sum(r["ok"] for r in results)
    return ok / elapsed, sum(r["other"] for r in results)


def wrk_client(port, path, headers, seconds, connections) -> tuple[float, int]:
    args = ["wrk", "-t", "2", "-c", str(connections), "-d", f"{seconds}s", "--latency"]
    for name, value in headers.items():
        args += ["-H", f"{name}: {value}"]
    output = subprocess.run(
        [*args, f"http://127.0.0.1:{port}{path}"], capture_output=True, text=True, check=True
    ).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return rate, int(errors.group(1)) if errors else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--segment-kb", type=int, default=300)
    parser.add_argument("--client", choices=["auto", "wrk", "python"], default="auto")
    parser.add_argument("--baseline", choices=["waitress", "accel"], default="waitress")
    options = parser.parse_args()
    client_name = options.client
    if client_name == "auto":
        client_name = "wrk" if shutil.which("wrk") else "python"
    client = wrk_client if client_name == "wrk" else python_client
    seconds = int(options.seconds) if client_name == "wrk" else options.seconds

    folder = Path(tempfile.mkdtemp(prefix="lms-segments-"))
    app_port = _free_port()
    app_base = f"http://127.0.0.1:{app_port}"
    accel = options.baseline == "accel"
    env = environment(folder, app_port, accel)
    app = nginx = None
    try:
        asset_id = prepare(folder, env, options.segment_kb)
        app = start_app(folder, env, app_base)
        cookie, opener = login(app_base)
        master = opener.open(f"{app_base}/media/assets/{asset_id}/master.m3u8").read().decode()
        variant = next(line for line in master.splitlines() if line.startswith("/m/"))
        signed_segment = variant.rsplit("/", 1)[0] + "/segment_00000.ts"
        app_segment = f"/media/assets/{asset_id}/360p/segment_00000.ts"

        internal = (
            f"location /protected-media/ {{ internal; alias {folder / 'media'}/; }}"
            if accel
            else ""
        )
        nginx = Nginx(
            folder / "nginx", app_port, str(folder / "media"), LINK_SECRET, server_extra=internal
        ).start()
        proxied_before = len(nginx.lines(nginx.app_log))

        print(
            f"client: {client_name}, {options.connections} connections, {seconds} s per side, "
            f"segment {options.segment_kb} KiB, {os.cpu_count()} cores"
        )
        app_rate, app_errors = client(
            nginx.port if accel else app_port,
            app_segment,
            {"Cookie": cookie},
            seconds,
            options.connections,
        )
        how = "nginx -> app check -> X-Accel-Redirect" if accel else "waitress, check + send_file"
        print(f"app   ({how}): {app_rate:9.0f} req/s  non-200: {app_errors}")
        nginx_rate, nginx_errors = client(
            nginx.port, signed_segment, {}, seconds, options.connections
        )
        to_app = len(nginx.lines(nginx.app_log)) - proxied_before
        print(f"nginx (signed link, secure_link, no app): {nginx_rate:9.0f} req/s"
              f"  non-200: {nginx_errors}")  # fmt: skip
        ratio = nginx_rate / app_rate if app_rate else float("inf")
        print(f"ratio nginx / app: {ratio:.1f}x (target >= 20)")
        print(f"requests that reached the app during the nginx run: {to_app} (target 0)")
        return 0 if app_errors == 0 and nginx_errors == 0 and to_app == 0 else 1
    finally:
        if nginx:
            nginx.stop()
        if app:
            app.terminate()
            app.wait(20)
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
