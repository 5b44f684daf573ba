"""Huey tasks for the annual plan: keep required enrolments in step with the cadre records."""

from dataclasses import asdict

from flask import Flask, current_app
from huey import crontab
from huey.api import Huey

from lms.core import statsyear
from lms.core.queue import get_huey
from lms.extensions import db


def register(huey: Huey, app: Flask) -> dict:
    """Register the plan tasks on ``huey``; each runs inside an app context of ``app``."""

    @huey.task(name="plans.sync_year")
    def sync_year_task(year: int | None = None):
        """Sync a year's assignments (the current statistics year by default)."""
        with app.app_context():
            return sync_year(year)

    # 18:30 UTC is 02:30 in Beijing: after the day's edits, before anyone studies.
    @huey.periodic_task(crontab(hour="18", minute="30"), name="plans.sync_daily")
    def sync_daily_task():
        """Every night: sync the current year, catching cadre changes made any other way."""
        with app.app_context():
            return sync_year()

    return {"sync_year": sync_year_task, "sync_daily": sync_daily_task}


def sync_year(year: int | None = None) -> dict:
    """Run ``sync_assignments`` for ``year`` (default: the current statistics year); commits.

    Safe to run twice or concurrently: the sync is set-based and skips rows another has just
    inserted, so two imports confirmed together need no lock.
    """
    from lms.plans.services import sync_assignments

    year = year or statsyear.current_year()
    result = sync_assignments(year)
    db.session.commit()
    return {"year": year, **asdict(result)}


def enqueue_sync() -> None:
    """Queue a sync of the current year; call it after the cadre changes are committed.

    Syncing the whole year is cheap (about 0.1-0.2 s for 10,000 cadres and eight assigned
    courses: ``benchmarks/plan_sync.py``), so the task does not need to know which cadres
    changed. It runs on the queue so that a large import's request stays fast. If the queue
    cannot be reached, the change is already saved and the nightly sync picks it up.
    """
    year = statsyear.current_year()
    if get_huey().immediate:
        # Tests run the job inline in its own app context and session: end the caller's
        # read transaction first (on SQLite it would hold the lock the job's writes need).
        db.session.commit()
    try:
        current_app.extensions["plan_tasks"]["sync_year"](year)
    except Exception:  # the saved change must not be reported as failed
        current_app.logger.exception(
            "Could not queue the plan sync for %s; the nightly sync will make it", year
        )
