"""Huey tasks for the tracking: the day's sums of the forecast's recent weeks."""

from flask import Flask, current_app
from huey import crontab
from huey.api import Huey

from lms.core import statsyear
from lms.core.timeutil import local_today
from lms.extensions import db
from lms.tracking import recent


def build_recent_weeks() -> int | None:
    """Job: sum the current statistics year's recent weeks before today per cadre, unless
    today's sums are built and still equal the ledger (``lms.tracking.recent``); returns the
    cadres summed, or None when there was nothing to do."""
    today = local_today()
    window = statsyear.window(statsyear.current_year(today))
    built = recent.build_for_today(
        db.session.connection(), window, today, current_app.config["FORECAST_WEEKS"]
    )
    db.session.commit()  # a job: its work is complete here
    return built


def register(huey: Huey, app: Flask) -> dict:
    """Register the tracking tasks on ``huey``; each runs inside an app context of ``app``."""

    # Hourly, so a new local day (in any time zone) is summed within the hour, and sums that
    # a write to an earlier day cleared are rebuilt within the hour.
    @huey.periodic_task(crontab(minute="5"), name="tracking.recent_weeks")
    def recent_weeks_task():
        """Every hour: the day's sums of the forecast's recent weeks, when missing."""
        with app.app_context():
            return build_recent_weeks()

    return {"recent_weeks": recent_weeks_task}
