"""The home page for each role, the language switch and a health check."""

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required
from sqlalchemy import func, select, text

from lms.accounts.models import Role, User
from lms.accounts.services import is_safe_next
from lms.extensions import db
from lms.org.models import Cadre, Unit
from lms.org.services import scope_root, unit_scope_clause

bp = Blueprint("core", __name__)


@bp.route("/")
@login_required
def home():
    """Each role's start page: what that user came to do."""
    context = {}
    if current_user.has_role(Role.ADMIN, Role.SUPERVISOR):
        scope = unit_scope_clause(current_user)
        context["unit_count"] = db.session.scalar(select(func.count(Unit.id)).where(scope))
        context["cadre_count"] = db.session.scalar(
            select(func.count(Cadre.id))
            .join(User, Cadre.user_id == User.id)
            .join(Unit, User.unit_id == Unit.id)
            .where(scope, User.is_active_account.is_(True))
        )
        context["scope_root"] = scope_root(current_user)
    if current_user.has_role(Role.CADRE):
        from lms.tracking.services import year_credited_seconds

        context["year_hours"] = year_credited_seconds(current_user.id) / 3600
    if current_user.has_role(Role.ADMIN):
        context["user_count"] = db.session.scalar(select(func.count(User.id)))
    return render_template("core/home.html", **context)


@bp.route("/language/<code>", methods=["POST"])
def set_language(code: str):
    """Switch the interface language (kept on the account when logged in)."""
    if code in current_app.config["LANGUAGES"]:
        session["language"] = code
        if current_user.is_authenticated:
            current_user.preferred_language = code
            db.session.commit()
    target = request.form.get("next")
    return redirect(target if is_safe_next(target) else url_for("core.home"))


@bp.route("/healthz")
def health():
    """For load balancers and monitoring: the database answers."""
    db.session.execute(text("SELECT 1"))
    return {"status": "ok"}
