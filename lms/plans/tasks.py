"""Huey tasks for the annual plan: keep required enrolments in step with the cadre records.

Other features do not call these jobs: they announce ``cadre_changed`` or ``units_changed``
(``lms.core.events``) and the receiver below syncs the year (docs/architecture.md).
"""

from dataclasses import asdict

from flask import Flask, current_app, has_request_context
from huey import crontab
from huey.api import Huey

from lms.core import statsyear
from lms.core.events import after_commit, cadre_changed, units_changed
from lms.extensions import db
from lms.plans.assignments import sync_assignments
from lms.tracking.totals import retotal


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

    @huey.task(name="plans.retotal_years")
    def retotal_task(years: list[int]):
        """Re-total the years a cut-off change moved dates between, once every process has
        read the new cut-off (``statsyear.CUTOFF_CACHE_SECONDS``): a beat another process
        booked in the meantime by the old cut-off is put right."""
        with app.app_context():
            written = retotal(db.session.connection(), years)
            db.session.commit()  # a job: its work is complete here
            return {"years": list(years), "totals": written}

    # Blinker keeps one connection per receiver, so a second app registering is harmless.
    cadre_changed.connect(sync_after_change)
    units_changed.connect(sync_after_change)
    return {
        "sync_year": sync_year_task,
        "sync_daily": sync_daily_task,
        "retotal_years": retotal_task,
    }


def sync_after_change(_sender, **_facts) -> dict | None:
    """A cadre or the units changed: assignment audiences are rules over cadres' units,
    categories, ranks and groups, so the year's required courses follow.

    In a request, the sync is queued once the request's transaction commits (a large
    import's request does not wait for it; a refused or rolled-back request queues nothing).
    Outside a request (the roster command, which may run where no consumer does) the sync
    runs at once in the caller's transaction, which commits it with the change, and its
    counts are returned for the command to print.
    """
    if has_request_context():
        after_commit(db.session, enqueue_sync)
        return None
    year = statsyear.current_year()
    return {"year": year, **asdict(sync_assignments(year))}


def sync_year(year: int | None = None) -> dict:
    """Run ``sync_assignments`` for ``year`` (default: the current statistics year); commits.

    Safe to run twice or concurrently: the sync is set-based and skips rows another has just
    inserted, so two imports confirmed together need no lock.
    """
    year = year or statsyear.current_year()
    result = sync_assignments(year)
    db.session.commit()  # a job: its work is complete here
    return {"year": year, **asdict(result)}


def enqueue_sync() -> None:
    """Queue a sync of the current year; runs after the cadre changes are committed.

    The job finds the current year itself: this runs inside the commit, where no query may
    be made (the year's cutoff is the plan's). Syncing the whole year is cheap (about
    0.1-0.2 s for 10,000 cadres and eight assigned courses: ``benchmarks/plan_sync.py``),
    so the task does not need to know which cadres changed. It runs on the queue so that a
    large import's request stays fast. If the queue cannot be reached, the change is already
    saved and the nightly sync picks it up.
    """
    try:
        current_app.extensions["plan_tasks"]["sync_year"]()
    except Exception:  # the saved change must not be reported as failed
        current_app.logger.exception("Could not queue the plan sync; the nightly sync will make it")


def enqueue_retotal(years) -> None:
    """Queue a re-total of ``years`` for when every process has read the new cut-off (the
    request re-totalled them already; this catches beats booked elsewhere by the old one).
    If the queue cannot be reached, ``flask --app lms totals check --fix`` does the same."""
    try:
        task = current_app.extensions["plan_tasks"]["retotal_years"]
        task.schedule(args=(sorted(years),), delay=statsyear.CUTOFF_CACHE_SECONDS + 5)
    except Exception:  # the saved change must not be reported as failed
        current_app.logger.exception("Could not queue the re-total; run 'totals check --fix'")
