"""``python run.py``: migrates, seeds an empty database, and serves the site with waitress."""

import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for(url: str, process, seconds: float = 300) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"run.py exited: {process.stdout.read()}")
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:
            time.sleep(0.3)
    raise AssertionError("run.py did not start in time")


def test_run_py_serves_the_demo(tmp_path):
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("LMS_")}
    env.update(LMS_INSTANCE_PATH=str(tmp_path / "instance"), LMS_PORT=str(port))
    process = subprocess.Popen(
        [sys.executable, "run.py"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    idle = []
    try:
        _wait_for(f"{base}/healthz", process)
        # 150 idle keep-alive connections (viewers between heartbeats) must not lock out the
        # next visitor: waitress's default limit was 100.
        idle = [socket.create_connection(("127.0.0.1", port)) for _ in range(150)]
        opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )
        login_page = opener.open(f"{base}/login", timeout=15).read().decode()
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', login_page).group(1)
        form = urllib.parse.urlencode(
            {"username": "supervisor", "password": "demo1234", "csrf_token": token}
        ).encode()
        home = opener.open(f"{base}/login", data=form).read().decode()
        assert "未央区" in home  # the supervisor's scope, on the home page
        css = opener.open(f"{base}/static/css/app.css")
        assert css.status == 200
    finally:
        for connection in idle:
            connection.close()
        process.terminate()
        output = process.communicate(timeout=20)[0]
    assert f"http://127.0.0.1:{port}/" in output
    assert "demo1234" in output
