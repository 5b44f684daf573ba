"""Request helpers for pages scoped to a unit: a unit the user may see, or 404."""

from flask import abort, request
from flask_babel import gettext as _
from flask_login import current_user

from lms.core.inputs import parse_int
from lms.extensions import db
from lms.org.models import Unit
from lms.org.visibility import can_see_unit, scope_root, unit_options


def unit_or_404(unit_id: int) -> Unit:
    """The unit, if the current user may see it; 404 otherwise (as if it did not exist)."""
    unit = db.session.get(Unit, unit_id)
    if unit is None or not can_see_unit(current_user, unit):
        abort(404)
    return unit


def unit_from_args() -> Unit | None:
    """The unit chosen in ``?unit=`` (404 outside the user's scope), else the top of the
    user's scope (None for administrators: everything)."""
    raw = request.args.get("unit", "").strip()
    if not raw.isdigit():
        return scope_root(current_user)
    return unit_or_404(parse_int(raw) or 0)  # no column holds a larger id: no such unit


def unit_choices() -> list[tuple[str, str]]:
    """(value, label) of the units in the user's scope for a unit filter; "everyone" (an
    empty value) first for administrators."""
    choices = [("", _("Everyone"))] if current_user.is_admin else []
    return choices + unit_options(current_user)
