"""Huey tasks for the media pipeline: thin wrappers that run the plain job functions."""

import shutil

from flask import Flask
from huey import crontab
from huey.api import Huey

from lms.core.events import consumer_stopping, upload_finished
from lms.media.ffmpeg_runs import interrupt_running_jobs
from lms.media.processing_job import process_asset, queue_processing
from lms.media.sweep import sweep_stale


@consumer_stopping.connect
def _stop_ffmpeg(_consumer) -> None:
    """A stopping consumer's transcodes end now; their jobs go back to the queue."""
    interrupt_running_jobs()


@upload_finished.connect
def _process_upload(_sender, asset_id: int, **_extra) -> None:
    """An upload's asset row exists: process it once the transaction that made it commits."""
    queue_processing(asset_id)


def register(huey: Huey, app: Flask) -> dict:
    """Register the media tasks on ``huey``; each runs its job inside an app context of ``app``."""
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
