"""Huey tasks for mail: a periodic delivery run over the outbox."""

from flask import Flask
from huey import crontab
from huey.api import Huey

from lms.core.timeutil import local_today
from lms.extensions import db
from lms.notify.reminders import send_weekly_reminders
from lms.notify.services import deliver_due


def register(huey: Huey, app: Flask) -> dict:
    """Register the mail tasks on ``huey``; each runs inside an app context of ``app``."""

    @huey.periodic_task(crontab(minute="*"), name="notify.deliver_due")
    def deliver_due_task():
        """Every minute: send the outbox's due mail (new messages and retries)."""
        with app.app_context():
            return deliver_due()

    # Fridays at 10:00 UTC (18:00 in Beijing): the note arrives before the weekend.
    @huey.periodic_task(crontab(day_of_week="5", hour="10", minute="0"), name="notify.weekly")
    def weekly_reminders_task():
        """Every Friday: remind cadres at risk and send supervisors their digest."""
        with app.app_context():
            counts = send_weekly_reminders(local_today())
            db.session.commit()  # a job: no request's unit of work around it
            return counts

    return {"deliver_due": deliver_due_task, "weekly_reminders": weekly_reminders_task}
