"""Flask-Login wiring: session users, bearer-token users and what unauthenticated callers get."""

from flask import redirect, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from lms.accounts.sessions import user_for_session
from lms.api.services import authenticate_token
from lms.core.errors import api_error
from lms.extensions import login_manager


def init_login(app) -> None:
    # "basic" marks a session non-fresh when its address or browser changes; "strong" would
    # log a cadre out every time a phone moves between Wi-Fi and mobile data.
    login_manager.session_protection = "basic"
    login_manager.login_view = "accounts.login"
    login_manager.login_message = _l("Please log in to see this page.")
    login_manager.login_message_category = "info"
    # The cookies name the login (a LoginSession row), not the user, so a login can be ended.
    login_manager.id_attribute = "get_session_id"

    @login_manager.user_loader
    def _load_user(session_key: str):
        if _has_bearer(request):
            # A request that brings a token is judged by the token alone, never the cookie.
            return None
        return user_for_session(session_key)

    @login_manager.request_loader
    def _load_from_token(req):
        if not _has_bearer(req):
            return None
        return authenticate_token(req.headers["Authorization"][7:].strip())

    @login_manager.unauthorized_handler
    def _unauthorized():
        if request.path.startswith("/api/"):
            return api_error(401, "unauthorized", str(_l("A valid API token is required.")))
        return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))

    @app.before_request
    def _force_password_change():
        # The endpoint first: a signed media link must not even read the session (a response
        # that varies by cookie could not be shared by caches).
        if (
            request.endpoint not in PASSWORD_CHANGE_EXEMPT
            and not request.path.startswith("/api/")
            and current_user.is_authenticated
            and current_user.must_change_password
        ):
            return redirect(url_for("accounts.change_password"))
        return None


PASSWORD_CHANGE_EXEMPT = {
    "accounts.change_password",
    "accounts.logout",
    "static",
    "home.set_language",
    "media_links.signed_file",
}


def _has_bearer(req) -> bool:
    return req.path.startswith("/api/") and req.headers.get("Authorization", "").lower().startswith(
        "bearer "
    )
