"""The administrators' duplicate cadres page and the merge's confirmation page, on the user
admin's blueprint (``/admin/users/...``); the merge itself is lms.home.cadre_merge."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm

from lms.accounts.admin_views import bp
from lms.accounts.models import Role, User
from lms.core.access import role_required
from lms.core.events import cadre_changed
from lms.core.pagination import Page
from lms.extensions import db
from lms.home.cadre_merge import (
    FIGURE_LABELS,
    LEADING_ZEROS,
    NAME_AND_BIRTH,
    SAME_NUMBER,
    MergeError,
    check_mergeable,
    figures,
    find_duplicates,
    merge_cadres,
)

REASON_LABELS = {
    SAME_NUMBER: _l("Same personnel number ignoring case, width and spaces"),
    LEADING_ZEROS: _l("Personnel numbers that differ only by leading zeros"),
    NAME_AND_BIRTH: _l("Same name and date of birth"),
}


class MergeForm(FlaskForm):
    """Only the CSRF token: the page itself is the confirmation."""


@bp.route("/duplicates")
@role_required(Role.ADMIN)
def duplicates():
    """Likely duplicate cadre records, each group with a link to review a merge."""
    page = Page.of(find_duplicates(), request.args.get("page", 1, type=int))
    return render_template("admin/duplicates.html", page=page, reasons=REASON_LABELS)


@bp.route("/<int:user_id>/merge/<int:other_id>", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def merge(user_id: int, other_id: int):
    """Confirm, then merge the record ``other_id`` into ``user_id`` (the one kept)."""
    keep, other = db.session.get(User, user_id), db.session.get(User, other_id)
    if keep is None or other is None:
        abort(404)
    form = MergeForm()
    if request.method == "POST" and form.validate_on_submit():
        try:
            report = merge_cadres(keep.id, other.id, current_user)
        except MergeError as exc:
            # Refused (or merged meanwhile by someone else): nothing changed.
            db.session.rollback()
            flash(str(exc), "error")
            return redirect(url_for("admin_users.duplicates"))
        cadre_changed.send(bp, user_ids=[report.keep_id])
        flash(
            _(
                "The two records are one now: %(name)s (%(number)s) has %(hours)s credited "
                "hours and %(results)d quiz results.",
                name=keep.display_name,
                number=keep.cadre.personnel_number,
                hours=f"{report.after['credited_hours']:.1f}",
                results=report.after["quiz_results"],
            ),
            "success",
        )
        return redirect(url_for("admin_users.detail", user_id=report.keep_id))
    try:
        check_mergeable(keep, other)
        refusal = None
    except MergeError as exc:
        refusal = str(exc)
    return render_template(
        "admin/merge.html",
        keep=keep,
        other=other,
        form=form,
        refusal=refusal,
        labels=FIGURE_LABELS,
        figures={keep.id: figures(keep.id), other.id: figures(other.id)},
    )
