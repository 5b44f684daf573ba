"""The pages that gather many features (docs/architecture.md): each role's home page, a
cadre's page; the language switch and a health check."""

from flask import (
    Blueprint,
    abort,
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
from lms.core.access import role_required
from lms.core.health import check_database, check_disk, check_ffmpeg, overall
from lms.core.queue import queue_state
from lms.courses.catalog import teaching_query
from lms.extensions import db
from lms.home.learning import cadre_start, year_outlook
from lms.media import uploads
from lms.media.storage import media_store_health
from lms.notify.services import outbox_backlog
from lms.org.models import Cadre, Unit
from lms.org.visibility import can_see_person, can_see_unit, scope_root, unit_scope_clause
from lms.quizzes.models import Quiz, QuizResult
from lms.tracking.progress import year_credited_seconds
from lms.tracking.study_records import latest_lessons, risky_views, year_risk_counts

bp = Blueprint("home", __name__)

CADRE_PAGE_LESSONS = 10  # the latest lessons on a cadre's page; the rest on their own page


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
        context["year_hours"] = year_credited_seconds(current_user.id) / 3600
        context["year_label"] = statsyear.label(statsyear.current_year())
        context.update(cadre_start(current_user))
    if current_user.has_role(Role.INSTRUCTOR):
        teaching = teaching_query(current_user).subquery()
        context["teaching"] = db.session.execute(
            select(
                func.count(teaching.c.id),
                func.count(teaching.c.id).filter(teaching.c.is_published.is_(True)),
            )
        ).one()
    if current_user.has_role(Role.ADMIN):
        context["user_count"] = db.session.scalar(select(func.count(User.id)))
        context["health"] = system_health()
    return render_template("core/home.html", **context)


@bp.route("/org/cadres/<int:cadre_id>")
@role_required(Role.ADMIN, Role.SUPERVISOR)
def cadre_detail(cadre_id: int):
    """A cadre's page: personnel record and account, the year's forecast, the latest
    lessons and offline training (the URL is the unit pages' own, under /org)."""
    cadre = db.session.get(Cadre, cadre_id)
    if cadre is None or not can_see_person(current_user, cadre.user):
        abort(404)
    unit = cadre.user.unit
    outlook = year_outlook(cadre.user)
    return render_template(
        "home/cadre.html",
        cadre=cadre,
        person=cadre.user,
        unit=unit,
        unit_visible=unit is not None and can_see_unit(current_user, unit),
        learning=latest_lessons(cadre.user_id, CADRE_PAGE_LESSONS),
        risk_counts=year_risk_counts(cadre.user_id, outlook["plan_year"]),
        risky_views=risky_views(cadre.user_id, outlook["plan_year"], CADRE_PAGE_LESSONS),
        **outlook,
        quiz_results=db.session.execute(
            select(Quiz, QuizResult)
            .join(QuizResult, QuizResult.quiz_id == Quiz.id)
            .where(QuizResult.user_id == cadre.user_id, QuizResult.year == outlook["plan_year"])
            .order_by(Quiz.title, Quiz.id)
        ).all(),
    )


@bp.route("/language/<code>", methods=["POST"])
def set_language(code: str):
    """Switch the interface language (kept on the account when logged in)."""
    if code in current_app.config["LANGUAGES"]:
        session["language"] = code
        if current_user.is_authenticated:
            current_user.preferred_language = code
    target = request.form.get("next")
    return redirect(target if is_safe_next(target) else url_for("home.home"))


def system_health() -> dict:
    """Every check of /healthz: database, job queue, ffmpeg, media disk (and bucket), outbox."""
    checks = {"database": check_database()}
    checks["queue"] = queue_state().as_dict()
    checks["ffmpeg"] = check_ffmpeg()
    checks["disk"] = check_disk(current_app.config["MEDIA_ROOT"], uploads.DISK_RESERVE_BYTES)
    store = media_store_health()
    if store is not None:
        checks["media_store"] = store  # LMS_MEDIA_STORAGE=s3: the bucket answers
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
