"""A real nginx for tests and benchmarks: a minimal server block that includes
deploy/nginx/lms-media.conf as it is and proxies everything else to the app.

Each location has its own access log, so a test can count what reached the app (``app.log``)
and what nginx answered alone (``media.log``).
"""

import os
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MEDIA_SNIPPET = ROOT / "deploy" / "nginx" / "lms-media.conf"
EDGE_SNIPPET = ROOT / "deploy" / "nginx" / "lms-edge.conf"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Nginx:
    """``Nginx(folder, app_port, media_root, secret).start()``; ``stop()`` ends it."""

    def __init__(
        self,
        folder: Path,
        app_port: int,
        media_root: str,
        secret: str,
        workers=1,
        snippet: Path = MEDIA_SNIPPET,
        http_extra: str = "",
        server_extra: str = "",
    ):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.app_log = self.folder / "app.log"
        self.media_log = self.folder / "media.log"
        self.error_log = self.folder / "error.log"
        # As root, nginx's workers would otherwise run as "nobody", who cannot read the
        # tests' private temporary folders.
        user = "user root;" if os.geteuid() == 0 else ""
        temp = " ".join(
            f"{kind}_temp_path {self.folder / kind};"
            for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
        self.conf = self.folder / "nginx.conf"
        self.conf.write_text(
            f"""
{user}
worker_processes {workers};
pid {self.folder / "nginx.pid"};
error_log {self.error_log} warn;
events {{ worker_connections 4096; }}
http {{
    {temp}
    log_format lms '$status $request_method $request_uri';
    access_log off;
    keepalive_requests 100000;
    {http_extra}
    server {{
        listen 127.0.0.1:{self.port} backlog=4096;
        set $lms_media_root "{media_root.rstrip("/")}";
        set $lms_media_secret "{secret}";
        access_log {self.media_log} lms;
        {server_extra}
        include {snippet};
        location / {{
            proxy_pass http://127.0.0.1:{app_port};
            proxy_set_header Host $http_host;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            access_log {self.app_log} lms;
        }}
    }}
}}
"""
        )
        self.process = None

    def start(self) -> "Nginx":
        check = subprocess.run(
            [NGINX, "-t", "-p", str(self.folder), "-e", str(self.error_log), "-c", str(self.conf)],
            capture_output=True,
            text=True,
        )
        assert check.returncode == 0, check.stderr
        self.process = subprocess.Popen(
            [NGINX, "-p", str(self.folder), "-e", str(self.error_log), "-c", str(self.conf),
             "-g", "daemon off;"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.error_log.read_text()
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return self
            except OSError:
                time.sleep(0.05)
        raise AssertionError("nginx did not start: " + self.error_log.read_text())

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def lines(self, log: Path) -> list[str]:
        """The log's lines once it stops growing (nginx writes a request's line after the
        client already has the response)."""
        previous = None
        while True:
            lines = log.read_text().splitlines() if log.exists() else []
            if lines == previous:
                return lines
            previous = lines
            time.sleep(0.2)


def status_of(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            response.read()
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
