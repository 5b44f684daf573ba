"""``flask --app lms media ...`` and ``flask --app lms worker``: operate the media pipeline."""

import logging
import re
import shutil
import subprocess

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import select

from lms.core.queue import create_consumer, stop_consumer
from lms.courses.models import Caption, Lesson
from lms.extensions import db
from lms.media.assets import reprocess_asset
from lms.media.links import link_secret
from lms.media.models import AssetStatus, MediaAsset
from lms.media.processing_job import process_asset
from lms.media.storage import LocalStorage, StorageError, get_storage, media_store_health

media_cli = AppGroup("media", help="Check and operate the media pipeline.")

REQUIRED_ENCODERS = ("libx264", "aac")


@media_cli.command("reprocess")
@click.argument("lesson_id", type=int)
def reprocess_command(lesson_id):
    """Process a lesson's current (or latest) upload again, here and now, showing progress."""
    lesson = db.session.get(Lesson, lesson_id)
    if lesson is None:
        raise click.ClickException(f"No lesson with id {lesson_id}.")
    asset = lesson.current_asset or db.session.scalar(
        select(MediaAsset).where(MediaAsset.lesson_id == lesson.id).order_by(MediaAsset.id.desc())
    )
    if asset is None:
        raise click.ClickException(f"Lesson {lesson_id} has no uploaded media.")
    asset = reprocess_asset(asset)
    db.session.commit()  # a CLI command: the new asset row is kept before the job reads it
    asset_id = asset.id
    click.echo(f"Processing asset {asset_id} of lesson {lesson_id} ...")
    status = process_asset(asset_id, report=lambda pct: click.echo(f"  {pct:5.1f} %"))
    db.session.expire_all()
    asset = db.session.get(MediaAsset, asset_id)
    if status != AssetStatus.READY.value:
        raise click.ClickException(f"Asset {asset_id} {asset.status}: {asset.error or 'busy'}")
    click.echo(f"Asset {asset_id} is ready ({asset.duration_seconds:.1f} s).")


@media_cli.command("push-local")
def push_local_command():
    """Move renditions and captions kept under MEDIA_ROOT into the bucket (LMS_MEDIA_STORAGE=s3):
    for switching an installation from local storage. Safe to run again; sources stay."""
    storage = get_storage()
    if storage.kind != "s3":
        raise click.ClickException("Set LMS_MEDIA_STORAGE=s3 (and the LMS_S3_* settings) first.")
    local = LocalStorage(current_app.config["MEDIA_ROOT"])
    folders = files = 0
    try:
        for output_dir in db.session.scalars(
            select(MediaAsset.output_dir).where(MediaAsset.output_dir.is_not(None))
        ):
            folder = local.path(output_dir)
            if folder is not None and folder.is_dir():
                storage.publish_dir(folder, output_dir)
                folders += 1
        for key in db.session.scalars(select(Caption.path)):
            path = local.path(key)
            if path is not None and path.is_file():
                storage.publish_file(path, key)
                files += 1
    except StorageError as exc:
        raise click.ClickException(f"The bucket refused: {exc} (run the command again).") from exc
    click.echo(f"Pushed {folders} rendition folders and {files} caption tracks to the bucket.")


def _version(tool: str) -> str:
    out = subprocess.run([tool, "-hide_banner", "-version"], capture_output=True, text=True)
    return out.stdout.splitlines()[0] if out.stdout else "unknown version"


@media_cli.command("check")
def check_command():
    """Check ffmpeg and ffprobe with the H.264 and AAC encoders, and the media store (with
    LMS_MEDIA_STORAGE=s3: the bucket answers, and an object can be written, read, removed)."""
    problems = []
    for tool in ("ffmpeg", "ffprobe"):
        path = shutil.which(tool)
        if path is None:
            problems.append(f"{tool} was not found on PATH (install it: apt install ffmpeg).")
            continue
        click.echo(f"{tool}: {path} — {_version(tool)}")
    if shutil.which("ffmpeg"):
        out = subprocess.run(
            ["ffmpeg", "-hide_banner", "-encoders"], capture_output=True, text=True
        ).stdout
        for encoder in REQUIRED_ENCODERS:
            if re.search(rf"^\s*\S+\s+{re.escape(encoder)}\s", out, re.MULTILINE):
                click.echo(f"encoder {encoder}: available")
            else:
                problems.append(f"ffmpeg lacks the {encoder} encoder (a full ffmpeg build has it).")
    store = media_store_health(write=True)
    if store is None:
        click.echo(f"media store: local folder {current_app.config['MEDIA_ROOT']}")
    elif store["status"] == "ok":
        click.echo(f"media store: bucket {store['bucket']} is reachable and writable")
    else:
        problems.append(f"media store ({store['kind']}) does not work: {store.get('error')}")
    if problems:
        for problem in problems:
            click.echo(problem, err=True)
        raise SystemExit(1)
    click.echo("Media tools are ready.")


@click.command("worker")
@click.option("--workers", default=2, show_default=True, help="Jobs run at the same time.")
@click.option(
    "--no-periodic",
    is_flag=True,
    help="Run jobs only: leave enqueueing the periodic tasks to `flask --app lms scheduler`.",
)
@with_appcontext
def worker_command(workers, no_periodic):
    """Run a job queue consumer (for the Redis queue, on any number of machines)."""
    _run_consumer(workers, periodic=not no_periodic)


@click.command("scheduler")
@with_appcontext
def scheduler_command():
    """Enqueue the periodic tasks (mail, sweeps, nightly sync) and run no job: the one process
    of a deployment that does so (see deploy/systemd/lms-scheduler.service)."""
    _run_consumer(0, periodic=True)


def _run_consumer(workers: int, periodic: bool) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    consumer = create_consumer(current_app._get_current_object(), workers, periodic=periodic)
    try:
        consumer.run()  # until Ctrl+C (waits for running jobs) or SIGTERM (at once)
    finally:
        stop_consumer(consumer)


@media_cli.command("link-secret")
def link_secret_command():
    """Print the secret nginx checks signed media links with (deploy/nginx/lms-media.conf)."""
    click.echo(link_secret())
