"""The home page for each role, the language switch and a health check."""

from flask import (
    Blueprint,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required
from sqlalchemy import func, select

from lms.accounts.models import Role, User
from lms.accounts.services import is_safe_next
from lms.core import statsyear
from lms.core.health import check_database, check_disk, check_ffmpeg, overall
from lms.extensions import db
from lms.org.models import Cadre, Unit
from lms.org.services import scope_root, unit_scope_clause

bp = Blueprint("home", __name__)


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
        from lms.tracking.progress import year_credited_seconds

        context["year_hours"] = year_credited_seconds(current_user.id) / 3600
        context["year_label"] = statsyear.label(statsyear.current_year())
    if current_user.has_role(Role.ADMIN):
        context["user_count"] = db.session.scalar(select(func.count(User.id)))
        context["health"] = system_health()
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
    return redirect(target if is_safe_next(target) else url_for("home.home"))


def system_health() -> dict:
    """Every check of /healthz: database, job queue, ffmpeg, media disk, outbox."""
    from lms.core.queue import queue_state
    from lms.media.uploads import DISK_RESERVE_BYTES
    from lms.notify.services import outbox_backlog

    checks = {"database": check_database()}
    checks["queue"] = queue_state().as_dict()
    checks["ffmpeg"] = check_ffmpeg()
    checks["disk"] = check_disk(current_app.config["MEDIA_ROOT"], DISK_RESERVE_BYTES)
    if checks["database"]["status"] == "ok":
        checks["outbox"] = outbox_backlog()
    return {"status": overall(checks), "checks": checks}


@bp.route("/healthz")
def health():
    """For monitoring: 200 while all works (``warn`` included), 503 when something is down."""
    report = system_health()
    response = jsonify(report)
    response.status_code = 503 if report["status"] == "down" else 200
    response.headers["Cache-Control"] = "no-store"
    return response
