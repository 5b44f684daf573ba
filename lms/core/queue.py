"""The Huey job queue: SQLite in the instance folder by default, Redis with ``LMS_REDIS_URL``."""

import contextlib
import json
import os
import secrets
import socket
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from flask import Flask, current_app
from huey import RedisHuey, SqliteHuey
from huey.api import Huey
from huey.consumer import Consumer, Scheduler

from lms.core.events import consumer_stopping

HUEY_NAME = "lms"


def init_app(app: Flask) -> None:
    """Create the app's Huey; each feature registers its jobs on it (``lms.create_app``)."""
    # Jobs record their outcome on their own rows: Huey need not keep results.
    if app.config.get("REDIS_URL"):
        name = app.config.get("QUEUE_NAME") or HUEY_NAME
        huey = RedisHuey(name, url=app.config["REDIS_URL"], results=False)
    else:
        path = Path(app.instance_path) / "huey.sqlite3"
        huey = SqliteHuey(HUEY_NAME, filename=str(path), results=False)
    huey.immediate = bool(app.config.get("HUEY_IMMEDIATE"))
    app.extensions["huey"] = huey


def get_huey(app: Flask | None = None) -> Huey:
    """The app's Huey; ``HUEY_IMMEDIATE`` (tests) is read at call time, so tests may flip it."""
    app = app or current_app._get_current_object()
    huey = app.extensions["huey"]
    immediate = bool(app.config.get("HUEY_IMMEDIATE"))
    if huey.immediate != immediate:
        huey.immediate = immediate
    return huey


# -- consumers and their heartbeat -------------------------------------------------------------
#
# A queue nobody consumes fails silently: uploads wait at 0 % and nothing periodic runs. Every
# consumer therefore records a heartbeat in the queue's own key-value store (SQLite and Redis
# alike, so every process that sees the queue sees it), from its scheduler thread, which keeps
# ticking while the workers are busy with long transcodes.

HEARTBEAT_KEY_PREFIX = "lms.consumer:"
HEARTBEAT_EVERY_SECONDS = 15.0
# "A few minutes" of silence: far beyond a healthy consumer's 15 s, short enough to matter.
CONSUMER_SILENT_SECONDS = 180.0
FORGET_AFTER_SECONDS = 7 * 24 * 3600  # entries of consumers long gone are dropped


def record_heartbeat(
    huey: Huey, consumer_id: str, workers: int, now: float | None = None, periodic: bool = True
) -> None:
    """Note that the consumer ``consumer_id`` is alive (wall-clock time: several machines):
    ``workers`` run jobs; ``periodic`` says whether it enqueues the periodic tasks."""
    value = {"at": time.time() if now is None else now, "workers": workers, "periodic": periodic}
    huey.storage.put_data(HEARTBEAT_KEY_PREFIX + consumer_id, json.dumps(value).encode())


def _heartbeats(huey: Huey) -> dict[str, dict]:
    beats = {}
    for key, raw in huey.storage.result_items().items():
        key = key.decode() if isinstance(key, bytes) else key
        if not key.startswith(HEARTBEAT_KEY_PREFIX):
            continue
        try:
            beats[key] = json.loads(bytes(raw).decode())
            float(beats[key]["at"])
        except (ValueError, TypeError, KeyError):
            beats.pop(key, None)
    return beats


def forget_old_consumers(huey: Huey, now: float | None = None) -> None:
    """Drop the heartbeats of consumers silent for a week (each restart is a new consumer)."""
    now = time.time() if now is None else now
    for key, beat in _heartbeats(huey).items():
        if now - float(beat["at"]) > FORGET_AFTER_SECONDS:
            huey.storage.delete_data(key)


