"""One transaction per request: committed once after a view succeeds, rolled back otherwise.

Views and services never commit (docs/architecture.md). The application class below commits
the session when the view returns a response under 400; a refusal the view returns (a form
with errors: 400) or raises (``abort``, ``LmsError``, any exception) rolls everything back,
so a request either keeps all it did or nothing. Jobs, the mail outbox and CLI commands are
not requests and commit their own work where it is complete.

A view that must keep what it wrote although it answers with an error (a refused login still
counts as an attempt) calls ``keep_on_refusal()`` first. A view that would rather show its
form again than an error page when the commit itself fails says how with ``on_commit_failure``.
"""

from collections.abc import Callable

from flask import Flask, current_app, g
from sqlalchemy.exc import SQLAlchemyError

from lms.extensions import db


def keep_on_refusal() -> None:
    """Commit this request's writes even if the response is a 4xx (not if it raises)."""
    g.lms_keep_on_refusal = True


def on_commit_failure(respond: Callable[[], object]) -> None:
    """If the commit after this view fails, roll back and answer with ``respond()`` (say, the
    form again with a message) instead of the error page."""
    g.lms_on_commit_failure = respond


def finish(status: int):
    """End the request's transaction: commit below 400 (or when asked), else roll back.

    Returns the response to send instead when the commit failed and the view said how.
    """
    if status < 400 or g.get("lms_keep_on_refusal"):
        try:
            db.session.commit()
        except SQLAlchemyError:
            respond = g.pop("lms_on_commit_failure", None)
            if respond is None:
                raise
            db.session.rollback()
            current_app.logger.exception("the request's commit failed")
            return respond()
    else:
        db.session.rollback()
    return None


class App(Flask):
    """Flask, with the request's unit of work around the view."""

    def dispatch_request(self):
        response = self.make_response(super().dispatch_request())
        instead = finish(response.status_code)
        return response if instead is None else self.make_response(instead)
