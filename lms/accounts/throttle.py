"""Login throttling shared by the login form and the API's token endpoint."""

from flask import current_app, request
from flask_limiter.util import get_remote_address

from lms.extensions import limiter


def _attempted_username() -> str:
    if request.is_json:
        body = request.get_json(silent=True)
        name = body.get("username") if isinstance(body, dict) else None
    else:
        name = request.form.get("username")
    return str(name or "").strip().lower()[:64]


def _account_key() -> str:
    return f"account:{_attempted_username()}"


def _failed(response) -> bool:
    # Only failed attempts count: a cadre who logs in and out all weekend is never locked.
    return response.status_code not in (200, 201, 302) or bool(
        getattr(response, "lms_login_failed", False)
    )


per_account = limiter.shared_limit(
    lambda: current_app.config["LOGIN_LIMIT_ACCOUNT"],
    scope="login-account",
    key_func=_account_key,
    methods=["POST"],
    deduct_when=_failed,
)
per_address = limiter.shared_limit(
    lambda: current_app.config["LOGIN_LIMIT_ADDRESS"],
    scope="login-address",
    key_func=get_remote_address,
    methods=["POST"],
    deduct_when=_failed,
)


def mark_failed(response):
    """Flag a rendered response as a failed login, so it counts against the limits."""
    response.lms_login_failed = True
    return response
