"""The screenshot tour (``make screenshots``): the demo as ``make run`` serves it, each demo
role's main pages saved at phone and laptop size, for reviewing a change by eye.

    .venv/bin/python scripts/screenshots.py [--out screenshots] [--only phone|laptop]

It starts ``run.py`` on a free port with a fresh instance folder and media root of its own
(the demo is seeded into the empty database, as on a first ``make run``), logs in through the
login form as ``cadre1``, ``instructor``, ``supervisor`` and ``admin`` (password demo1234),
saves ``<out>/<viewport>/<role>-<page>.png`` (whole pages), and stops the server. Your own
instance folder and database are not touched.
"""

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "demo1234"
# Debian's Chromium, as the browser tests use it (install.sh installs it).
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
VIEWPORTS = {"phone": (390, 844), "laptop": (1280, 800)}
# (role's login, pages): the places each role goes first.
TOUR = {
    "cadre": (
        "cadre1",
        {
            "home": "/",
            "course-menu": "/courses/",
            "my-courses": "/courses/mine",
            "my-learning": "/learning/",
            "exams": "/quizzes/",
            "archive": "/archive/",
            "account": "/account",
        },
    ),
    "instructor": (
        "instructor",
        {"home": "/", "teaching": "/courses/teaching", "banks": "/banks/", "quizzes": "/quizzes/"},
    ),
    "supervisor": (
        "supervisor",
        {
            "home": "/",
            "dashboard": "/reports/",
            "units": "/reports/units",
            "courses": "/reports/courses",
            "org-units": "/org/units",
            "offline": "/offline/",
            "assessment": "/assessment/",
            "non-participation": "/assessment/non-participation",
            "plan": "/plan/",
        },
    ),
    "admin": (
        "admin",
        {"home": "/", "users": "/admin/users/", "categories": "/org/categories"},
    ),
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(workdir: Path, port: int) -> subprocess.Popen:
    """``python run.py`` as ``make run`` starts it, on its own instance folder; waits for it."""
    env = {
        **os.environ,
        "LMS_ENV": "development",
        "LMS_INSTANCE_PATH": str(workdir / "instance"),
        "LMS_MEDIA_ROOT": str(workdir / "media"),
        "LMS_DATABASE_URL": f"sqlite:///{workdir / 'lms.sqlite3'}",
        "LMS_HOST": "127.0.0.1",
        "LMS_PORT": str(port),
        "LMS_REDIS_URL": "",
    }
    log = open(workdir / "run.log", "w")  # noqa: SIM115 - closed with the process
    server = subprocess.Popen(
        [sys.executable, "run.py"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    deadline = time.monotonic() + 600  # the demo's clips are generated on the first start
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"run.py stopped; see {workdir / 'run.log'}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                return server
        except OSError:
            time.sleep(1)
    server.terminate()
    raise SystemExit("run.py did not answer within 10 minutes")


def tour(base: str, out: Path, viewports: dict) -> list[Path]:
    saved = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
        )
        for viewport, (width, height) in viewports.items():
            for role, (username, pages) in TOUR.items():
                context = browser.new_context(
                    viewport={"width": width, "height": height}, locale="zh-CN"
                )
                page = context.new_page()
                page.goto(f"{base}/login")
                page.fill("#username", username)
                page.fill("#password", PASSWORD)
                page.click("button.primary")
                page.wait_for_url(f"{base}/")
                for name, path in pages.items():
                    page.goto(f"{base}{path}")
                    page.wait_for_load_state("networkidle")
                    target = out / viewport / f"{role}-{name}.png"
                    target.parent.mkdir(parents=True, exist_ok=True)
                    page.screenshot(path=str(target), full_page=True)
                    saved.append(target)
                    print(f"saved {target.relative_to(out.parent)}", flush=True)
                context.close()
        browser.close()
    return saved


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default=str(ROOT / "screenshots"), help="folder for the images")
    parser.add_argument("--only", choices=sorted(VIEWPORTS), help="one viewport only")
    args = parser.parse_args()
    viewports = {args.only: VIEWPORTS[args.only]} if args.only else VIEWPORTS
    out = Path(args.out).resolve()
    with tempfile.TemporaryDirectory(prefix="lms-tour-") as tmp:
        port = free_port()
        print("Starting run.py with the demo (the first start generates its clips)…", flush=True)
        server = start_server(Path(tmp), port)
        try:
            saved = tour(f"http://127.0.0.1:{port}", out, viewports)
        finally:
            server.send_signal(signal.SIGINT)
            server.wait(timeout=60)
    print(f"{len(saved)} screenshots in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
