"""User accounts and their roles."""

import enum
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, Index, String, UniqueConstraint, func, true
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from lms.core.timeutil import utcnow
from lms.extensions import db


class Role(enum.StrEnum):
    ADMIN = "admin"
    SUPERVISOR = "supervisor"
    INSTRUCTOR = "instructor"
    CADRE = "cadre"


class User(UserMixin, db.Model):
    __tablename__ = "user"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    email: Mapped[str | None] = mapped_column(String(255))
    phone: Mapped[str | None] = mapped_column(String(32))
    preferred_language: Mapped[str | None] = mapped_column(String(10))
    # Weekly reminders by e-mail; in-app notifications are always kept.
    wants_email_reminders: Mapped[bool] = mapped_column(default=True, server_default=true())
    is_active_account: Mapped[bool] = mapped_column("is_active", default=True)
    must_change_password: Mapped[bool] = mapped_column(default=False)
    # A supervisor's scope, and a cadre's own unit (a cadre belongs to exactly one unit).
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column()

    unit = relationship("Unit", lazy="joined")
    role_rows = relationship(
        "UserRole", cascade="all, delete-orphan", lazy="selectin", back_populates="user"
    )
    cadre = relationship("Cadre", uselist=False, back_populates="user", lazy="selectin")

    # Set per request, never stored: the key of a login being started (see get_session_id)
    # and the LoginSession the request's cookie named.
    login_session_key = None
    login_session = None

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.is_active_account

    @property
    def roles(self) -> set[Role]:
        return {Role(row.role) for row in self.role_rows}

    @property
    def is_admin(self) -> bool:
        """An administrator sees and manages everything (the one admin check)."""
        return self.has_role(Role.ADMIN)

    def has_role(self, *roles: Role | str) -> bool:
        mine = {r.value for r in self.roles}
        return any(str(role) in mine for role in roles)

    def set_roles(self, roles) -> None:
        wanted = {Role(r) for r in roles}
        self.role_rows = [row for row in self.role_rows if Role(row.role) in wanted]
        have = {Role(row.role) for row in self.role_rows}
        for role in sorted(wanted - have):
            self.role_rows.append(UserRole(role=role.value))

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password, method="scrypt")

    def set_one_time_password(self, password: str) -> None:
        """A generated password to be replaced at the next login (docs/domain.md: accounts of
        imported cadres).

        It is random (12 characters of 57: about 70 bits), so a slow hash, which guards
        passwords people choose against guessing, adds nothing: a salted PBKDF2 of 1,000
        rounds keeps issuing a unit's hundreds of passwords to a second, not minutes.
        """
        self.password_hash = generate_password_hash(password, method="pbkdf2:sha256:1000")
        self.must_change_password = True

    def check_password(self, password: str) -> bool:
        return bool(self.password_hash) and check_password_hash(self.password_hash, password)

    def get_session_id(self) -> str:
        """What the session and remember-me cookies hold: the login's key, not the user's id.

        Flask-Login stores this (``login_manager.id_attribute``), so ending the login's
        ``LoginSession`` row ends both cookies, and copies of them, at their next request.
        """
        return self.login_session_key

    def __repr__(self) -> str:
        return f"<User {self.username}>"


# Logins are case-insensitive: this keeps the lookup fast and "Admin" from joining "admin".
Index("ix_user_username_lower", func.lower(User.username), unique=True)


class UserRole(db.Model):
    __tablename__ = "user_role"
    __table_args__ = (UniqueConstraint("user_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(20), index=True)

    user = relationship("User", back_populates="role_rows")


class LoginSession(db.Model):
    """One login on one device, named by a random key in its session and remember-me cookies.

    Only the key's SHA-256 is stored. Deleting the row logs that device out; logout, a
    password change or reset and deactivation delete the rows of the account.
    """

    __tablename__ = "login_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()
    is_remembered: Mapped[bool] = mapped_column(default=False)
    user_agent: Mapped[str] = mapped_column(String(255), default="")
    address: Mapped[str | None] = mapped_column(String(64))

    user = relationship("User")
