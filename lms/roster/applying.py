"""Applying a planned roster import: all rows or none, creating the units it needs first."""

from dataclasses import dataclass, field

from flask_babel import gettext as _

from lms.accounts.models import Role, User
from lms.extensions import db
from lms.org.models import Cadre, Unit
from lms.org.tree import ensure_unit_path
from lms.roster.columns import BOOL_FIELDS, DATE_FIELDS, USER_FIELDS, RosterError
from lms.roster.planning import CHANGED, NEW, REJECTED, UNCHANGED, RowPlan


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    units_created: list[str] = field(default_factory=list)
    #: The users of the created and changed cadres (announced as ``cadre_changed``).
    user_ids: list[int] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        """The counts the page and the command report (``units``: units created)."""
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "units": len(self.units_created),
        }


def apply_import(plans: list[RowPlan]) -> ImportResult:
    """Write every planned row (all or nothing: any rejected row raises RosterError); flushes."""
    if any(plan.status == REJECTED for plan in plans):
        raise RosterError(_("Some rows are rejected, so nothing was imported."))
    result = ImportResult()
    units = {}
    for plan in plans:
        if plan.status != UNCHANGED and "unit" in plan.values and plan.unit_path not in units:
            unit, created = ensure_unit_path(plan.unit_path)
            units[plan.unit_path] = unit
            result.units_created.extend(u.name_path for u in created)
    written = []
    for plan in plans:
        if plan.status == NEW:
            written.append(_create_cadre(plan, units[plan.unit_path]))
            result.created += 1
        elif plan.status == CHANGED:
            written.append(_update_cadre(plan, units.get(plan.unit_path)))
            result.updated += 1
        else:
            result.unchanged += 1
    db.session.flush()
    result.user_ids = [user.id for user in written]
    return result


def _create_cadre(plan: RowPlan, unit: Unit) -> User:
    # Built here rather than with accounts.create_user, which looks the username up and
    # flushes once per user: the plan has already checked every username in a few
    # queries, and a 20,000-row roster should not take 40,000 round trips. No password:
    # the account cannot log in until an administrator resets it.
    values = plan.values
    user = User(
        username=plan.personnel_number,
        display_name=plan.name,
        email=values.get("email"),
        phone=values.get("phone"),
        unit=unit,
    )
    user.set_roles([Role.CADRE])
    cadre = Cadre(user=user, personnel_number=plan.personnel_number)
    _set_cadre_fields(cadre, values)
    db.session.add_all([user, cadre])
    return user


def _update_cadre(plan: RowPlan, unit: Unit | None) -> User:
    cadre, user = plan.cadre, plan.cadre.user
    for key, value in plan.values.items():
        if key == "name":
            user.display_name = value
        elif key == "unit":
            user.unit = unit
        elif key in USER_FIELDS:
            setattr(user, key, value)
    _set_cadre_fields(cadre, plan.values)
    return user


def _set_cadre_fields(cadre: Cadre, values: dict) -> None:
    for key, value in values.items():
        if key == "category":
            cadre.category = value
        elif key in BOOL_FIELDS:
            setattr(cadre, key, bool(value))
        elif key in DATE_FIELDS or key in ("rank", "position"):
            setattr(cadre, key, value)
