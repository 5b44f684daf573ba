"""Signed, expiring media links: segments served by nginx alone, the app asked for the master.

A link is ``/m/<token>/<expires>/<user_id>/<directory>/<file>``: the token signs the expiry,
the file's directory (relative to MEDIA_ROOT, e.g. ``media/12/360p``) and the user, with a
secret of its own derived from SECRET_KEY. Any file of that directory is reachable with the
token until ``expires`` (Unix seconds), so a variant playlist's relative segment names inherit
its signed prefix. The format is nginx's ``secure_link_md5`` (deploy/nginx/lms-media.conf):

    token = base64url(md5("<expires>:<directory>:<user_id> <secret>")), without padding

MD5 because that is all nginx checks; the secret inside the hashed string makes it a keyed
hash (forging needs the secret; a prefix MAC's length extension does not apply here because
the secret is last). The user id is bound so that a shared link names who shared it, and
so that changing it breaks the signature.
"""

import base64
import hashlib
import hmac
import re
import time
from dataclasses import dataclass

from flask import current_app

# The files a signed link may reach: HLS playlists and segments, nothing else.
LINKED_TYPES = ("m3u8", "ts", "m4s")
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{22}$")
DIRECTORY_RE = re.compile(r"^[A-Za-z0-9._-]+(?:/[A-Za-z0-9._-]+)*$")
FILE_RE = re.compile(r"^[A-Za-z0-9._-]+\.(?:" + "|".join(LINKED_TYPES) + r")$")
URL_PREFIX = "/m"


def derive_secret(secret_key: str) -> str:
    """The link secret for a SECRET_KEY: HMAC-SHA256(secret_key, "media-links"), hex.

    A separate secret, so nginx's configuration never holds the session signing key.
    """
    return hmac.new(secret_key.encode(), b"media-links", hashlib.sha256).hexdigest()


def link_secret() -> str:
    """``LMS_MEDIA_LINK_SECRET`` if set, else the one derived from SECRET_KEY."""
    configured = current_app.config.get("MEDIA_LINK_SECRET")
    return configured or derive_secret(current_app.config["SECRET_KEY"])


def sign(expires: int, directory: str, user_id: int, secret: str) -> str:
    """nginx's secure_link_md5 of ``"<expires>:<directory>:<user_id> <secret>"``."""
    digest = hashlib.md5(f"{expires}:{directory}:{user_id} {secret}".encode()).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


@dataclass(frozen=True)
class Check:
    """What a link's check found: ``ok``, or why not (``bad``: 403, ``expired``: 410)."""

    result: str

    @property
    def status(self) -> int:
        return {"ok": 200, "bad": 403, "expired": 410}[self.result]


def verify(token: str, expires: int | str, directory: str, user_id: int | str, secret: str,
           now: float | None = None) -> Check:  # fmt: skip
    """As nginx's secure_link: a wrong token is ``bad``; a right one past its time ``expired``."""
    if not TOKEN_RE.match(token or "") or not DIRECTORY_RE.match(directory or ""):
        return Check("bad")
    if any(part in {".", ".."} for part in directory.split("/")):
        return Check("bad")
    if not str(expires).isdigit() or not str(user_id).isdigit():
        return Check("bad")
    expected = sign(int(expires), directory, int(user_id), secret)
    if not hmac.compare_digest(expected, token):
        return Check("bad")
    if int(expires) < (time.time() if now is None else now):
        return Check("expired")
    return Check("ok")


def expiry(now: float | None = None) -> int:
    """When links made now expire: LMS_MEDIA_LINK_SECONDS ahead, rounded up to the minute
    for lifetimes of ten minutes or more, so a player reloading the master within that
    minute gets the same URLs (its cache, and an edge cache keyed on the URL, still hit)."""
    seconds = int(current_app.config["MEDIA_LINK_SECONDS"])
    at = int(time.time() if now is None else now) + seconds
    if seconds >= 600:
        at += -at % 60
    return at


def signed_prefix(directory: str, user_id: int, expires: int) -> str:
    """``/m/<token>/<expires>/<user_id>/<directory>/``: append a file name of the directory."""
    token = sign(expires, directory, user_id, link_secret())
    return f"{URL_PREFIX}/{token}/{expires}/{user_id}/{directory}/"


_URI_ATTRIBUTE = re.compile(r'URI="([^"]+)"')


def sign_master_playlist(text: str, output_dir: str, user_id: int, now: float | None = None) -> str:
    """The master playlist with every relative URI (variant playlists, ``URI="…"`` of
    alternative renditions and I-frame playlists) replaced by a signed link for this user."""
    expires = expiry(now)
    prefixes: dict[str, str] = {}

    def signed(uri: str) -> str:
        if "://" in uri or uri.startswith("/") or ".." in uri.split("/"):
            return uri  # absolute or escaping: left alone (the pipeline never writes these)
        directory, _sep, name = f"{output_dir}/{uri}".rpartition("/")
        if directory not in prefixes:
            prefixes[directory] = signed_prefix(directory, user_id, expires)
        return prefixes[directory] + name

    lines = []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            line = signed(stripped)
        elif stripped.startswith("#") and "URI=" in stripped:
            line = _URI_ATTRIBUTE.sub(lambda m: f'URI="{signed(m.group(1))}"', line)
        lines.append(line)
    return "\n".join(lines) + "\n"
