"""Uploading a roster, previewing it and confirming the import."""

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from lms.accounts.models import Role
from lms.core.access import role_required
from lms.core.events import cadre_changed
from lms.core.exports import download
from lms.core.i18n import current_locale
from lms.core.pagination import Page
from lms.core.tabular import EXTENSIONS, rows_by_status
from lms.core.templating import render_form
from lms.core.uploads import PendingUpload, UploadGone
from lms.extensions import db
from lms.org.categories import active_categories
from lms.org.tree import OrgError
from lms.org.visibility import scope_root
from lms.roster.applying import apply_import
from lms.roster.columns import COLUMNS, MAX_ROWS, RosterError, parse_roster
from lms.roster.forms import UploadForm
from lms.roster.planning import REJECTED, STATUSES, count_statuses, plan_import, units_to_create
from lms.roster.template_file import build_template

bp = Blueprint("roster", __name__, url_prefix="/roster")

PENDING = PendingUpload("roster_uploads", "roster_upload")


def _plan_stored_upload():
    """(info, roster, plans) for this session's upload, or the page to answer with instead:
    the blocked page, or a redirect with a message."""
    if _cannot_import():
        return None, _blocked_page()
    info = PENDING.current()
    try:
        roster = PENDING.load(info, parse_roster, _("Upload a roster file first."))
    except UploadGone as gone:
        flash(gone.message, gone.category)
        return None, redirect(url_for("roster.upload"))
    return (info, roster, plan_import(roster, current_user)), None


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
    if form.validate_on_submit() and PENDING.accept(form.file, parse_roster):
        return redirect(url_for("roster.preview"))
    return render_form(
        "roster/upload.html",
        form,
        blocked=False,
        columns=COLUMNS,
        scope=scope_root(current_user),
        pending=PENDING.current(),
        max_rows=MAX_ROWS,
        max_mb=current_app.config["MAX_IMPORT_MB"],
    )


@bp.route("/preview")
@role_required(Role.ADMIN, Role.SUPERVISOR)
def preview():
    """Every row of the stored upload as new, changed, unchanged or rejected; nothing written."""
    loaded, response = _plan_stored_upload()
    if response is not None:
        return response
    info, roster, plans = loaded
    status, shown = rows_by_status(plans, STATUSES, request.args.get("status", ""))
    return render_template(
        "roster/preview.html",
        info=info,
        roster=roster,
        counts=count_statuses(plans),
        total=len(plans),
        status=status,
        page=Page.of(shown, request.args.get("page", 1, type=int)),
        new_units=units_to_create(plans),
    )


@bp.route("/confirm", methods=["POST"])
@role_required(Role.ADMIN, Role.SUPERVISOR)
def confirm():
    """Re-check the stored upload against the database as it is now and import it at once;
    then queue the sync of the year's required courses."""
    loaded, response = _plan_stored_upload()
    if response is not None:
        return response
    _info, _roster, plans = loaded
    if count_statuses(plans)[REJECTED]:
        flash(
            _("Some rows are rejected, so nothing was imported. Fix the file and upload it again."),
            "error",
        )
        return redirect(url_for("roster.preview"))
    try:
        result = apply_import(plans)
    except (RosterError, OrgError, IntegrityError):
        db.session.rollback()  # the redirect below would otherwise keep a part of the import
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
            **result.counts(),
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
    if ext not in EXTENSIONS:
        abort(404)
    locale = current_locale()
    categories = active_categories()
    category_name = categories[0].display_name(locale) if categories else ""
    data = build_template(ext, locale, category_name)
    return download(data, ext, f"roster-template.{ext}")
