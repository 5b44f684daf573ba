"""Account rules: authenticating, creating users, passwords and safe redirects."""

import secrets
import string
import unicodedata
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select

from lms.accounts.models import Role, User, UserRole
from lms.accounts.sessions import end_sessions_of
from lms.api.services import revoke_tokens_of
from lms.core.errors import LmsError
from lms.core.timeutil import utcnow
from lms.extensions import db
from lms.org.models import Cadre, CadreCategory, Unit


class AccountError(LmsError):
    """A rule about accounts was broken; the message is shown to the user."""


def find_user(username: str) -> User | None:
    # NFKC: a username typed with a Chinese input method's full-width letters is the same.
    username = unicodedata.normalize("NFKC", username or "").strip()
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
    user.set_one_time_password(password)
    revoke_all_tokens(user)
    end_sessions_of(user)
    db.session.flush()
    return password


def change_password(user: User, current: str, new: str) -> None:
    """Set a new password; every login of the account ends, API tokens included (the caller may
    start a new one): a password is changed because it may be known to someone else."""
    if not user.check_password(current):
        raise AccountError(_("The current password is not correct."))
    check_password_rules(new)
    if current == new:
        raise AccountError(_("The new password must differ from the current one."))
    user.set_password(new)
    user.must_change_password = False
    revoke_all_tokens(user)
    end_sessions_of(user)
    db.session.flush()


def revoke_all_tokens(user: User) -> None:
    revoke_tokens_of(user)


def is_safe_next(target: str | None) -> bool:
    """Only a path on this site: no scheme, no host, no protocol-relative or backslash trick."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return False
    if "\\" in target or any(ord(ch) < 32 for ch in target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


# --- the admin's user management -----------------------------------------------------------

# A supervisor's scope is their unit, and a cadre belongs to exactly one unit (docs/domain.md).
ROLES_NEEDING_UNIT = frozenset({Role.SUPERVISOR, Role.CADRE})


class UserFieldErrors(AccountError):
    """Broken rules about a user's fields, by form field name; nothing was changed."""

    def __init__(self, errors: dict[str, str]):
        super().__init__(" ".join(errors.values()))
        self.errors = errors


@dataclass
class UserDetails:
    """What an admin sets on an account: the profile, roles, unit and the cadre record."""

    username: str
    display_name: str
    roles: set[Role]
    unit: "Unit | None" = None
    email: str | None = None
    phone: str | None = None
    preferred_language: str | None = None
    personnel_number: str | None = None
    category: "CadreCategory | None" = None
    rank: str | None = None
    position: str | None = None

    def __post_init__(self):
        self.roles = {Role(role) for role in self.roles or ()}
        for name in (
            "username",
            "display_name",
            "email",
            "phone",
            "preferred_language",
            "personnel_number",
            "rank",
            "position",
        ):
            setattr(self, name, (getattr(self, name) or "").strip() or None)
        self.username = self.username or ""
        self.display_name = self.display_name or self.username


def check_user_details(details: UserDetails, user: User | None = None, acting_user=None) -> None:
    """Raise UserFieldErrors when ``details`` break a rule (``user``: the account being edited)."""
    errors = {}
    if not details.username:
        errors["username"] = _("A username is required.")
    else:
        other = find_user(details.username)
        if other is not None and other is not user:
            errors["username"] = _(
                "The username %(name)s is already taken (upper and lower case count as the same).",
                name=other.username,
            )
    if not details.roles:
        errors["roles"] = _("Choose at least one role.")
    elif details.roles & ROLES_NEEDING_UNIT and details.unit is None:
        errors["unit_id"] = _("Supervisors and cadres must belong to a unit.")
    if user is not None and user.has_role(Role.ADMIN) and Role.ADMIN not in details.roles:
        refusal = _admin_removal_refusal(user, acting_user, deactivating=False)
        if refusal:
            errors["roles"] = refusal
    number_error = _personnel_number_error(details, user)
    if number_error:
        errors["personnel_number"] = number_error
    if errors:
        raise UserFieldErrors(errors)


