"""Account rules: authenticating, creating users, passwords and safe redirects."""

import secrets
import string
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select

from lms.accounts.models import Role, User
from lms.core.timeutil import utcnow
from lms.extensions import db


class AccountError(ValueError):
    """A rule about accounts was broken; the message is shown to the user."""


def find_user(username: str) -> User | None:
    username = (username or "").strip()
    if not username:
        return None
    return db.session.scalar(select(User).where(func.lower(User.username) == username.lower()))


def authenticate(username: str, password: str) -> User | None:
    """The active user with these credentials, or None; records the login time."""
    user = find_user(username)
    if user is None or not user.is_active or not user.check_password(password or ""):
        return None
    user.last_login_at = utcnow()
    db.session.flush()
    return user


def check_password_rules(password: str) -> None:
    minimum = current_app.config["MIN_PASSWORD_LENGTH"]
    if len(password or "") < minimum:
        raise AccountError(
            _("The password must have at least %(count)d characters.", count=minimum)
        )


def create_user(
    username: str,
    display_name: str,
    roles,
    password: str | None = None,
    unit=None,
    email: str | None = None,
    phone: str | None = None,
    preferred_language: str | None = None,
) -> User:
    """Create an account; the username must be free. Without a password the user cannot log in."""
    username = (username or "").strip()
    if not username:
        raise AccountError(_("A username is required."))
    if find_user(username):
        raise AccountError(_("The username %(name)s is already taken.", name=username))
    user = User(
        username=username,
        display_name=(display_name or username).strip(),
        email=email or None,
        phone=phone or None,
        preferred_language=preferred_language or None,
        unit=unit,
    )
    user.set_roles(roles or [Role.CADRE])
    if password:
        check_password_rules(password)
        user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user


def generate_temporary_password(length: int = 12) -> str:
    # No look-alike characters: the password is read aloud or copied from a screen.
    alphabet = "".join(c for c in string.ascii_letters + string.digits if c not in "0O1lI")
    return "".join(secrets.choice(alphabet) for _ in range(length))


def reset_password(user: User) -> str:
    """Give the user a one-time password that must be changed at the next login."""
    password = generate_temporary_password()
    user.set_password(password)
    user.must_change_password = True
    revoke_all_tokens(user)
    db.session.flush()
    return password


def change_password(user: User, current: str, new: str) -> None:
    if not user.check_password(current):
        raise AccountError(_("The current password is not correct."))
    check_password_rules(new)
    if current == new:
        raise AccountError(_("The new password must differ from the current one."))
    user.set_password(new)
    user.must_change_password = False
    db.session.flush()


def revoke_all_tokens(user: User) -> None:
    from lms.api.services import revoke_tokens_of

    revoke_tokens_of(user)


def is_safe_next(target: str | None) -> bool:
    """Only a path on this site: no scheme, no host, no protocol-relative or backslash trick."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return False
    if "\\" in target or any(ord(ch) < 32 for ch in target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc
