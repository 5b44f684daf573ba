"""A dead job queue is visible: /healthz, the administrator's home and the media page say so."""

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError

from lms.core.queue import create_consumer, get_huey, record_heartbeat
from lms.core.timeutil import utcnow
from lms.extensions import db
from lms.notify.models import OutboxMessage

ROOT = Path(__file__).resolve().parents[2]


def beat(app, seconds_ago: float) -> None:
    """A consumer's heartbeat as recorded ``seconds_ago`` (as a consumer writes it)."""
    record_heartbeat(get_huey(app), f"test:{seconds_ago}", 2, now=time.time() - seconds_ago)


def healthz(client):
    response = client.get("/healthz")
    assert response.headers["Cache-Control"] == "no-store"
    return response.status_code, response.get_json()


# -- /healthz ----------------------------------------------------------------------------------


def test_healthz_without_any_consumer_is_503_and_says_the_queue_is_down(app, client):
    status, body = healthz(client)
    assert status == 503
    assert body["status"] == "down"
    checks = body["checks"]
    assert checks["queue"] == {
        "status": "down",
        "mode": "queue",
        "heartbeat_age_seconds": None,
        "consumers": 0,
        "schedulers": 0,
        "pending_jobs": 0,
    }
    assert checks["database"] == {"status": "ok"}
    assert checks["ffmpeg"] == {"status": "ok"}
    assert checks["disk"]["status"] == "ok" and checks["disk"]["free_bytes"] > 0
    assert checks["outbox"] == {
        "status": "ok",
        "smtp": False,
        "due": 0,
        "oldest_due_seconds": None,
        "failed": 0,
    }


@pytest.mark.parametrize(
    ("seconds_ago", "status", "code"), [(10, "ok", 200), (170, "ok", 200), (300, "down", 503)]
)
def test_healthz_follows_the_newest_heartbeat(app, client, seconds_ago, status, code):
    beat(app, seconds_ago)
    beat(app, 3600)  # an older consumer, long gone, changes nothing
    got, body = healthz(client)
    assert got == code and body["status"] == status
    queue = body["checks"]["queue"]
    assert queue["status"] == status
    assert abs(queue["heartbeat_age_seconds"] - seconds_ago) <= 2
    assert queue["consumers"] == (1 if status == "ok" else 0)


def test_healthz_tells_workers_from_schedulers(app, client):
    """A deployment's worker (--no-periodic) alone: jobs run, periodic tasks do not (warn, 200);
    a scheduler alone runs no job (down); both: ok."""
    huey = get_huey(app)
    record_heartbeat(huey, "scheduler", 0, periodic=True)
    got, body = healthz(client)
    assert got == 503 and body["checks"]["queue"]["status"] == "down"
    assert (body["checks"]["queue"]["consumers"], body["checks"]["queue"]["schedulers"]) == (0, 1)

    huey.storage.delete_data("lms.consumer:scheduler")
    record_heartbeat(huey, "worker", 2, periodic=False)
    got, body = healthz(client)
    assert got == 200 and body["checks"]["queue"]["status"] == "warn"
    assert (body["checks"]["queue"]["consumers"], body["checks"]["queue"]["schedulers"]) == (1, 0)

    record_heartbeat(huey, "scheduler", 0, periodic=True)
    got, body = healthz(client)
    assert got == 200 and body["checks"]["queue"]["status"] == "ok"
    assert (body["checks"]["queue"]["consumers"], body["checks"]["queue"]["schedulers"]) == (1, 1)


def test_healthz_counts_the_jobs_waiting_for_a_consumer(app, client):
    app.extensions["media_tasks"]["process_asset"](12345)  # queued, nobody consumes it
    _status, body = healthz(client)
    assert body["checks"]["queue"]["pending_jobs"] == 1


def test_a_real_consumer_records_its_heartbeat(app, client):
    consumer = create_consumer(app, 1)
    consumer.start()
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and healthz(client)[0] != 200:
            time.sleep(0.2)
        status, body = healthz(client)
    finally:
        consumer.stop(graceful=True)
    assert status == 200, body
    assert body["checks"]["queue"]["consumers"] == 1
    assert body["checks"]["queue"]["heartbeat_age_seconds"] <= 2


