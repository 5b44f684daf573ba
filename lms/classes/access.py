"""Who may run a class, decide on a cadre's place, nominate into a unit's seats, and the
supervisors told about a cadre's place."""

from sqlalchemy import select

from lms.accounts.models import Role, User, UserRole
from lms.extensions import db
from lms.org.tree import tree_path_ids
from lms.org.visibility import can_see_person, can_see_unit


def is_staff(user) -> bool:
    return user.has_role(Role.ADMIN, Role.SUPERVISOR)


def can_manage_class(user, training_class) -> bool:
    """Administrators, and supervisors whose subtree holds the organizing unit."""
    return is_staff(user) and can_see_unit(user, training_class.organizer_unit)


def is_class_manager(user, training_class) -> bool:
    """The class manager (班主任) sees the class and its members like its organizers."""
    return training_class.manager_id is not None and training_class.manager_id == user.id


def can_see_members(user, training_class) -> bool:
    return can_manage_class(user, training_class) or is_class_manager(user, training_class)


def can_decide(user, member) -> bool:
    """A supervisor of the cadre's unit (or an administrator) approves or refuses a sign-up,
    never their own."""
    return is_staff(user) and member.user_id != user.id and can_see_person(user, member.user)


def can_nominate(user, unit) -> bool:
    """Supervisors of a unit with a seat quota (and administrators) nominate into it."""
    return is_staff(user) and can_see_unit(user, unit)


def unit_supervisors(unit) -> list[User]:
    """The active supervisors of the nearest unit at or above ``unit`` that has any."""
    if unit is None:
        return []
    for unit_id in reversed(tree_path_ids(unit.tree_path)):
        found = list(
            db.session.scalars(
                select(User)
                .join(UserRole, UserRole.user_id == User.id)
                .where(
                    User.unit_id == unit_id,
                    User.is_active_account.is_(True),
                    UserRole.role == Role.SUPERVISOR.value,
                )
                .order_by(User.id)
            )
        )
        if found:
            return found
    return []
