"""``/m/...``: files behind a signed media link, when no nginx answers them (development,
waitress alone). nginx's deploy/nginx/lms-media.conf makes the same check and serves the same
files, so in production these requests never reach the app."""

from flask import Blueprint, abort, current_app

from lms.media.delivery import media_response
from lms.media.links import FILE_RE, link_secret, verify

bp = Blueprint("media_links", __name__)

# What nginx sets for these files (deploy/nginx/lms-media.conf): the URL is the capability,
# so any cache may keep them; renditions do not change once written.
PUBLIC_CACHING = "public, max-age=86400"


@bp.route("/m/<token>/<expires>/<user_id>/<path:path>")
def signed_file(token: str, expires: str, user_id: str, path: str):
    """A playlist or segment of a signed directory: 403 for a wrong token, 410 past its time."""
    directory, _sep, name = path.rpartition("/")
    if not FILE_RE.match(name):
        abort(404)
    check = verify(token, expires, directory, user_id, link_secret())
    if check.result != "ok":
        return current_app.response_class(
            status=check.status, headers={"Cache-Control": "no-store"}
        )
    response = media_response(directory, name)
    if response is None:
        abort(404)
    response.headers["Cache-Control"] = PUBLIC_CACHING
    response.headers.pop("Expires", None)  # send_file's "now" would contradict max-age
    return response
