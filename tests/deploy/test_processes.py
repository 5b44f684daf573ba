"""What lets several processes share one database and one queue: migrations that take turns,
web processes that leave migrating to lms-migrate, periodic tasks claimed once per minute."""

import os
import re
import shutil
import subprocess
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from huey import RedisHuey, SqliteHuey
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from lms.core.queue import PERIOD_CLAIM_SECONDS, claim_period, forget_old_claims
from tests.conftest import PG_URL
from tests.deploy.stack import ROOT, Process, Unit, empty_database, free_port, wait_for_health

REDIS_URL = os.environ.get("LMS_TEST_REDIS_URL")
needs_postgresql = pytest.mark.skipif(not PG_URL, reason="needs LMS_TEST_DATABASE_URL")


def _fresh_database(suffix: str) -> str:
    url = make_url(PG_URL)
    name = f"{url.database}_{suffix}"
    return empty_database(url.set(database=name).render_as_string(hide_password=False))


def _environment(tmp_path: Path, database_url: str, **settings) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LMS_")}
    env.update(
        LMS_ENV="production",
        LMS_SECRET_KEY="processes-test-secret-key-0123456789-abcdef",
        LMS_DATABASE_URL=database_url,
        LMS_INSTANCE_PATH=str(tmp_path / "instance"),
        LMS_MEDIA_ROOT=str(tmp_path / "media"),
        **settings,
    )
    return env


@needs_postgresql
def test_processes_preparing_one_database_at_once_take_turns(tmp_path):
    """Three `flask --app lms prepare-db` at once (two machines' lms-migrate, or run.py
    processes started together): each succeeds, the schema and the categories exist once."""
    url = _fresh_database("migrate_race")
    env = _environment(tmp_path, url)
    results = [None] * 3

    def prepare(i):
        results[i] = subprocess.run(
            [str(ROOT / ".venv" / "bin" / "flask"), "--app", "lms", "prepare-db"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
        )

    threads = [threading.Thread(target=prepare, args=(i,)) for i in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for result in results:
        assert result.returncode == 0, result.stdout + result.stderr
    engine = create_engine(url)
    with engine.connect() as conn:
        assert conn.scalar(text("SELECT count(*) FROM alembic_version")) == 1
        codes = conn.scalars(text("SELECT code FROM cadre_category")).all()
    engine.dispose()
    assert len(codes) == len(set(codes)) == 5


@needs_postgresql
def test_a_web_process_with_migrate_on_start_off_leaves_the_schema_to_lms_migrate(tmp_path):
    """lms-web@PORT's setting: run.py serves at once and touches no table."""
    url = _fresh_database("no_migrate")
    port = free_port()
    env = _environment(
        tmp_path, url, LMS_MIGRATE_ON_START="0", LMS_JOB_WORKERS="0", LMS_PORT=str(port)
    )
    python = str(ROOT / ".venv" / "bin" / "python")
    process = Process("run", [python, "run.py"], env, str(ROOT), tmp_path).start()
    try:
        wait_for_health(f"http://127.0.0.1:{port}", process=process)
    finally:
        process.stop()
    engine = create_engine(url)
    assert inspect(engine).get_table_names() == []
    engine.dispose()


# -- periodic tasks: one claim per task and minute ---------------------------------------------


def _queues(tmp_path):
    yield "sqlite", SqliteHuey("lms-claims", filename=str(tmp_path / "huey.sqlite3"))
    if REDIS_URL:
        huey = RedisHuey(f"lmsclaims{os.getpid()}x{time.monotonic_ns()}", url=REDIS_URL)
        yield "redis", huey


def test_a_periodic_task_s_minute_is_claimed_once(tmp_path):
    minute = datetime(2026, 12, 5, 12, 30)
    for backend, huey in _queues(tmp_path):
        try:
            assert claim_period(huey, "notify.deliver_due", minute), backend
            # The other scheduler, in the same minute (seconds do not matter): refused.
            assert not claim_period(huey, "notify.deliver_due", minute.replace(second=59))
            # Another task, or the next minute: its own claim.
            assert claim_period(huey, "media.sweep_stale", minute), backend
            assert claim_period(huey, "notify.deliver_due", minute + timedelta(minutes=1))
            if backend == "redis":  # the claims expire by themselves
                ttl = huey.storage.conn.ttl(
                    f"{huey.name}.lms.periodic:media.sweep_stale:2026-12-05T12:30"
                )
                assert 0 < ttl <= PERIOD_CLAIM_SECONDS
            else:  # SQLite: old claims are removed as the scheduler goes
                forget_old_claims(huey, now=time.time() + PERIOD_CLAIM_SECONDS + 1)
                assert claim_period(huey, "notify.deliver_due", minute)
        finally:
            if backend == "redis":
                for key in huey.storage.conn.scan_iter(f"*{huey.name}*"):
                    huey.storage.conn.delete(key)


# -- the deploy files themselves ---------------------------------------------------------------


def test_the_example_environment_file_lists_every_setting():
    """Each setting has its line; those the units set per process are named as theirs."""
    import config

    text_ = (ROOT / "deploy" / "lms.env.example").read_text()
    per_unit = set(Unit("lms-web@.service", "8001").environment)
    assert per_unit == {"LMS_PORT", "LMS_HOST", "LMS_MIGRATE_ON_START", "LMS_JOB_WORKERS"}
    missing = [
        s.env
        for s in config.SETTINGS
        if not re.search(rf"^#? ?{s.env}=", text_, re.M)
        and not (s.env in per_unit and re.search(rf"unit-level.*\b{s.env}\b", text_))
    ]
    assert not missing, f"deploy/lms.env.example lacks {missing}"


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="needs systemd-analyze")
def test_systemd_accepts_the_units(tmp_path):
    """systemd-analyze verify finds nothing wrong but the checkout's absence at /opt/lms."""
    for unit in (ROOT / "deploy" / "systemd").iterdir():
        shutil.copy(unit, tmp_path / unit.name)
    shutil.copy(tmp_path / "lms-web@.service", tmp_path / "lms-web@8001.service")
    names = ["lms-migrate.service", "lms-worker.service", "lms-scheduler.service"]
    result = subprocess.run(
        [
            "systemd-analyze",
            "verify",
            "--man=no",
            *[f"./{n}" for n in [*names, "lms-web@8001.service"]],
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={**os.environ, "SYSTEMD_LOG_LEVEL": "warning"},
    )
    problems = [
        line
        for line in (result.stdout + result.stderr).splitlines()
        if line.strip() and "/opt/lms/.venv/bin/" not in line
    ]
    assert not problems, problems
