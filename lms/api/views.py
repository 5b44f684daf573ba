"""JSON API v1: token issue, the caller's identity; every error is a JSON body."""

from flask import Blueprint, current_app, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from lms.accounts import services as accounts
from lms.accounts import throttle
from lms.api.services import issue_token
from lms.core.access import protect_cookie_writes
from lms.core.errors import api_error
from lms.core.openapi import ERROR, NULLABLE_STRING, array, build_spec, documented, obj

bp = Blueprint("api", __name__, url_prefix="/api/v1")


# The token endpoint takes credentials, not a session: nothing to forge there.
bp.before_request(protect_cookie_writes(exempt_endpoints={"api.create_token"}))


def json_body() -> dict:
    """The request's JSON object, or a 400 with a clear message."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ApiBadRequest(_("The request body must be a JSON object."))
    return body


class ApiBadRequest(Exception):
    def __init__(self, message: str, status: int = 400, code: str = "bad_request"):
        super().__init__(message)
        self.message, self.status, self.code = message, status, code


@bp.errorhandler(ApiBadRequest)
def _bad_request(error: ApiBadRequest):
    return api_error(error.status, error.code, error.message)


TOKEN = obj(["token", "expires_at"], token={"type": "string"}, expires_at={"type": "string"})
CREDENTIALS = obj(
    ["username", "password"],
    username={"type": "string"},
    password={"type": "string"},
    name={"type": "string"},
)
ME = obj(
    ["id", "username", "display_name", "roles", "unit", "cadre"],
    id={"type": "integer"},
    username={"type": "string"},
    display_name={"type": "string"},
    email=NULLABLE_STRING,
    preferred_language=NULLABLE_STRING,
    roles=array({"type": "string"}),
    unit={
        "oneOf": [
            {"type": "null"},
            obj(
                ["id", "name", "path"],
                id={"type": "integer"},
                name={"type": "string"},
                path={"type": "string"},
            ),
        ]
    },
    cadre={
        "oneOf": [
            {"type": "null"},
            obj(
                ["personnel_number", "category"],
                personnel_number={"type": "string"},
                category=NULLABLE_STRING,
            ),
        ]
    },
)


@bp.route("/openapi.json")
@documented(responses={200: {"type": "object"}}, auth=False)
def openapi():
    """This API described as OpenAPI 3.1 (generated from the routes and their declarations)."""
    return jsonify(build_spec(current_app))


@bp.route("/auth/token", methods=["POST"])
@documented(responses={201: TOKEN, 401: ERROR, 429: ERROR}, body=CREDENTIALS, auth=False)
def create_token():
    """Exchange a username and password for a bearer token."""
    body = json_body()
    username, password = body.get("username"), body.get("password")
    if not isinstance(username, str) or not isinstance(password, str) or not username:
        raise ApiBadRequest(_("Send a username and a password as strings."))
    try:
        attempt = throttle.claim_attempt(username)
    except throttle.Throttled as exc:
        response = api_error(429, "too_many_requests", exc.message)
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    user = accounts.authenticate(username, password)
    if user is None:
        return api_error(401, "invalid_credentials", _("The username or password is not correct."))
    attempt.succeeded()
    raw, token = issue_token(
        user, name=str(body.get("name") or "API"), created_from=request.remote_addr
    )
    return (
        jsonify({"token": raw, "expires_at": token.expires_at.isoformat() + "Z"}),
        201,
    )


@bp.route("/me")
@documented(responses={200: ME})
@login_required
def me():
    """The caller: user, roles and unit."""
    user = current_user
    unit = user.unit
    cadre = user.cadre
    return jsonify(
        {
            "id": user.id,
            "username": user.username,
            "display_name": user.display_name,
            "email": user.email,
            "preferred_language": user.preferred_language,
            "roles": sorted(r.value for r in user.roles),
            "unit": {"id": unit.id, "name": unit.name, "path": unit.name_path} if unit else None,
            "cadre": (
                {
                    "personnel_number": cadre.personnel_number,
                    "category": cadre.category.code if cadre.category else None,
                }
                if cadre
                else None
            ),
        }
    )
