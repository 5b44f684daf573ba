"""Login sessions: one row per logged-in device, so each can be listed and ended.

The session cookie and the remember-me cookie hold a random key naming the row (see
``User.get_session_id``); a request whose row is gone or expired is anonymous. Logout ends
the device's own row; a password change, a reset and deactivation end every row of the
account, so a copied cookie stops working at its next request (README, *Sessions*).
"""

import hashlib
import re
import secrets
from datetime import timedelta

from flask import current_app
from flask_login import config as login_config
from sqlalchemy import delete, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import joinedload

from lms.accounts.models import LoginSession, User
from lms.core.timeutil import utcnow
from lms.extensions import db

# Writing last_seen_at on every request would turn each page view into a write; once a
# minute is enough to tell the user which device was used when (as for API tokens).
LAST_SEEN_RESOLUTION = timedelta(minutes=1)


def _hash(key: str) -> str:
    # The key is 256 random bits: a plain SHA-256 is enough, and a leaked table logs no one in.
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def start_session(
    user: User, remember: bool, user_agent: str = "", address: str | None = None
) -> LoginSession:
    """Open a login for ``user`` on this device; ``login_user`` then puts its key in the cookies."""
    now = utcnow()
    db.session.execute(
        delete(LoginSession).where(LoginSession.user_id == user.id, LoginSession.expires_at <= now)
    )
    # A remembered login lasts as long as its cookie; another one as long as Flask's session.
    config = current_app.config
    if remember:
        lifetime = config.get("REMEMBER_COOKIE_DURATION") or login_config.COOKIE_DURATION
    else:
        lifetime = config["PERMANENT_SESSION_LIFETIME"]
    if not isinstance(lifetime, timedelta):
        lifetime = timedelta(seconds=int(lifetime))
    key = secrets.token_urlsafe(32)
    row = LoginSession(
        user_id=user.id,
        key_hash=_hash(key),
        created_at=now,
        last_seen_at=now,
        expires_at=now + lifetime,
        is_remembered=bool(remember),
        user_agent=(user_agent or "")[:255],
        address=(address or "")[:64] or None,
    )
    db.session.add(row)
    db.session.flush()
    user.login_session_key, user.login_session = key, row
    return row


def user_for_session(key: str) -> User | None:
    """The active user whose unexpired login ``key`` names, or None; notes when it was seen."""
    if not key or len(key) > 200:
        return None
    row = db.session.scalar(
        select(LoginSession)
        .where(LoginSession.key_hash == _hash(key))
        .options(joinedload(LoginSession.user))
    )
    now = utcnow()
    if row is None or row.expires_at <= now or not row.user.is_active:
        return None
    if now - row.last_seen_at > LAST_SEEN_RESOLUTION and not _note_seen(row, now):
        return None  # ended while we wrote
    user = row.user
    user.login_session = row
    return user


def _note_seen(row: LoginSession, now) -> bool:
    """Stamp ``last_seen_at``; False when the row was ended meanwhile.

    The request's unit of work commits the stamp with the rest of the request
    (docs/architecture.md); a refused request (4xx) keeps nothing, the stamp included: it
    is a one-minute approximation, and the next accepted request records it. On a busy
    SQLite database the stamp is skipped rather than failing the request (the loader runs
    before the view, so the rollback discards nothing else)."""
    row_id = row.id
    try:
        result = db.session.execute(
            update(LoginSession).where(LoginSession.id == row_id).values(last_seen_at=now)
        )
    except OperationalError:
        db.session.rollback()
        return db.session.get(LoginSession, row_id) is not None
    return result.rowcount > 0


def sessions_of(user: User) -> list[LoginSession]:
    """The user's current logins, the most recently seen first."""
    return list(
        db.session.scalars(
            select(LoginSession)
            .where(LoginSession.user_id == user.id, LoginSession.expires_at > utcnow())
            .order_by(LoginSession.last_seen_at.desc(), LoginSession.id.desc())
        )
    )


def end_session(row: LoginSession) -> None:
    """Log one device out: its session and remember-me cookies stop working."""
    db.session.execute(delete(LoginSession).where(LoginSession.id == row.id))


def end_sessions_of(user: User, keep: LoginSession | None = None) -> None:
    """Log every device of ``user`` out, except the login ``keep``."""
    query = delete(LoginSession).where(LoginSession.user_id == user.id)
    if keep is not None:
        query = query.where(LoginSession.id != keep.id)
    db.session.execute(query)


_BROWSERS = (
    ("MicroMessenger", "WeChat"),
    ("Edg", "Edge"),
    ("OPR", "Opera"),
    ("Firefox", "Firefox"),
    ("Chrome", "Chrome"),
    ("Chromium", "Chromium"),
    ("Safari", "Safari"),
)
_SYSTEMS = (
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Android", "Android"),
    ("Windows", "Windows"),
    ("Mac OS X", "macOS"),
    ("Macintosh", "macOS"),
    ("CrOS", "ChromeOS"),
    ("Linux", "Linux"),
)


def describe_device(user_agent: str) -> tuple[str | None, str | None]:
    """The browser and system a User-Agent names, as far as it plainly says (else None)."""
    text = user_agent or ""
    browser = next((name for token, name in _BROWSERS if re.search(rf"\b{token}/", text)), None)
    system = next((name for token, name in _SYSTEMS if token in text), None)
    return browser, system
