"""Issuing, checking and revoking API tokens."""

import hashlib
import secrets
from datetime import timedelta
from functools import cache

from flask import current_app
from sqlalchemy import bindparam, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import joinedload, lazyload

from lms.accounts.models import User
from lms.api.models import ApiToken
from lms.core.timeutil import utcnow
from lms.extensions import db

# Writing last_used_at on every call would turn each read into a write; once a minute is
# enough to show on the user's page when a token was last used.
LAST_USED_RESOLUTION = timedelta(minutes=1)


@cache
def _token_by_hash():
    """Every heartbeat is authenticated by token: the token, its user and unit in one
    statement (roles follow in one more); the cadre record, which the beats do not read,
    loads only if a page asks for it. Built once, like the beat's own statements (and on
    first use, when every model is mapped)."""
    return (
        select(ApiToken)
        .where(ApiToken.token_hash == bindparam("token_hash"))
        .options(joinedload(ApiToken.user).options(lazyload(User.cadre)))
    )


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def issue_token(user, name: str = "", created_from: str | None = None) -> tuple[str, ApiToken]:
    """Create a token for ``user``; the raw value is returned once and never stored."""
    raw = secrets.token_urlsafe(32)
    now = utcnow()
    token = ApiToken(
        user=user,
        token_hash=hash_token(raw),
        name=name[:100],
        created_at=now,
        expires_at=now + timedelta(days=current_app.config["API_TOKEN_DAYS"]),
        created_from=(created_from or "")[:64] or None,
    )
    db.session.add(token)
    db.session.flush()
    return raw, token


def authenticate_token(raw: str):
    """The active user a usable token belongs to, or None."""
    if not raw or len(raw) > 200:
        return None
    token = db.session.scalar(_token_by_hash(), {"token_hash": hash_token(raw)})
    now = utcnow()
    if token is None or not token.is_usable(now) or not token.user.is_active:
        return None
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        return _note_used(token, now)
    return token.user


def _note_used(token: ApiToken, now) -> User | None:
    """Stamp ``last_used_at`` and return the token's user.

    The request's unit of work commits the stamp with the rest of the request
    (docs/architecture.md). A refused request (4xx) keeps nothing, the stamp included:
    ``keep_on_refusal`` would keep the whole request's writes, not just the stamp, and the
    stamp only shows the owner, to the minute, when the token was last used; the next
    accepted request records it. On a busy SQLite database the stamp is skipped rather than
    failing the caller's request (the loader runs before the view: the rollback discards
    nothing else)."""
    token_id, user_id = token.id, token.user_id
    try:
        db.session.execute(update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=now))
    except OperationalError:
        db.session.rollback()
        return db.session.get(User, user_id)
    return token.user


def revoke_token(token: ApiToken) -> None:
    if token.revoked_at is None:
        token.revoked_at = utcnow()
    db.session.flush()


def revoke_tokens_of(user) -> None:
    revoke_tokens_of_users([user.id])


def revoke_tokens_of_users(user_ids: list[int]) -> None:
    """Revoke every live token of these users, in one statement."""
    db.session.execute(
        update(ApiToken)
        .where(ApiToken.user_id.in_(user_ids), ApiToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
