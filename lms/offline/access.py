"""Who may see, record, review and delete offline training and exemptions, and the rows about
cadres in a supervisor's scope."""

from flask_babel import gettext as _
from sqlalchemy import Select

from lms.accounts.models import Role, User
from lms.offline.models import ReviewStatus
from lms.org.models import Unit
from lms.org.visibility import can_see_person, unit_scope_clause


def is_staff(user) -> bool:
    return user.has_role(Role.ADMIN, Role.SUPERVISOR)


def can_view(user, item) -> bool:
    """Staff see what concerns cadres in their scope; a cadre sees their own (read only)."""
    if item.user_id == user.id:
        return True
    return is_staff(user) and can_see_person(user, item.user)


def can_manage(user, item) -> bool:
    """Recording, editing, reviewing: staff, for cadres in their scope, never about themselves."""
    return is_staff(user) and item.user_id != user.id and can_see_person(user, item.user)


def review_refusal(user, item) -> str | None:
    """Why ``user`` may not approve or reject ``item`` now (None: they may)."""
    if item.status != ReviewStatus.PENDING.value:
        return _("Only a record waiting for approval can be approved or rejected.")
    # Four eyes: whoever recorded it or changed it last cannot also be the one who approves it.
    if user.id in (item.recorded_by_id, item.updated_by_id):
        return _("You recorded or last changed this, so another supervisor must review it.")
    return None


def can_delete(user, item) -> bool:
    """Approved records count toward quotas, so only administrators delete those."""
    return can_manage(user, item) and (not item.is_approved or user.is_admin)


def in_scope(query: Select, cadre_id, user, unit: Unit | None = None, *, outer=False) -> Select:
    """``query`` narrowed to rows whose cadre (the column ``cadre_id``) is in ``user``'s scope,
    and below ``unit`` when given. ``outer``: outer joins, so that administrators also see rows
    about cadres since deleted or without a unit."""
    join = Select.outerjoin if outer else Select.join
    query = join(join(query, User, cadre_id == User.id), Unit, User.unit_id == Unit.id)
    query = query.where(unit_scope_clause(user))
    if unit is not None:
        query = query.where(Unit.subtree_clause(unit))
    return query
