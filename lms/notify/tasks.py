"""Huey tasks for mail: a periodic delivery run over the outbox."""

from flask import Flask
from huey import crontab
from huey.api import Huey


def register(huey: Huey, app: Flask) -> dict:
    """Register the mail tasks on ``huey``; each runs inside an app context of ``app``."""
    from lms.notify.services import deliver_due

    @huey.periodic_task(crontab(minute="*"), name="notify.deliver_due")
    def deliver_due_task():
        """Every minute: send the outbox's due mail (new messages and retries)."""
        with app.app_context():
            return deliver_due()

    return {"deliver_due": deliver_due_task}
