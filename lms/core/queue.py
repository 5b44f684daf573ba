"""The Huey job queue: SQLite in the instance folder by default, Redis with ``LMS_REDIS_URL``."""

import contextlib
import json
import os
import secrets
import socket
import time
from dataclasses import dataclass
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
        huey = RedisHuey(HUEY_NAME, url=app.config["REDIS_URL"], results=False)
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


def record_heartbeat(huey: Huey, consumer_id: str, workers: int, now: float | None = None) -> None:
    """Note that the consumer ``consumer_id`` is alive (wall-clock time: several machines)."""
    value = {"at": time.time() if now is None else now, "workers": workers}
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
    """Whether a consumer is alive: the newest heartbeat's age, live consumers, waiting jobs."""

    is_alive: bool
    inline: bool = False
    heartbeat_age_seconds: float | None = None
    consumers: int = 0
    pending_jobs: int | None = None
    error: str | None = None

    def as_dict(self) -> dict:
        return {
            "status": "ok" if self.is_alive else "down",
            "mode": "inline" if self.inline else "queue",
            "heartbeat_age_seconds": (
                None if self.heartbeat_age_seconds is None else round(self.heartbeat_age_seconds)
            ),
            "consumers": self.consumers,
            "pending_jobs": self.pending_jobs,
            **({"error": self.error} if self.error else {}),
        }


def queue_state(app: Flask | None = None, now: float | None = None) -> QueueState:
    """Read the consumers' heartbeats: alive when one beat within CONSUMER_SILENT_SECONDS."""
    huey = get_huey(app)
    if huey.immediate:  # tests: jobs run inline in the request, nothing needs to consume
        return QueueState(is_alive=True, inline=True)
    now = time.time() if now is None else now
    try:
        ages = [max(now - float(beat["at"]), 0.0) for beat in _heartbeats(huey).values()]
        pending = huey.pending_count()
    except Exception as exc:  # an unreachable queue is a finding, not a crash
        return QueueState(is_alive=False, error=type(exc).__name__)
    newest = min(ages) if ages else None
    return QueueState(
        is_alive=newest is not None and newest <= CONSUMER_SILENT_SECONDS,
        heartbeat_age_seconds=newest,
        consumers=sum(1 for age in ages if age <= CONSUMER_SILENT_SECONDS),
        pending_jobs=pending,
    )


class _HeartbeatScheduler(Scheduler):
    """Huey's scheduler, which also records the consumer's heartbeat every 15 s."""

    def __init__(self, *args, consumer_id: str, workers: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.consumer_id, self.workers = consumer_id, workers
        self._next_beat = 0.0

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
            record_heartbeat(self.huey, self.consumer_id, self.workers)
        except Exception:  # an exception would end the scheduler thread
            self._logger.exception("Could not record the consumer's heartbeat.")


class LmsConsumer(Consumer):
    """A thread consumer that records its heartbeat (see ``queue_state``)."""

    def __init__(self, huey: Huey, workers: int):
        self.consumer_id = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"
        super().__init__(huey, workers=workers, worker_type="thread")

    def _create_scheduler(self):
        return _HeartbeatScheduler(
            huey=self.huey,
            stop_flag=self.stop_flag,
            interval=self.scheduler_interval,
            periodic=self.periodic,
            consumer_id=self.consumer_id,
            workers=self.workers,
        )


def create_consumer(app: Flask, workers: int) -> LmsConsumer:
    """The consumer ``run.py`` and ``flask --app lms worker`` run."""
    return LmsConsumer(get_huey(app), workers)


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
