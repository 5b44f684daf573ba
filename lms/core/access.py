"""Role checks for views: ``role_required`` and the 403 it raises."""

from functools import wraps

from flask import abort, request
from flask_login import current_user, login_required

from lms.extensions import csrf


def role_required(*roles):
    """Let the view run only for a logged-in user holding one of ``roles``; others get 403."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def protect_cookie_writes(exempt_endpoints=frozenset()):
    """A before_request hook for JSON blueprints that are exempt from form CSRF.

    Bearer tokens cannot be sent by another site, so they need no CSRF token; a browser
    calling with the session cookie must send the page's token in the X-CSRFToken header.
    """

    def hook():
        if (
            request.method not in {"GET", "HEAD", "OPTIONS"}
            and not sends_bearer_token()
            and request.endpoint not in exempt_endpoints
        ):
            csrf.protect()

    return hook


def sends_bearer_token() -> bool:
    """Whether the request authenticates with ``Authorization: Bearer``.

    Only a bearer token replaces the CSRF token: any other scheme (``Basic x``) leaves the
    request authenticated by its cookie, which another site's page can make a browser send.
    """
    scheme, _, credentials = request.headers.get("Authorization", "").partition(" ")
    return scheme.lower() == "bearer" and bool(credentials.strip())