def _personnel_number_error(details: UserDetails, user: User | None) -> str | None:
    record = user.cadre if user is not None else None
    if not details.personnel_number:
        if Role.CADRE in details.roles or record is not None:
            return _("A cadre needs a personnel number.")
        return None
    query = select(Cadre.id).where(Cadre.key_matches(details.personnel_number))
    if record is not None:
        query = query.where(Cadre.id != record.id)
    if db.session.scalar(query.limit(1)):
        return _(
            "The personnel number %(number)s belongs to another cadre.",
            number=details.personnel_number,
        )
    return None


def _other_active_admins(user: User) -> int:
    # FOR UPDATE (SQLite has none, but its writers are serialized anyway) makes two admins
    # demoting each other at the same moment on PostgreSQL take turns, so one is refused.
    ids = db.session.scalars(
        select(User.id)
        .join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == Role.ADMIN.value, User.is_active_account.is_(True))
        .with_for_update(of=User)
    ).all()
    return len(set(ids) - {user.id})


def _admin_removal_refusal(user: User, acting_user, deactivating: bool) -> str | None:
    """Why ``user`` may not stop being an active administrator, or None."""
    if acting_user is not None and acting_user.id == user.id:
        if deactivating:
            return _("You cannot deactivate your own account.")
        return _("You cannot remove your own administrator role.")
    # Someone must always be able to log in and manage users.
    if user.is_active_account and _other_active_admins(user) == 0:
        return _(
            "%(name)s is the last active administrator; make another user an administrator first.",
            name=user.username,
        )
    return None


def create_account(details: UserDetails, password: str | None = None) -> tuple[User, str | None]:
    """Create a user (and cadre record); returns it and the one-time password, if one was made."""
    check_user_details(details)
    if password:
        try:
            check_password_rules(password)
        except AccountError as exc:
            raise UserFieldErrors({"password": str(exc)}) from exc
    one_time = None if password else generate_temporary_password()
    user = create_user(
        details.username,
        details.display_name,
        details.roles,
        password=password or one_time,
        unit=details.unit,
        email=details.email,
        phone=details.phone,
        preferred_language=details.preferred_language,
    )
    # The admin has seen a generated password, so it only lets the user in to replace it.
    user.must_change_password = one_time is not None
    if Role.CADRE in details.roles:
        save_cadre_record(user, details)
    db.session.flush()
    return user, one_time


def update_user(user: User, details: UserDetails, acting_user=None) -> None:
    """Change a user's profile, roles, unit and cadre record (never the password)."""
    check_user_details(details, user=user, acting_user=acting_user)
    user.username = details.username
    user.display_name = details.display_name
    user.email = details.email
    user.phone = details.phone
    user.preferred_language = details.preferred_language
    user.unit = details.unit
    user.set_roles(details.roles)
    # A former cadre keeps the record: their learning archive refers to it.
    if Role.CADRE in details.roles or user.cadre is not None:
        save_cadre_record(user, details)
    db.session.flush()


def save_cadre_record(user: User, details: UserDetails) -> None:
    """Create or update the user's cadre record from ``details``."""
    cadre = user.cadre
    if cadre is None:
        cadre = Cadre(user=user)
        db.session.add(cadre)
    cadre.personnel_number = details.personnel_number
    cadre.category = details.category
    cadre.rank = details.rank
    cadre.position = details.position
    db.session.flush()


def deactivate_user(user: User, acting_user=None) -> None:
    """Stop a user logging in: their sessions end and their tokens are revoked."""
    if not user.is_active_account:
        return
    if acting_user is not None and acting_user.id == user.id:
        raise AccountError(_("You cannot deactivate your own account."))
    if user.has_role(Role.ADMIN):
        refusal = _admin_removal_refusal(user, acting_user, deactivating=True)
        if refusal:
            raise AccountError(refusal)
    user.is_active_account = False
    revoke_all_tokens(user)
    # Ended, not suspended: reactivation does not bring the old cookies back.
    end_sessions_of(user)
    db.session.flush()


def reactivate_user(user: User) -> None:
    """Let a deactivated user log in again (tokens revoked on deactivation stay revoked)."""
    user.is_active_account = True
    db.session.flush()
