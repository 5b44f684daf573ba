"""The Huey job queue: SQLite in the instance folder by default, Redis with ``LMS_REDIS_URL``."""

import shutil
from pathlib import Path

from flask import Flask, current_app
from huey import RedisHuey, SqliteHuey
from huey.api import Huey

HUEY_NAME = "lms"


def init_app(app: Flask) -> None:
    """Create the app's Huey, register the media jobs on it, and report a missing ffmpeg."""
    from lms.media import tasks
    from lms.notify import tasks as notify_tasks

    # Jobs record their outcome on their own rows: Huey need not keep results.
    if app.config.get("REDIS_URL"):
        huey = RedisHuey(HUEY_NAME, url=app.config["REDIS_URL"], results=False)
    else:
        path = Path(app.instance_path) / "huey.sqlite3"
        huey = SqliteHuey(HUEY_NAME, filename=str(path), results=False)
    huey.immediate = bool(app.config.get("HUEY_IMMEDIATE"))
    app.extensions["huey"] = huey
    app.extensions["media_tasks"] = tasks.register(huey, app)
    app.extensions["notify_tasks"] = notify_tasks.register(huey, app)
    for tool in ("ffmpeg", "ffprobe"):
        if shutil.which(tool) is None:
            app.logger.warning(
                "%s was not found on PATH: uploaded lectures cannot be checked or processed "
                "until it is installed (for example: apt install ffmpeg).",
                tool,
            )


def get_huey(app: Flask | None = None) -> Huey:
    """The app's Huey; ``HUEY_IMMEDIATE`` (tests) is read at call time, so tests may flip it."""
    app = app or current_app._get_current_object()
    huey = app.extensions["huey"]
    immediate = bool(app.config.get("HUEY_IMMEDIATE"))
    if huey.immediate != immediate:
        huey.immediate = immediate
    return huey
