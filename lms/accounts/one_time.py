"""One-time passwords for many accounts at once, and the first password a user chooses.

A roster import creates cadres without a password; an administrator gives a selection of
users, or a unit's, one-time passwords in one step, as a printable sheet or a spreadsheet
(docs/domain.md, accounts). Each password is shown once: nothing keeps it but its hash.
"""

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import delete, func, select

from lms.accounts.models import LoginSession, User
from lms.accounts.services import AccountError, check_password_rules, generate_temporary_password
from lms.accounts.sessions import end_sessions_of
from lms.api.services import revoke_tokens_of_users
from lms.extensions import db
from lms.org.models import Unit

MAX_BATCH = 2000  # accounts in one sheet: a district's cadres; a province does it by unit


@dataclass(frozen=True)
class Selection:
    """Whose passwords to issue: chosen users, or a unit's subtree; optionally only those
    who have never logged in (the imported who never got a password)."""

    user_ids: tuple[int, ...] = ()
    unit: Unit | None = None
    never_logged_in: bool = False

    @property
    def is_empty(self) -> bool:
        return not self.user_ids and self.unit is None


def selected_users_query(actor, selection: Selection):
    """A select of the active accounts in ``selection``, by unit then name; never the actor's
    own (their own password is changed on their account page)."""
    query = (
        select(User)
        .outerjoin(Unit, User.unit_id == Unit.id)
        .where(User.is_active_account.is_(True), User.id != actor.id)
        .order_by(Unit.name_path, func.lower(User.display_name), User.id)
    )
    if selection.user_ids:
        query = query.where(User.id.in_(selection.user_ids))
    if selection.unit is not None:
        query = query.where(Unit.subtree_clause(selection.unit))
    if selection.never_logged_in:
        query = query.where(User.last_login_at.is_(None))
    return query


def count_selected(actor, selection: Selection) -> int:
    if selection.is_empty:
        return 0
    subquery = selected_users_query(actor, selection).order_by(None).subquery()
    return db.session.scalar(select(func.count()).select_from(subquery))


@dataclass(frozen=True)
class Issued:
    user: User
    password: str


def issue_one_time_passwords(actor, selection: Selection) -> list[Issued]:
    """Give every account of ``selection`` a new one-time password: their old password,
    logins and API tokens stop working, and the next login asks for a new password."""
    if selection.is_empty:
        raise AccountError(_("Choose users or a unit first."))
    users = db.session.scalars(
        selected_users_query(actor, selection).limit(MAX_BATCH + 1).with_for_update(of=User)
    ).all()
    if not users:
        raise AccountError(_("No active account matches this choice."))
    if len(users) > MAX_BATCH:
        raise AccountError(
            _("At most %(count)d accounts at a time: choose a smaller unit.", count=MAX_BATCH)
        )
    issued = []
    for user in users:
        password = generate_temporary_password()
        user.set_one_time_password(password)
        issued.append(Issued(user, password))
    ids = [user.id for user in users]
    db.session.execute(delete(LoginSession).where(LoginSession.user_id.in_(ids)))
    revoke_tokens_of_users(ids)
    db.session.flush()
    return issued


def choose_first_password(user: User, new: str) -> None:
    """The password a user sets after logging in with a one-time one: the login has just
    proved the one-time password, so it is not asked again; it may not be reused. Every
    login ends, as with any password change (the caller starts this device's anew)."""
    if not user.must_change_password:
        raise AccountError(_("Give your current password to change it."))
    check_password_rules(new)
    if user.check_password(new):
        raise AccountError(_("The new password must differ from the current one."))
    user.set_password(new)
    user.must_change_password = False
    end_sessions_of(user)
    db.session.flush()
