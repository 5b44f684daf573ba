"""Logging in, throttling, safe redirects, passwords and the profile."""

import pytest

from lms.accounts.models import User
from lms.accounts.services import is_safe_next
from lms.extensions import db
from tests.conftest import csrf_token


def _login(client, username, password, **extra):
    data = {"username": username, "password": password, "csrf_token": csrf_token(client)}
    data.update(extra)
    return client.post("/login", data=data)


def test_wrong_password_is_refused_with_a_message(client, make_user):
    make_user("ann")
    response = _login(client, "ann", "wrong-password")
    assert response.status_code == 401
    assert "The username or password is not correct." in response.get_data(as_text=True)
    assert client.get("/").status_code == 302  # still anonymous


def test_unknown_user_and_inactive_user_are_refused(client, make_user):
    user = make_user("bob")
    user.is_active_account = False
    db.session.commit()
    assert _login(client, "bob", "secret-pass-1").status_code == 401
    assert _login(client, "nobody", "secret-pass-1").status_code == 401


def test_login_without_csrf_token_is_refused(client, make_user):
    make_user("ann")
    response = client.post("/login", data={"username": "ann", "password": "secret-pass-1"})
    assert response.status_code == 400
    assert client.get("/").status_code == 302


def test_failed_logins_are_throttled_per_account(client, make_user):
    make_user("ann")
    for _ in range(5):
        assert _login(client, "ann", "bad-guess").status_code == 401
    response = _login(client, "ann", "secret-pass-1")  # even the right password waits now
    assert response.status_code == 429
    assert "Too many attempts" in response.get_data(as_text=True)
    # Another account from the same address is not locked by ann's failures.
    make_user("bob")
    assert _login(client, "bob", "secret-pass-1").status_code == 302


def test_failed_logins_are_throttled_per_address(app, client, make_user):
    app.config["LOGIN_LIMIT_ADDRESS"] = "3 per minute"
    make_user("carl")
    for name in ("x1", "x2", "x3"):
        assert _login(client, name, "bad").status_code == 401
    assert _login(client, "carl", "secret-pass-1").status_code == 429


def test_successful_logins_do_not_count(client, make_user, post):
    make_user("ann")
    for _ in range(8):
        assert _login(client, "ann", "secret-pass-1").status_code == 302
        post("/logout")


@pytest.mark.parametrize(
    ("target", "safe"),
    [
        ("/org/units", True),
        ("/account?tab=1", True),
        ("https://evil.example/", False),
        ("//evil.example/", False),
        ("/\\evil.example", False),
        ("javascript:alert(1)", False),
        ("", False),
        (None, False),
    ],
)
def test_next_redirects_only_to_this_site(target, safe):
    assert is_safe_next(target) is safe


def test_login_follows_next_on_this_site_only(client, make_user):
    make_user("ann")
    response = client.get("/account")
    assert response.status_code == 302
    assert "next=/account" in response.headers["Location"]
    ok = client.post(
        "/login?next=/account",
        data={"username": "ann", "password": "secret-pass-1", "csrf_token": csrf_token(client)},
    )
    assert ok.headers["Location"] == "/account"


def test_login_ignores_an_offsite_next(client, make_user):
    make_user("ann")
    response = client.post(
        "/login?next=https://evil.example/",
        data={"username": "ann", "password": "secret-pass-1", "csrf_token": csrf_token(client)},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_change_password(client, make_user, login, post):
    user = make_user("ann")
    login(user)
    response = post(
        "/account/password",
        {"current_password": "wrong", "new_password": "new-pass-22", "confirm": "new-pass-22"},
    )
    assert response.status_code == 400
    assert "The current password is not correct." in response.get_data(as_text=True)
    response = post(
        "/account/password",
        {"current_password": "secret-pass-1", "new_password": "short", "confirm": "short"},
    )
    assert response.status_code == 400
    assert "at least 8 characters" in response.get_data(as_text=True)
    assert db.session.get(User, user.id).check_password("secret-pass-1")
    response = post(
        "/account/password",
        {
            "current_password": "secret-pass-1",
            "new_password": "new-pass-22",
            "confirm": "new-pass-22",
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, user.id).check_password("new-pass-22")


def test_reset_password_forces_a_change_at_next_login(client, make_user, post):
    from lms.accounts.services import reset_password

    user = make_user("ann")
    temporary = reset_password(user)
    db.session.commit()
    assert _login(client, "ann", temporary).status_code == 302
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/account/password")
    response = post(
        "/account/password",
        {"current_password": temporary, "new_password": "mine-now-123", "confirm": "mine-now-123"},
        token_page="/account/password",
    )
    assert response.status_code == 302
    assert client.get("/").status_code == 200


def test_password_is_hashed_with_scrypt(make_user):
    user = make_user("ann")
    assert user.password_hash.startswith("scrypt:")
    assert "secret-pass-1" not in user.password_hash


def test_profile_edit_and_language(client, make_user, login, post):
    user = make_user("ann")
    login(user)
    response = post(
        "/account",
        {
            "display_name": "Ann Lee",
            "email": "ann@example.org",
            "phone": "13800000000",
            "preferred_language": "en",
        },
    )
    assert response.status_code == 302
    page = client.get("/account").get_data(as_text=True)
    assert "Ann Lee" in page and "My account" in page
    response = post("/account", {"display_name": "", "preferred_language": "en"})
    assert response.status_code == 400
    db.session.expire_all()
    assert db.session.get(User, user.id).display_name == "Ann Lee"


def test_logout_requires_post(client, make_user, login):
    login(make_user("ann"))
    assert client.get("/logout").status_code == 405
    assert client.get("/").status_code == 200


def test_session_cookie_flags(app, client, make_user):
    make_user("ann")
    response = _login(client, "ann", "secret-pass-1")
    cookie = response.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
