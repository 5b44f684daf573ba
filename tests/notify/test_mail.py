"""Mail goes through the outbox to a real SMTP server, is retried, and respects opt-outs."""

from datetime import timedelta
from email import message_from_bytes, policy

from sqlalchemy import select

from lms.core.timeutil import utcnow
from lms.extensions import db
from lms.notify import services
from lms.notify.models import MailStatus, OutboxMessage
from tests.notify.conftest import free_port


def _received(envelope):
    return message_from_bytes(envelope.content, policy=policy.default)


def test_a_queued_mail_arrives_at_the_smtp_server(app, make_user, smtp_server):
    user = make_user("wang", email="wang@example.org")
    services.queue_mail(user, "quota_at_risk", "学时提醒", "您今年已学习 12.5 学时。")
    db.session.commit()

    assert services.deliver_due() == {"sent": 1, "retrying": 0, "failed": 0}

    [envelope] = smtp_server.messages
    assert envelope.rcpt_tos == ["wang@example.org"]
    mail = _received(envelope)
    assert mail["Subject"] == "学时提醒"
    assert "12.5 学时" in mail.get_content()
    message = db.session.scalar(select(OutboxMessage))
    assert message.status == MailStatus.SENT and message.sent_at and message.attempts == 1
    # Sent mail is not sent again.
    assert services.deliver_due()["sent"] == 0
    assert len(smtp_server.messages) == 1


def test_no_address_or_opted_out_means_no_mail(app, make_user):
    no_address = make_user("li")
    opted_out = make_user("zhao", email="zhao@example.org")
    opted_out.wants_email_reminders = False
    assert services.queue_mail(no_address, "quota_at_risk", "s", "b") is None
    assert services.queue_mail(opted_out, "quota_at_risk", "s", "b") is None
    assert db.session.scalar(select(OutboxMessage)) is None


def test_without_an_smtp_host_mail_waits(app, make_user):
    user = make_user("wang", email="wang@example.org")
    services.queue_mail(user, "quota_at_risk", "s", "b")
    db.session.commit()
    assert services.deliver_due() == {"sent": 0, "retrying": 0, "failed": 0}
    assert db.session.scalar(select(OutboxMessage.status)) == MailStatus.PENDING


def test_a_refused_mail_is_retried_later_then_given_up(app, make_user, smtp_server):
    app.config["MAIL_MAX_ATTEMPTS"] = 2
    user = make_user("wang", email="wang@example.org")
    services.queue_mail(user, "quota_at_risk", "s", "b")
    db.session.commit()
    smtp_server.refuse = True
    now = utcnow()

    assert services.deliver_due(now=now) == {"sent": 0, "retrying": 1, "failed": 0}
    message = db.session.scalar(select(OutboxMessage))
    assert message.status == MailStatus.PENDING and message.attempts == 1
    assert "550" in message.last_error
    assert message.next_attempt_at == now + timedelta(minutes=1)
    # Not due yet: nothing happens.
    assert services.deliver_due(now=now + timedelta(seconds=30))["retrying"] == 0

    assert services.deliver_due(now=now + timedelta(minutes=2))["failed"] == 1
    db.session.refresh(message)
    assert message.status == MailStatus.FAILED and message.attempts == 2

    # An admin retries it once the server accepts mail again.
    services.retry_message(message)
    db.session.commit()
    smtp_server.refuse = False
    assert services.deliver_due()["sent"] == 1
    assert len(smtp_server.messages) == 1


def test_an_unreachable_server_leaves_mail_to_retry(app, make_user):
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=free_port(), SMTP_TIMEOUT=2)
    user = make_user("wang", email="wang@example.org")
    services.queue_mail(user, "quota_at_risk", "s", "b")
    db.session.commit()
    assert services.deliver_due() == {"sent": 0, "retrying": 1, "failed": 0}
    message = db.session.scalar(select(OutboxMessage))
    assert message.status == MailStatus.PENDING and message.last_error


def test_a_message_claimed_by_one_worker_is_not_sent_by_another(app, make_user, smtp_server):
    user = make_user("wang", email="wang@example.org")
    message = services.queue_mail(user, "quota_at_risk", "s", "b")
    db.session.commit()
    now = utcnow()
    assert services._claim(message.id, now) is True
    # A second worker running at the same moment finds nothing due.
    assert services.deliver_due(now=now)["sent"] == 0
    assert smtp_server.messages == []


def test_the_profile_opt_out_is_saved(app, client, login, post, make_user):
    user = make_user("wang", email="wang@example.org")
    login(user)
    response = post(
        "/account",
        {"display_name": "Wang", "email": "wang@example.org", "preferred_language": ""},
        token_page="/account",
    )
    assert response.status_code == 302
    db.session.refresh(user)
    assert user.wants_email_reminders is False
    page = client.get("/account").get_data(as_text=True)
    assert "E-mail me weekly reminders" in page
