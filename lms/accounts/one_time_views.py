"""The administrator's "issue one-time passwords" for a selection of users or a unit: a
confirmation page that says who, then the passwords once, as a printable sheet or a
spreadsheet (lms/accounts/one_time.py)."""

from flask import make_response, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from lms.accounts.admin_views import bp
from lms.accounts.models import Role
from lms.accounts.one_time import (
    MAX_BATCH,
    Selection,
    count_selected,
    issue_one_time_passwords,
    selected_users_query,
)
from lms.core.access import role_required
from lms.core.exports import ExportColumn, export_response
from lms.core.inputs import parse_int
from lms.core.timeutil import to_local, utcnow
from lms.extensions import db
from lms.org.models import Unit
from lms.org.visibility import unit_options

PREVIEW_NAMES = 50  # names listed on the confirmation page; the count says the rest


def _selection(values) -> Selection:
    """The selection named by a request's arguments or form (``user_id`` repeated, or
    ``unit_id``, and ``never_logged_in``); unknown or malformed ids select nobody."""
    ids = tuple(sorted({i for i in (parse_int(v) for v in values.getlist("user_id")) if i}))
    unit_id = parse_int(values.get("unit_id", ""))
    unit = db.session.get(Unit, unit_id) if unit_id else None
    return Selection(
        user_ids=ids, unit=unit, never_logged_in=values.get("never_logged_in") in ("1", "y", "on")
    )


@bp.route("/one-time-passwords", methods=["GET"])
@role_required(Role.ADMIN)
def one_time_passwords():
    """Choose whose passwords to issue (a unit, or the users ticked on the user list), and
    confirm: the page says how many accounts and lists them."""
    selection = _selection(request.args)
    count = count_selected(current_user, selection)
    names = []
    if count:
        names = db.session.scalars(
            selected_users_query(current_user, selection).limit(PREVIEW_NAMES)
        ).all()
    return render_template(
        "admin/one_time_passwords.html",
        selection=selection,
        count=count,
        names=names,
        units=unit_options(current_user),
        max_batch=MAX_BATCH,
    )


@bp.route("/one-time-passwords", methods=["POST"])
@role_required(Role.ADMIN)
def issue_passwords():
    """Issue the passwords and show them once: the sheet (``format=sheet``) or the XLSX."""
    selection = _selection(request.form)
    issued = issue_one_time_passwords(current_user, selection)
    if request.form.get("format") == "xlsx":
        response = export_response(
            _sheet_columns(),
            (_sheet_row(item) for item in issued),
            "xlsx",
            _("one-time passwords %(stamp)s", stamp=to_local(utcnow()).strftime("%Y%m%d-%H%M")),
        )
    else:
        response = make_response(
            render_template("admin/one_time_sheet.html", issued=issued, issued_at=utcnow())
        )
    # The passwords must not stay in a browser or proxy cache once the page is left.
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    return response


def _sheet_columns() -> list[ExportColumn]:
    return [
        ExportColumn(_("Unit"), width=36),
        ExportColumn(_("Name"), width=16),
        ExportColumn(_("Personnel number"), width=16),
        ExportColumn(_("Username"), width=20),
        ExportColumn(_("One-time password"), width=18),
    ]


def _sheet_row(item) -> list:
    user = item.user
    return [
        user.unit.name_path if user.unit else "",
        user.display_name,
        user.cadre.personnel_number if user.cadre else "",
        user.username,
        item.password,
    ]