@dataclass
class QueueState:
    """Whether a consumer is alive: the newest heartbeat's age, live consumers (those that run
    jobs) and schedulers (those that enqueue the periodic tasks), waiting jobs."""

    is_alive: bool
    inline: bool = False
    heartbeat_age_seconds: float | None = None
    consumers: int = 0
    schedulers: int = 0
    pending_jobs: int | None = None
    error: str | None = None

    def as_dict(self) -> dict:
        # Jobs run, but nothing enqueues the periodic ones (mail, sweeps): a warning.
        if not self.is_alive:
            status = "down"
        elif self.inline or self.schedulers:
            status = "ok"
        else:
            status = "warn"
        return {
            "status": status,
            "mode": "inline" if self.inline else "queue",
            "heartbeat_age_seconds": (
                None if self.heartbeat_age_seconds is None else round(self.heartbeat_age_seconds)
            ),
            "consumers": self.consumers,
            "schedulers": self.schedulers,
            "pending_jobs": self.pending_jobs,
            **({"error": self.error} if self.error else {}),
        }


def queue_state(app: Flask | None = None, now: float | None = None) -> QueueState:
    """Read the consumers' heartbeats: alive when one that runs jobs beat within
    CONSUMER_SILENT_SECONDS (a scheduler alone runs none)."""
    huey = get_huey(app)
    if huey.immediate:  # tests: jobs run inline in the request, nothing needs to consume
        return QueueState(is_alive=True, inline=True)
    now = time.time() if now is None else now
    try:
        beats = [(max(now - float(beat["at"]), 0.0), beat) for beat in _heartbeats(huey).values()]
        pending = huey.pending_count()
    except Exception as exc:  # an unreachable queue is a finding, not a crash
        return QueueState(is_alive=False, error=type(exc).__name__)
    live = [(age, beat) for age, beat in beats if age <= CONSUMER_SILENT_SECONDS]
    working = [age for age, beat in beats if int(beat.get("workers") or 0) > 0]
    newest = min(working) if working else None
    return QueueState(
        is_alive=newest is not None and newest <= CONSUMER_SILENT_SECONDS,
        heartbeat_age_seconds=newest,
        consumers=sum(1 for _age, beat in live if int(beat.get("workers") or 0) > 0),
        # Heartbeats written before schedulers were told apart came from consumers that all
        # enqueued the periodic tasks.
        schedulers=sum(1 for _age, beat in live if beat.get("periodic", True)),
        pending_jobs=pending,
    )


# -- periodic tasks: once per period, however many schedulers run ------------------------------
#
# Huey's scheduler enqueues every periodic task whose crontab matches the current minute, once
# a minute, in every consumer that has periodic tasks on. Production runs one scheduler
# (``flask --app lms scheduler``) and workers without them (``worker --no-periodic``), but a
# second scheduler (a standby machine, run.py beside a worker in development) must not send the
# mail twice: before enqueueing, a scheduler claims the task's minute in the queue's store, and
# only the one whose claim succeeds enqueues it. Redis: ``SET NX EX``; SQLite: an insert that
# fails on the key, the old claims removed as the heartbeats are.

PERIOD_CLAIM_PREFIX = "lms.periodic:"
PERIOD_CLAIM_SECONDS = 3600  # far beyond the minute of a period; then it may go


def claim_period(huey: Huey, task_name: str, minute: datetime, now: float | None = None) -> bool:
    """True for the first caller only, per task name and minute (``minute``'s seconds ignored)."""
    key = PERIOD_CLAIM_PREFIX + f"{task_name}:{minute:%Y-%m-%dT%H:%M}"
    value = json.dumps({"at": time.time() if now is None else now}).encode()
    conn = getattr(huey.storage, "conn", None)
    if conn is not None and hasattr(conn, "set"):  # Redis: a key of its own that expires
        return bool(conn.set(f"{huey.name}.{key}", value, nx=True, ex=PERIOD_CLAIM_SECONDS))
    return bool(huey.storage.put_if_empty(key, value))


