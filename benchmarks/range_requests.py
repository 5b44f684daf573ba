"""Time a 1 MiB range request at the start and at the end of a 2 GB file through waitress.

Usage: .venv/bin/python benchmarks/range_requests.py [--size-gb 2] [--repeat 9]

The file is sparse (``truncate``), so it takes no disk space; a server that read from the start
of the file to reach the range would need to read through 2 GB for the request at the end, and
the end/start ratio would be far above 1. The goal is a ratio of about 1.
"""

import argparse
import http.client
import os
import re
import socket
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lms import create_app
from lms.extensions import db

MIB = 1024 * 1024


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def prepare(app, size: int) -> tuple[str, int]:
    """A published course whose lesson's asset has a sparse fallback.mp4; returns its URL."""
    from lms.accounts.services import create_user
    from lms.courses.models import Course, Lesson
    from lms.media.models import MediaAsset

    db.create_all()
    user = create_user("bench", "Bench", ["cadre"], password="bench-pass-1")
    course = Course(title="Bench", is_published=True)
    lesson = Lesson(course=course, title="Long lecture", kind="video", position=1, status="ready")
    db.session.add_all([course, lesson])
    db.session.flush()
    asset = MediaAsset(
        lesson_id=lesson.id,
        original_filename="long.mp4",
        source_path="sources/bench/source.mp4",
        output_dir="renditions/bench",
        status="ready",
        has_video=True,
    )
    db.session.add(asset)
    db.session.flush()
    lesson.current_asset_id = asset.id
    db.session.commit()
    folder = Path(app.config["MEDIA_ROOT"]) / asset.output_dir
    folder.mkdir(parents=True)
    path = folder / "fallback.mp4"
    with open(path, "wb") as fh:
        fh.truncate(size)  # sparse: no disk space, reads return zeros
        fh.seek(size - MIB)
        fh.write(os.urandom(MIB))  # real bytes at the end, to check what comes back
    return f"/media/assets/{asset.id}/fallback.mp4", user.id


def session_cookie(app) -> str:
    """Log in through the real form with the test client and return the session cookie."""
    client = app.test_client()
    html = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
    response = client.post(
        "/login", data={"username": "bench", "password": "bench-pass-1", "csrf_token": token}
    )
    assert response.status_code == 302, response.status_code
    return client.get_cookie("session").value


def fetch(port: int, url: str, cookie: str, first: int, last: int) -> tuple[float, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    started = time.perf_counter()
    conn.request(
        "GET", url, headers={"Range": f"bytes={first}-{last}", "Cookie": f"session={cookie}"}
    )
    response = conn.getresponse()
    body = response.read()
    elapsed = time.perf_counter() - started
    conn.close()
    assert response.status == 206, response.status
    assert response.getheader("Content-Range").startswith(f"bytes {first}-{last}/")
    assert len(body) == last - first + 1
    return elapsed, body


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-gb", type=float, default=2.0)
    parser.add_argument("--repeat", type=int, default=9)
    args = parser.parse_args()
    size = int(args.size_gb * 1024 * MIB)

    with tempfile.TemporaryDirectory() as tmp:
        os.environ["LMS_INSTANCE_PATH"] = os.path.join(tmp, "instance")
        app = create_app(
            {
                "SECRET_KEY": "benchmark-secret-key-that-is-long-enough-0123",
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/bench.sqlite3",
                "MEDIA_ROOT": os.path.join(tmp, "media"),
                "DEFAULT_LOCALE": "en",
            }
        )
        with app.app_context():
            url, _user_id = prepare(app, size)
        cookie = session_cookie(app)

        from waitress.server import create_server

        server = create_server(app, host="127.0.0.1", port=free_port(), threads=4)
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        port = server.effective_port
        try:
            fetch(port, url, cookie, 0, MIB - 1)  # warm up
            start_times, end_times = [], []
            for _ in range(args.repeat):
                elapsed, _body = fetch(port, url, cookie, 0, MIB - 1)
                start_times.append(elapsed)
                elapsed, body = fetch(port, url, cookie, size - MIB, size - 1)
                end_times.append(elapsed)
            with open(
                os.path.join(tmp, "media", "renditions", "bench", "fallback.mp4"), "rb"
            ) as fh:
                fh.seek(size - MIB)
                assert body == fh.read(MIB), "the range at the end returned the wrong bytes"
        finally:
            server.close()
            thread.join(timeout=5)

    start, end = statistics.median(start_times), statistics.median(end_times)
    print(f"file size: {size / 1024**3:.1f} GiB (sparse), 1 MiB ranges, {args.repeat} repetitions")
    print(f"range at the start: median {start * 1000:.2f} ms")
    print(f"range at the end:   median {end * 1000:.2f} ms")
    print(f"end / start ratio:  {end / start:.2f} (goal: about 1)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
