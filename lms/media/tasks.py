"""Huey tasks for the media pipeline: thin wrappers that run the plain job functions."""

import shutil

from flask import Flask, current_app
from huey import crontab
from huey.api import Huey

from lms.core.events import consumer_stopping
from lms.core.queue import get_huey
from lms.extensions import db


@consumer_stopping.connect
def _stop_ffmpeg(_consumer) -> None:
    """A stopping consumer's transcodes end now; their jobs go back to the queue."""
    from lms.media.ffmpeg_runs import interrupt_running_jobs

    interrupt_running_jobs()


def register(huey: Huey, app: Flask) -> dict:
    """Register the media tasks on ``huey``; each runs its job inside an app context of ``app``."""
    from lms.media.processing_job import process_asset
    from lms.media.sweep import sweep_stale

    for tool in ("ffmpeg", "ffprobe"):
        if shutil.which(tool) is None:
            app.logger.warning(
                "%s was not found on PATH: uploaded lectures cannot be checked or processed "
                "until it is installed (for example: apt install ffmpeg).",
                tool,
            )

    @huey.task(name="media.process_asset")
    def process_asset_task(asset_id: int):
        """Process one uploaded asset (the job records its own state on the row)."""
        with app.app_context():
            return process_asset(asset_id)

    @huey.periodic_task(crontab(minute="*"), name="media.sweep_stale")
    def sweep_stale_task():
        """Every minute: re-queue media jobs whose worker died."""
        with app.app_context():
            return sweep_stale()

    return {"process_asset": process_asset_task, "sweep_stale": sweep_stale_task}


def enqueue_processing(asset_id: int) -> None:
    """Queue the processing job for an asset; call it after the asset's row is committed."""
    if get_huey().immediate:
        # Tests run the job inline in its own app context and session: end the caller's
        # read transaction first (on SQLite it would hold the write lock the job needs).
        db.session.commit()
    current_app.extensions["media_tasks"]["process_asset"](asset_id)
