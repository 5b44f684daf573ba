"""Uploading a roster, previewing it and confirming the import."""

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from lms.accounts.models import Role
from lms.core.access import role_required
from lms.core.events import cadre_changed
from lms.core.exports import download
from lms.core.i18n import current_locale
from lms.core.pagination import Page
from lms.core.uploads import PendingUpload, UploadGone
from lms.extensions import db
from lms.org.categories import active_categories
from lms.org.tree import OrgError
from lms.org.visibility import scope_root
from lms.roster import services
from lms.roster.forms import UploadForm

bp = Blueprint("roster", __name__, url_prefix="/roster")

PENDING = PendingUpload("roster_uploads", "roster_upload")


def _plan_stored_upload():
    """(info, roster, plans) for this session's upload, or a redirect with a message."""
    info = PENDING.current()
    try:
        roster = PENDING.load(info, services.parse_roster, _("Upload a roster file first."))
    except UploadGone as gone:
        flash(gone.message, gone.category)
        return None, redirect(url_for("roster.upload"))
    return (info, roster, services.plan_import(roster, current_user)), None


def _cannot_import() -> bool:
    """A supervisor without a unit has no scope to import into."""
    return not current_user.has_role(Role.ADMIN) and current_user.unit is None


def _blocked_page():
    status = 200 if request.method == "GET" else 403
    return render_template("roster/upload.html", form=None, blocked=True), status


# --- pages -------------------------------------------------------------------------------


@bp.route("/", methods=["GET", "POST"])
@role_required(Role.ADMIN, Role.SUPERVISOR)
def upload():
    """Upload a roster file; a readable file is stored and previewed, a bad one explained."""
    if _cannot_import():
        return _blocked_page()
    form = UploadForm()
    if form.validate_on_submit() and PENDING.accept(form.file, services.parse_roster):
        return redirect(url_for("roster.preview"))
    status = 400 if form.errors else 200
    return render_template(
        "roster/upload.html",
        form=form,
        blocked=False,
        columns=services.COLUMNS,
        scope=scope_root(current_user),
        pending=PENDING.current(),
        max_rows=services.MAX_ROWS,
        max_mb=current_app.config["MAX_IMPORT_MB"],
    ), status


@bp.route("/preview")
@role_required(Role.ADMIN, Role.SUPERVISOR)
def preview():
    """Every row of the stored upload as new, changed, unchanged or rejected; nothing written."""
    if _cannot_import():
        return _blocked_page()
    loaded, response = _plan_stored_upload()
    if response is not None:
        return response
    info, roster, plans = loaded
    counts = services.count_statuses(plans)
    status = request.args.get("status", "")
    if status not in services.STATUSES:
        status = ""
    order = {name: index for index, name in enumerate(services.STATUSES)}
    shown = sorted(
        (plan for plan in plans if not status or plan.status == status),
        key=lambda plan: (order[plan.status], plan.line),
    )
    page = Page.of(shown, request.args.get("page", 1, type=int))
    return render_template(
        "roster/preview.html",
        info=info,
        roster=roster,
        counts=counts,
        total=len(plans),
        status=status,
        page=page,
        new_units=services.units_to_create(plans),
    )


@bp.route("/confirm", methods=["POST"])
@role_required(Role.ADMIN, Role.SUPERVISOR)
def confirm():
    """Re-check the stored upload against the database as it is now and import it at once;
    then queue the sync of the year's required courses."""
    if _cannot_import():
        return _blocked_page()
    loaded, response = _plan_stored_upload()
    if response is not None:
        return response
    _info, _roster, plans = loaded
    if services.count_statuses(plans)[services.REJECTED]:
        flash(
            _("Some rows are rejected, so nothing was imported. Fix the file and upload it again."),
            "error",
        )
        return redirect(url_for("roster.preview"))
    try:
        result = services.apply_import(plans)
    except (services.RosterError, OrgError, IntegrityError):
        db.session.rollback()
        flash(
            _(
                "The data changed while importing, so nothing was imported. "
                "Check the preview and confirm again."
            ),
            "error",
        )
        return redirect(url_for("roster.preview"))
    if result.user_ids:
        # New and changed cadres may now be in an assignment's audience: their required
        # courses follow once the import is committed.
        cadre_changed.send(bp, user_ids=result.user_ids)
    PENDING.forget()
    flash(
        _(
            "Roster imported: %(created)d created, %(updated)d updated, %(unchanged)d unchanged, "
            "%(units)d units created.",
            created=result.created,
            updated=result.updated,
            unchanged=result.unchanged,
            units=len(result.units_created),
        ),
        "success",
    )
    return redirect(url_for("roster.upload"))


@bp.route("/cancel", methods=["POST"])
@role_required(Role.ADMIN, Role.SUPERVISOR)
def cancel():
    """Drop the stored upload without importing anything."""
    PENDING.forget()
    flash(_("The import was cancelled; nothing was changed."), "info")
    return redirect(url_for("roster.upload"))


@bp.route("/template.<ext>")
@role_required(Role.ADMIN, Role.SUPERVISOR)
def template(ext: str):
    """A roster template (header row and one example row) in the user's language."""
    if ext not in services.EXTENSIONS:
        abort(404)
    locale = current_locale()
    categories = active_categories()
    category_name = categories[0].display_name(locale) if categories else ""
    data = services.build_template(ext, locale, category_name)
    return download(data, ext, f"roster-template.{ext}")
