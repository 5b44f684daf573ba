"""Approving, rejecting and deleting a record or an exemption (POST only, staff only)."""

from flask import flash, redirect
from flask_babel import gettext as _
from flask_login import current_user

from lms.core.access import role_required
from lms.extensions import db
from lms.offline.access import can_delete
from lms.offline.errors import OfflineError
from lms.offline.forms import ReviewForm
from lms.offline.models import Exemption, OfflineTraining
from lms.offline.recording import delete_item, review
from lms.offline.views import STAFF, bp, detail_url, list_url, managed


def review_page(model, item_id: int, approve: bool):
    """Approve or reject a pending item (not one the caller recorded or last changed; a
    rejection says why)."""
    item = managed(model, item_id)
    form = ReviewForm()
    if not form.validate_on_submit():
        flash(_("The form has expired; please try again."), "error")
    else:
        try:
            review(current_user, item, approve, form.note.data or "")
        except OfflineError as exc:
            db.session.rollback()  # refused: nothing is kept, although the answer is a redirect
            flash(str(exc), "error")
        else:
            flash(_("Approved: it now counts.") if approve else _("Rejected."), "success")
    return redirect(detail_url(item))


def delete_page(model, item_id: int):
    """Delete an item (approved ones: administrators only); the audit log keeps it."""
    item = managed(model, item_id)
    if not can_delete(current_user, item):
        flash(_("An approved record can only be deleted by an administrator."), "error")
        return redirect(detail_url(item))
    delete_item(current_user, item)
    flash(_("Deleted. Its history stays in the audit log."), "success")
    return redirect(list_url(model))


def _add_review_routes(model, prefix: str, id_arg: str, suffix: str) -> None:
    """``{prefix}/<id>/approve``, ``/reject`` and ``/delete`` for one kind, as the endpoints
    ``offline.approve{suffix}``, ``offline.reject{suffix}`` and ``offline.delete{suffix}``."""
    actions = {
        "approve": lambda **ids: review_page(model, ids[id_arg], True),
        "reject": lambda **ids: review_page(model, ids[id_arg], False),
        "delete": lambda **ids: delete_page(model, ids[id_arg]),
    }
    for action, view in actions.items():
        bp.add_url_rule(
            f"{prefix}/<int:{id_arg}>/{action}",
            f"{action}{suffix}",
            role_required(*STAFF)(view),
            methods=["POST"],
        )


_add_review_routes(OfflineTraining, "", "record_id", "")
_add_review_routes(Exemption, "/exemptions", "exemption_id", "_exemption")