def test_flask_worker_records_its_heartbeat(app, client, tmp_path):
    """``flask --app lms worker`` (the Redis setup's consumers) beats as run.py's does."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LMS_")}
    env.update(
        LMS_INSTANCE_PATH=app.instance_path,
        LMS_DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
        LMS_MEDIA_ROOT=app.config["MEDIA_ROOT"],
    )
    worker = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "lms", "worker", "--workers", "1"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and healthz(client)[0] != 200:
            time.sleep(0.3)
        status, body = healthz(client)
    finally:
        worker.send_signal(signal.SIGINT)
        worker.wait(20)
    assert status == 200, body
    assert body["checks"]["queue"]["consumers"] == 1


def test_healthz_reports_missing_ffmpeg(app, client, monkeypatch, tmp_path):
    beat(app, 5)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    status, body = healthz(client)
    assert status == 503
    assert body["checks"]["ffmpeg"] == {"status": "down", "missing": ["ffmpeg", "ffprobe"]}
    assert body["checks"]["queue"]["status"] == "ok"


def test_healthz_reports_a_full_media_disk(app, client, monkeypatch):
    beat(app, 5)
    monkeypatch.setattr("lms.media.uploads.DISK_RESERVE_BYTES", 1 << 62)
    status, body = healthz(client)
    assert status == 503 and body["checks"]["disk"]["status"] == "down"


def test_healthz_reports_a_database_that_does_not_answer(app, client, monkeypatch):
    beat(app, 5)

    def refuse(*args, **kwargs):
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr("lms.core.health.db.session.execute", refuse)
    status, body = healthz(client)
    assert status == 503
    assert body["checks"]["database"] == {"status": "down", "error": "OperationalError"}
    assert "outbox" not in body["checks"]


def test_healthz_warns_of_stuck_mail_only_when_mail_is_configured(app, client, make_user):
    beat(app, 5)
    user = make_user("ann", email="ann@example.org")
    db.session.add(
        OutboxMessage(
            user_id=user.id,
            kind="test",
            to_address="ann@example.org",
            subject="s",
            body="b",
            next_attempt_at=utcnow() - timedelta(minutes=20),
        )
    )
    db.session.commit()
    status, body = healthz(client)
    assert status == 200 and body["status"] == "ok"  # no SMTP host: mail waits by design
    assert body["checks"]["outbox"]["due"] == 1
    app.config["SMTP_HOST"] = "smtp.example.org"
    status, body = healthz(client)
    assert status == 200 and body["status"] == "warn"
    outbox = body["checks"]["outbox"]
    assert outbox["status"] == "warn" and outbox["smtp"] is True
    assert 1190 <= outbox["oldest_due_seconds"] <= 1210


# -- the administrator's home ------------------------------------------------------------------

QUEUE_TEXT = {
    "en": ("System problems", "No job worker has run yet.", "expiring quiz attempts"),
    "zh_CN": ("系统问题", "尚无任务进程运行过。", "测验超时"),
}
STALE_TEXT = {
    "en": "No job worker has been seen for 5 minutes.",
    "zh_CN": "已有 5 分钟未见任务进程。",
}


@pytest.mark.parametrize("language", ["en", "zh_CN"])
def test_admin_home_warns_when_no_consumer_runs(app, client, login, make_user, language):
    admin = make_user("root", roles=["admin"], preferred_language=language)
    login(admin)
    html = client.get("/").get_data(as_text=True)
    for text in QUEUE_TEXT[language]:
        assert text in html

    beat(app, 300)
    html = client.get("/").get_data(as_text=True)
    assert STALE_TEXT[language] in html

    beat(app, 20)
    html = client.get("/").get_data(as_text=True)
    assert QUEUE_TEXT[language][0] not in html and 'id="system-health"' not in html


def test_supervisors_home_has_no_system_warnings(app, client, login, make_user, make_unit):
    supervisor = make_user("sup", roles=["supervisor"], unit=make_unit("District"))
    login(supervisor)
    html = client.get("/").get_data(as_text=True)
    assert 'id="system-health"' not in html
