"""One transaction per request: committed once after a view succeeds, rolled back otherwise.

Views and services never commit (docs/architecture.md). The application class below commits
the session when the view returns a response under 400; a refusal the view returns (a form
with errors: 400) or raises (``abort``, ``LmsError``, any exception) rolls everything back,
so a request either keeps all it did or nothing. Jobs, the mail outbox and CLI commands are
not requests and commit their own work where it is complete.

A view that must keep what it wrote although it answers with an error (a refused login still
counts as an attempt) calls ``keep_on_refusal()`` first.
"""

from flask import Flask, g

from lms.extensions import db


def keep_on_refusal() -> None:
    """Commit this request's writes even if the response is a 4xx (not if it raises)."""
    g.lms_keep_on_refusal = True


def finish(status: int) -> None:
    """End the request's transaction: commit below 400 (or when asked), else roll back."""
    if status < 400 or g.get("lms_keep_on_refusal"):
        db.session.commit()
    else:
        db.session.rollback()


class App(Flask):
    """Flask, with the request's unit of work around the view."""

    def dispatch_request(self):
        response = self.make_response(super().dispatch_request())
        finish(response.status_code)
        return response
