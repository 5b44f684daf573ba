"""The account page speaks of API tokens only to those who have one."""

from lms.api.services import issue_token
from lms.extensions import db


def test_a_cadre_without_tokens_sees_no_developer_text(client, make_user, login):
    login(make_user("ann", preferred_language="en"))
    page = client.get("/account").get_data(as_text=True)
    assert "Active sessions" in page
    assert "API tokens" not in page and "/api/v1/auth/token" not in page


def test_a_user_with_a_token_sees_and_can_revoke_it(client, make_user, login):
    user = make_user("ann", preferred_language="en")
    issue_token(user, name="phone app")
    db.session.commit()
    login(user)
    page = client.get("/account").get_data(as_text=True)
    assert "API tokens" in page and "phone app" in page and "Revoke" in page
