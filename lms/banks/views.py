"""Question bank pages: list, edit, import and export (instructors their own, admins all)."""

from flask import Blueprint

bp = Blueprint("banks", __name__, url_prefix="/banks")
