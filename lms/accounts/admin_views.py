"""The admin's pages: create, edit, deactivate users and reset passwords."""

from flask import Blueprint, render_template

from lms.accounts.models import Role
from lms.core.access import role_required

bp = Blueprint("admin_users", __name__, url_prefix="/admin/users")


@bp.route("/")
@role_required(Role.ADMIN)
def index():
    """All users, searchable and paginated."""
    return render_template("admin/users.html")
