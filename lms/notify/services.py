"""Queue mail in the outbox, deliver what is due, and keep users' in-app notifications."""

import logging
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select, update

from lms.core.timeutil import utcnow
from lms.extensions import db
from lms.notify.mailer import SmtpConnection, SmtpSettings, build_message, new_message_id
from lms.notify.models import MailStatus, Notification, OutboxMessage

log = logging.getLogger(__name__)

# Minutes to wait after the 1st, 2nd, ... failed attempt (the last figure repeats).
RETRY_MINUTES = (1, 5, 15, 60, 240)
# A claimed message is not claimed again for this long, so a worker that died mid-send is
# retried without two live workers sending the same mail.
CLAIM_LEASE = timedelta(minutes=10)


def queue_mail(user, kind: str, subject: str, body: str) -> OutboxMessage | None:
    """Add a mail for ``user`` to the outbox; None when they have no address or opted out."""
    if not user.email or not user.wants_email_reminders or not user.is_active_account:
        return None
    message = OutboxMessage(
        user_id=user.id, kind=kind, to_address=user.email, subject=subject, body=body
    )
    db.session.add(message)
    db.session.flush()
    return message


def retry_delay(attempts: int) -> timedelta:
    """How long to wait after the given number of failed attempts."""
    return timedelta(minutes=RETRY_MINUTES[min(attempts, len(RETRY_MINUTES)) - 1])


def _claim(message_id: int, now: datetime) -> bool:
    """Take a due message for this worker (one UPDATE, so two workers never both win)."""
    claimed = db.session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == message_id,
            OutboxMessage.status == MailStatus.PENDING.value,
            OutboxMessage.next_attempt_at <= now,
        )
        .values(next_attempt_at=now + CLAIM_LEASE)
    ).rowcount
    db.session.commit()
    return claimed == 1


def _record_failure(message: OutboxMessage, error: str, now: datetime, counts: dict) -> None:
    message.attempts += 1
    message.last_error = error[:500]
    if message.attempts >= current_app.config["MAIL_MAX_ATTEMPTS"]:
        message.status = MailStatus.FAILED.value
        counts["failed"] += 1
    else:
        message.next_attempt_at = now + retry_delay(message.attempts)
        counts["retrying"] += 1


def deliver_due(now: datetime | None = None, limit: int = 200) -> dict:
    """Send the outbox's due messages over one SMTP session; commits after each message.

    Returns counts of ``sent``, ``retrying`` and ``failed``. With no SMTP host configured
    nothing is sent and messages wait.
    """
    counts = {"sent": 0, "retrying": 0, "failed": 0}
    settings = SmtpSettings.from_config(current_app.config)
    if settings is None:
        return counts
    now = now or utcnow()
    due = db.session.scalars(
        select(OutboxMessage.id)
        .where(
            OutboxMessage.status == MailStatus.PENDING.value,
            OutboxMessage.next_attempt_at <= now,
        )
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(limit)
    ).all()
    db.session.commit()
    if not due:
        return counts
    connection = SmtpConnection(settings)
    try:
        connection.open()
    except OSError as error:  # includes smtplib.SMTPException
        log.warning("SMTP connection failed: %s", error)
        for message_id in due:
            if _claim(message_id, now):
                _record_failure(db.session.get(OutboxMessage, message_id), f"{error}", now, counts)
                db.session.commit()
        return counts
    with connection:
        for message_id in due:
            if not _claim(message_id, now):
                continue
            message = db.session.get(OutboxMessage, message_id)
            email = build_message(
                settings.sender,
                message.to_address,
                message.subject,
                message.body,
                new_message_id(message.id, settings.sender),
            )
            try:
                connection.send(email)
            except OSError as error:
                _record_failure(message, str(error), now, counts)
            else:
                message.status = MailStatus.SENT.value
                message.attempts += 1
                message.sent_at = utcnow()
                message.last_error = None
                counts["sent"] += 1
            db.session.commit()
    return counts


def retry_message(message: OutboxMessage) -> None:
    """Put a failed message back in the queue for the next delivery run."""
    message.status = MailStatus.PENDING.value
    message.attempts = 0
    message.next_attempt_at = utcnow()
    db.session.flush()


def notify(user_id: int, kind: str, params: dict | None = None, link: str | None = None):
    """Leave an in-app notification for a user, shown on their next visit."""
    note = Notification(user_id=user_id, kind=kind, params=params or {}, link=link)
    db.session.add(note)
    db.session.flush()
    return note


def unread_count(user_id: int) -> int:
    return db.session.scalar(
        select(func.count(Notification.id)).where(
            Notification.user_id == user_id, Notification.read_at.is_(None)
        )
    )


def notifications_for(user_id: int):
    """The user's notifications, newest first (a select to paginate)."""
    return (
        select(Notification)
        .where(Notification.user_id == user_id)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
    )


def mark_read(user_id: int, notification_id: int | None = None) -> int:
    """Mark one (or, with no id, every) unread notification of the user as read."""
    query = update(Notification).where(
        Notification.user_id == user_id, Notification.read_at.is_(None)
    )
    if notification_id is not None:
        query = query.where(Notification.id == notification_id)
    return db.session.execute(query.values(read_at=utcnow())).rowcount


# A delivery run every minute clears what is due; mail due this long ago means it is stuck.
OUTBOX_STUCK_AFTER = timedelta(minutes=15)


def outbox_backlog(now: datetime | None = None) -> dict:
    """The outbox for /healthz: mail due and waiting, the oldest one's wait, mail given up on.

    ``warn`` when mail is configured and due mail has waited OUTBOX_STUCK_AFTER (the SMTP
    server refuses, or no consumer runs the delivery); without an SMTP host mail waits by design.
    """
    now = now or utcnow()
    due, oldest = db.session.execute(
        select(func.count(OutboxMessage.id), func.min(OutboxMessage.next_attempt_at)).where(
            OutboxMessage.status == MailStatus.PENDING.value,
            OutboxMessage.next_attempt_at <= now,
        )
    ).one()
    failed = db.session.scalar(
        select(func.count(OutboxMessage.id)).where(OutboxMessage.status == MailStatus.FAILED.value)
    )
    mail_on = SmtpSettings.from_config(current_app.config) is not None
    waited = (now - oldest).total_seconds() if oldest is not None else None
    stuck = mail_on and waited is not None and waited > OUTBOX_STUCK_AFTER.total_seconds()
    return {
        "status": "warn" if stuck else "ok",
        "smtp": mail_on,
        "due": due,
        "oldest_due_seconds": None if waited is None else round(waited),
        "failed": failed,
    }