def forget_old_claims(huey: Huey, now: float | None = None) -> None:
    """Drop period claims older than an hour (Redis lets them expire by themselves)."""
    now = time.time() if now is None else now
    for key, raw in huey.storage.result_items().items():
        key = key.decode() if isinstance(key, bytes) else key
        if not key.startswith(PERIOD_CLAIM_PREFIX):
            continue
        try:
            stale = now - float(json.loads(bytes(raw).decode())["at"]) > PERIOD_CLAIM_SECONDS
        except (ValueError, TypeError, KeyError):
            stale = True
        if stale:
            huey.storage.delete_data(key)


class _HeartbeatScheduler(Scheduler):
    """Huey's scheduler, which also records the consumer's heartbeat every 15 s and enqueues a
    periodic task only when it claimed the task's minute (see ``claim_period``)."""

    def __init__(self, *args, consumer_id: str, workers: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.consumer_id, self.workers = consumer_id, workers
        self._next_beat = 0.0

    def enqueue_periodic_tasks(self, now):
        timestamp = now or self.huey._get_timestamp()
        minute = timestamp.replace(second=0, microsecond=0)
        label = f"{minute:%Y-%m-%dT%H:%M}"
        for task in self.huey.read_periodic(minute):
            try:
                if not claim_period(self.huey, task.name, minute):
                    self._logger.info(
                        "Periodic task %s for %s: claimed elsewhere.", task.name, label
                    )
                    continue
                self._logger.info("Periodic task %s for %s: enqueued.", task.name, label)
                self.huey.enqueue(task)
            except Exception:  # an exception would end the scheduler thread
                self._logger.exception("Error enqueueing periodic task %s.", task)
        if getattr(self.huey.storage, "conn", None) is None:
            with contextlib.suppress(Exception):
                forget_old_claims(self.huey)

    def initialize(self):
        with contextlib.suppress(Exception):
            forget_old_consumers(self.huey)
        self._beat()

    def loop(self, now=None):
        super().loop(now)
        if time.monotonic() >= self._next_beat:
            self._beat()

    def _beat(self):
        self._next_beat = time.monotonic() + HEARTBEAT_EVERY_SECONDS
        try:
            record_heartbeat(self.huey, self.consumer_id, self.workers, periodic=self.periodic)
        except Exception:  # an exception would end the scheduler thread
            self._logger.exception("Could not record the consumer's heartbeat.")


class LmsConsumer(Consumer):
    """A thread consumer that records its heartbeat (see ``queue_state``).

    ``workers`` threads run jobs (0: none, a scheduler only); with ``periodic`` its scheduler
    enqueues the periodic tasks. Every consumer's scheduler moves delayed jobs (retries) that
    are due to the queue, which Huey's storage does atomically.
    """

    def __init__(self, huey: Huey, workers: int, periodic: bool = True):
        self.consumer_id = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"
        super().__init__(huey, workers=workers, periodic=periodic, worker_type="thread")

    def _create_scheduler(self):
        return _HeartbeatScheduler(
            huey=self.huey,
            stop_flag=self.stop_flag,
            interval=self.scheduler_interval,
            periodic=self.periodic,
            consumer_id=self.consumer_id,
            workers=self.workers,
        )


def create_consumer(app: Flask, workers: int, periodic: bool = True) -> LmsConsumer:
    """The consumer ``run.py``, ``flask --app lms worker`` and ``scheduler`` run."""
    return LmsConsumer(get_huey(app), workers, periodic=periodic)


def stop_consumer(consumer: Consumer, wait_seconds: float = 10) -> None:
    """Stop a consumer without waiting out a long transcode: its job goes back to the queue.

    Huey's thread workers are daemon threads that die with the process, and their ffmpeg
    would live on: stop ffmpeg and give the workers a moment to hand their jobs back.
    """
    consumer.stop()  # the stop flag: idle workers and the scheduler end within a second
    consumer_stopping.send(consumer)  # media stops its ffmpeg runs
    deadline = time.monotonic() + wait_seconds
    for _worker, thread in consumer.worker_threads:
        thread.join(max(deadline - time.monotonic(), 0))
