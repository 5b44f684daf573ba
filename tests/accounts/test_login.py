from lms.accounts.models import User
from lms.extensions import db
from tests.conftest import csrf_token


def test_login_and_logout(client, make_user, post):
    user = make_user("ann")
    token = csrf_token(client)
    response = client.post(
        "/login", data={"username": "ANN", "password": "secret-pass-1", "csrf_token": token}
    )
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    assert db.session.get(User, user.id).last_login_at is not None
    response = post("/logout")
    assert response.status_code == 302
    assert client.get("/").status_code == 302
