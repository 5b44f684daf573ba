"""Supervisors' and admins' pages over the unit tree and the cadres in it."""

from flask import Blueprint, render_template

from lms.accounts.models import Role
from lms.core.access import role_required

bp = Blueprint("org", __name__, url_prefix="/org")


@bp.route("/units")
@role_required(Role.ADMIN, Role.SUPERVISOR)
def units():
    """The units the caller may see."""
    return render_template("org/units.html")
