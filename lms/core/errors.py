"""Error pages for browsers, ``{"error": {"code", "message"}}`` bodies for the API, and the one
base class of the refusals services raise."""

from urllib.parse import urlsplit

from flask import flash, jsonify, redirect, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from lms.extensions import db


class LmsError(ValueError):
    """A refusal a user can read and act on: a rule says no, with the reason as the message.

    Services raise it (or a feature's subclass of it); a view may catch it to show the message
    beside a form field, and whatever no view catches is answered by one handler: a JSON error
    for the API, a flash and a return to the form for a posted form, an error page otherwise.
    The request's writes are rolled back either way (``lms.core.unit_of_work``).
    """

    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, status: int | None = None, code: str | None = None):
        super().__init__(message)
        self.message = str(message)
        if status is not None:
            self.status = status
        if code is not None:
            self.code = code


def wants_json() -> bool:
    return request.path.startswith("/api/")


def error_messages() -> dict[int, str]:
    return {
        400: _("The request could not be understood."),
        401: _("Please log in."),
        403: _("You do not have permission to see this page."),
        404: _("The page or record was not found."),
        405: _("This action is not allowed here."),
        409: _("The request conflicts with the current state."),
        413: _("The file is too large."),
        429: _("Too many attempts. Please wait a moment and try again."),
        500: _("Something went wrong on our side. Please try again later."),
    }


def api_error(status: int, code: str, message: str):
    """A JSON error response for the API."""
    response = jsonify({"error": {"code": code, "message": message}})
    response.status_code = status
    return response


def _status_code_name(status: int) -> str:
    return {
        400: "bad_request",
        401: "unauthorized",
        403: "forbidden",
        404: "not_found",
        405: "method_not_allowed",
        409: "conflict",
        413: "too_large",
        429: "too_many_requests",
        500: "server_error",
    }.get(status, "error")


def render_error(status: int, message: str | None = None):
    message = message or error_messages().get(status) or _("Error")
    if wants_json():
        return api_error(status, _status_code_name(status), message)
    return render_template("errors/error.html", status=status, message=message), status


def register_error_handlers(app) -> None:
    @app.errorhandler(CSRFError)
    def _csrf(_error):
        return render_error(
            400, _("The form has expired or was sent from another site. Please try again.")
        )

    @app.errorhandler(LmsError)
    def _refused(error: LmsError):
        db.session.rollback()
        if wants_json():
            return api_error(error.status, error.code, error.message)
        back = request.referrer
        if request.method == "POST" and back and urlsplit(back).netloc == request.host:
            flash(error.message, "error")
            return redirect(back, 303)
        return render_error(error.status, error.message)

    @app.errorhandler(HTTPException)
    def _http(error):
        db.session.rollback()
        status = error.code or 500
        if status == 429:
            return render_error(429)
        # Keep messages a view passed to abort(); otherwise use the translated default.
        message = error.description if getattr(error, "lms_message", False) else None
        response = render_error(status, message)
        if status == 405 and hasattr(error, "valid_methods") and error.valid_methods:
            response = app.make_response(response)
            response.headers["Allow"] = ", ".join(error.valid_methods)
        return response

    @app.errorhandler(Exception)
    def _unexpected(error):
        db.session.rollback()
        app.logger.exception("Unhandled error: %s", error)
        return render_error(500)
