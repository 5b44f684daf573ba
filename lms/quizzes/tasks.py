"""Huey tasks for quizzes: the periodic close of attempts left open past their deadline."""

from flask import Flask
from huey import crontab
from huey.api import Huey


def register(huey: Huey, app: Flask) -> dict:
    """Register the quiz tasks on ``huey``; each runs its job inside an app context of ``app``."""
    from lms.quizzes.services import close_expired_attempts

    @huey.periodic_task(crontab(minute="*"), name="quizzes.close_expired")
    def close_expired_task():
        """Every minute: grade abandoned timed attempts with what they saved."""
        with app.app_context():
            return close_expired_attempts()

    return {"close_expired": close_expired_task}
