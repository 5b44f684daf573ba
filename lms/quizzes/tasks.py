"""Huey tasks for quizzes: the periodic close of attempts left open past their deadline."""

from flask import Flask
from huey import crontab
from huey.api import Huey

from lms.core.timeutil import utcnow
from lms.extensions import db
from lms.quizzes.attempts import close_expired, expired_open_attempt_ids


def close_expired_attempts(now=None) -> int:
    """Job: grade every open attempt past its deadline with its saved answers (safe to rerun)."""
    now = now or utcnow()
    closed = 0
    for attempt_id in expired_open_attempt_ids(now):
        closed += close_expired(attempt_id, now)
        # A job, not a request: each attempt is kept once graded, so its taker's lock is
        # held briefly and a failure later leaves the attempts before it closed.
        db.session.commit()
    return closed


def register(huey: Huey, app: Flask) -> dict:
    """Register the quiz tasks on ``huey``; each runs its job inside an app context of ``app``."""

    @huey.periodic_task(crontab(minute="*"), name="quizzes.close_expired")
    def close_expired_task():
        """Every minute: grade abandoned timed attempts with what they saved."""
        with app.app_context():
            return close_expired_attempts()

    return {"close_expired": close_expired_task}
