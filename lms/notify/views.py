"""Notification pages: a user's notifications; the mail outbox for admins."""

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from flask_login import current_user, login_required
from sqlalchemy import func, select

from lms.accounts.forms import ConfirmForm
from lms.accounts.models import Role
from lms.core.access import role_required
from lms.extensions import db
from lms.notify import services
from lms.notify.mailer import SmtpSettings
from lms.notify.messages import render_text
from lms.notify.models import MailStatus, Notification, OutboxMessage

bp = Blueprint("notify", __name__, url_prefix="/notifications")

MAIL_STATUS_LABELS = {
    MailStatus.PENDING.value: _l("Waiting"),
    MailStatus.SENT.value: lazy_pgettext("mail status", "Sent"),
    MailStatus.FAILED.value: lazy_pgettext("mail status", "Failed"),
}


@bp.app_context_processor
def _inject_unread():
    def unread():
        if not current_user.is_authenticated:
            return 0
        return services.unread_count(current_user.id)

    return {
        "unread_notifications": unread,
        "notification_text": render_text,
        "mail_status_label": lambda value: MAIL_STATUS_LABELS.get(value, value),
    }


@bp.route("/")
@login_required
def index():
    """The user's notifications, newest first; unread ones are marked."""
    page = db.paginate(
        services.notifications_for(current_user.id),
        per_page=current_app.config["PAGE_SIZE"],
        error_out=False,
    )
    return render_template("notify/index.html", page=page, form=ConfirmForm())


@bp.route("/<int:notification_id>/read", methods=["POST"])
@login_required
def read(notification_id: int):
    """Dismiss one notification and follow its link."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    note = db.session.get(Notification, notification_id)
    if note is None or note.user_id != current_user.id:
        abort(404)
    services.mark_read(current_user.id, note.id)
    if note.link and note.link.startswith("/") and not note.link.startswith("//"):
        return redirect(note.link)
    return redirect(url_for("notify.index"))


@bp.route("/read-all", methods=["POST"])
@login_required
def read_all():
    """Mark every notification as read."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    count = services.mark_read(current_user.id)
    flash(_("%(count)d notifications marked as read.", count=count), "success")
    return redirect(url_for("notify.index"))


@bp.route("/outbox")
@role_required(Role.ADMIN)
def outbox():
    """The mail outbox: what was sent, what waits and what failed, with the error."""
    status = request.args.get("status", "")
    query = select(OutboxMessage).order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
    if status in {s.value for s in MailStatus}:
        query = query.where(OutboxMessage.status == status)
    else:
        status = ""
    page = db.paginate(query, per_page=current_app.config["PAGE_SIZE"], error_out=False)
    counts = dict(
        db.session.execute(
            select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
        ).all()
    )
    return render_template(
        "notify/outbox.html",
        page=page,
        status=status,
        counts=counts,
        statuses=list(MailStatus),
        mail_on=SmtpSettings.from_config(current_app.config) is not None,
        form=ConfirmForm(),
    )


@bp.route("/outbox/<int:message_id>/retry", methods=["POST"])
@role_required(Role.ADMIN)
def retry(message_id: int):
    """Queue a failed message again."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    message = db.get_or_404(OutboxMessage, message_id)
    if message.status != MailStatus.FAILED.value:
        flash(_("Only a failed message can be retried."), "error")
    else:
        services.retry_message(message)
        flash(
            _("The message to %(address)s will be sent again.", address=message.to_address),
            "success",
        )
    return redirect(url_for("notify.outbox", status=request.args.get("status", "")))
