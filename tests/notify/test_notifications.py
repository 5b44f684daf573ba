"""In-app notifications: shown on the next visit, in the reader's language, private."""

from sqlalchemy import select

from lms.extensions import db
from lms.notify import services
from lms.notify.models import Notification

PARAMS = {"hours": "12.5", "quota": "70", "year": 2026, "weekend": "4.6"}


def test_a_notification_is_shown_until_read(app, client, login, post, make_user):
    user = make_user("wang")
    services.notify(user.id, "quota_at_risk", PARAMS, link="/learning/")
    db.session.commit()
    login(user)

    home = client.get("/").get_data(as_text=True)
    assert "1 new notification" in home
    page = client.get("/notifications/").get_data(as_text=True)
    assert (
        "You have 12.5 of your 70 study hours for the 2026 statistics year "
        "(2025-12-01 to 2026-11-30)" in page
    )
    assert "About 4.6 hours each weekend" in page

    note = db.session.scalar(select(Notification))
    response = post(f"/notifications/{note.id}/read", token_page="/notifications/")
    assert response.status_code == 302 and response.headers["Location"] == "/learning/"
    db.session.refresh(note)
    assert note.read_at is not None
    assert "new notification" not in client.get("/").get_data(as_text=True)


def test_the_text_follows_the_readers_language(app, client, login, make_user):
    user = make_user("wang", preferred_language="zh_CN")
    services.notify(user.id, "quota_at_risk", PARAMS)
    db.session.commit()
    login(user)
    page = client.get("/notifications/").get_data(as_text=True)
    assert "12.5" in page and "学时" in page


def test_mark_all_read(app, client, login, post, make_user):
    user = make_user("wang")
    for _ in range(3):
        services.notify(user.id, "quota_at_risk", PARAMS)
    db.session.commit()
    login(user)
    assert "3 new notifications" in client.get("/").get_data(as_text=True)
    post("/notifications/read-all", token_page="/notifications/")
    assert services.unread_count(user.id) == 0


def test_another_users_notification_cannot_be_touched(app, client, login, post, make_user):
    owner, other = make_user("owner"), make_user("other")
    note = services.notify(owner.id, "quota_at_risk", PARAMS)
    db.session.commit()
    login(other)
    assert post(f"/notifications/{note.id}/read", token_page="/").status_code == 404
    assert "12.5" not in client.get("/notifications/").get_data(as_text=True)
    db.session.refresh(note)
    assert note.read_at is None


def test_an_empty_list_says_so(app, client, login, make_user):
    login(make_user("wang"))
    assert "You have no notifications." in client.get("/notifications/").get_data(as_text=True)


def test_admins_see_the_outbox_and_retry_failures(app, client, login, post, make_user):
    from lms.notify.models import MailStatus, OutboxMessage

    admin = make_user("root", roles=["admin"])
    cadre = make_user("wang", email="wang@example.org")
    message = services.queue_mail(cadre, "quota_at_risk", "学时提醒", "b")
    message.status = MailStatus.FAILED.value
    message.attempts = 5
    message.last_error = "550 mailbox unavailable"
    db.session.commit()
    login(admin)
    page = client.get("/notifications/outbox?status=failed").get_data(as_text=True)
    assert "wang@example.org" in page and "550 mailbox unavailable" in page
    assert "No SMTP server is configured" in page
    post(f"/notifications/outbox/{message.id}/retry", token_page="/notifications/outbox")
    db.session.refresh(message)
    assert message.status == MailStatus.PENDING and message.attempts == 0
    assert (
        db.session.scalar(select(OutboxMessage.id).where(OutboxMessage.status == "failed")) is None
    )
