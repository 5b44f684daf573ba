"""Uploading a roster, previewing it and confirming the import."""

from flask import Blueprint, render_template

from lms.accounts.models import Role
from lms.core.access import role_required

bp = Blueprint("roster", __name__, url_prefix="/roster")


@bp.route("/", methods=["GET", "POST"])
@role_required(Role.ADMIN, Role.SUPERVISOR)
def upload():
    """Upload a roster file."""
    return render_template("roster/upload.html")
