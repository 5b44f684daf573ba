"""Annual plan pages: training years, quota rules, audiences and assignments."""

from flask import Blueprint

bp = Blueprint("plans", __name__, url_prefix="/plan")
