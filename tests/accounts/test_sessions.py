"""Sessions end when they should: copied session and remember-me cookies are refused after
logout, a password change, an administrator's reset and deactivation; a user ends others.

Each test logs in through the real form, copies the browser's cookies into other clients
(as someone who copied them would), and checks what those clients get after the event.
"""

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from lms.accounts.models import LoginSession
from lms.extensions import db
from tests.conftest import csrf_token


@pytest.fixture
def new_client(app, client):
    """``new_client()``: another browser (its own cookie jar) on the same app."""
    return app.test_client


def _log_in(client, user, password="secret-pass-1", remember=False):
    data = {"username": user.username, "password": password, "csrf_token": csrf_token(client)}
    if remember:
        data["remember"] = "y"
    response = client.post("/login", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return client


def _post(client, url, data=None, token_page="/account"):
    return client.post(url, data={"csrf_token": csrf_token(client, token_page), **(data or {})})


def _copies(source, new_client):
    """A client holding a copy of ``source``'s session cookie, and one of its remember-me
    cookie alone (as a browser restarted after the session cookie was dropped)."""
    session_copy, remember_copy = new_client(), new_client()
    session_copy.set_cookie("session", source.get_cookie("session").value)
    remember = source.get_cookie("remember_token")
    if remember is not None:
        remember_copy.set_cookie("remember_token", remember.value)
    return session_copy, remember_copy if remember is not None else None


def _is_logged_in(client) -> bool:
    page = client.get("/account")
    api = client.get("/api/v1/me")
    assert (page.status_code == 200) == (api.status_code == 200), (page, api)
    if page.status_code == 200:
        return True
    assert page.status_code == 302 and "/login" in page.headers["Location"]
    assert api.status_code == 401
    return False


def test_copied_cookies_work_before_any_event(new_client, make_user):
    user = make_user("ann")
    browser = _log_in(new_client(), user, remember=True)
    session_copy, remember_copy = _copies(browser, new_client)
    assert _is_logged_in(session_copy)
    assert _is_logged_in(remember_copy)


def test_logout_ends_the_copied_session_and_remember_me_cookies(new_client, make_user):
    user = make_user("ann")
    browser = _log_in(new_client(), user, remember=True)
    session_copy, remember_copy = _copies(browser, new_client)
    assert _post(browser, "/logout").status_code == 302
    assert not _is_logged_in(browser)
    assert not _is_logged_in(session_copy)
    assert not _is_logged_in(remember_copy)


def test_logout_ends_only_this_devices_login(new_client, make_user):
    user = make_user("ann")
    phone = _log_in(new_client(), user)
    desktop = _log_in(new_client(), user)
    _post(phone, "/logout")
    assert _is_logged_in(desktop)


def test_password_change_ends_every_other_login_and_keeps_this_device(new_client, make_user):
    user = make_user("ann")
    browser = _log_in(new_client(), user, remember=True)
    other_device = _log_in(new_client(), user)
    session_copy, remember_copy = _copies(browser, new_client)
    response = _post(
        browser,
        "/account/password",
        {
            "current_password": "secret-pass-1",
            "new_password": "a-new-pass-2",
            "confirm": "a-new-pass-2",
        },
        token_page="/account/password",
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:1000]
    assert _is_logged_in(browser)
    for stale in (session_copy, remember_copy, other_device):
        assert not _is_logged_in(stale)
    # The device that changed it is remembered again, under a new key.
    _fresh_session, fresh_remember = _copies(browser, new_client)
    assert fresh_remember is not None and _is_logged_in(fresh_remember)


@pytest.fixture
def admin_browser(new_client, make_user):
    admin = make_user("boss", roles=["admin"])
    return _log_in(new_client(), admin)


def test_admin_reset_ends_every_login_and_the_api_session(new_client, make_user, admin_browser):
    user = make_user("ann")
    browser = _log_in(new_client(), user, remember=True)
    session_copy, remember_copy = _copies(browser, new_client)
    assert session_copy.get("/api/v1/me").status_code == 200
    response = _post(admin_browser, f"/admin/users/{user.id}/reset-password")
    assert response.status_code == 200
    for stale in (browser, session_copy, remember_copy):
        assert not _is_logged_in(stale)


def test_deactivation_and_reactivation_do_not_bring_logins_back(
    new_client, make_user, admin_browser
):
    user = make_user("ann")
    browser = _log_in(new_client(), user, remember=True)
    session_copy, remember_copy = _copies(browser, new_client)
    assert _post(admin_browser, f"/admin/users/{user.id}/deactivate").status_code == 302
    assert not _is_logged_in(session_copy)
    assert _post(admin_browser, f"/admin/users/{user.id}/reactivate").status_code == 302
    for stale in (browser, session_copy, remember_copy):
        assert not _is_logged_in(stale)
    assert _is_logged_in(_log_in(new_client(), user))  # a new login works


def test_a_user_sees_their_sessions_and_ends_another(new_client, make_user):
    user = make_user("ann")
    desktop = _log_in(new_client(), user, remember=True)
    phone = new_client()
    phone_agent = (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.40"
    )
    phone.environ_base["HTTP_USER_AGENT"] = phone_agent
    _log_in(phone, user)
    assert 'href="/account/sessions"' in desktop.get("/account").get_data(as_text=True)
    page = desktop.get("/account/sessions").get_data(as_text=True)
    assert "WeChat on iPhone" in page
    assert page.count("This device") == 1
    phone_login = db.session.scalar(
        select(LoginSession).where(LoginSession.user_agent == phone_agent)
    )
    assert f"/account/sessions/{phone_login.id}/end" in page
    assert "data-confirm=" in page
    response = _post(desktop, f"/account/sessions/{phone_login.id}/end", token_page="/account")
    assert response.status_code == 302
    assert not _is_logged_in(phone)
    assert _is_logged_in(desktop)


def test_end_all_other_sessions(new_client, make_user):
    user = make_user("ann")
    here = _log_in(new_client(), user)
    others = [_log_in(new_client(), user, remember=True) for _ in range(2)]
    copies = [_copies(other, new_client)[1] for other in others]
    assert _post(here, "/account/sessions/end-others").status_code == 302
    assert _is_logged_in(here)
    for stale in others + copies:
        assert not _is_logged_in(stale)
    count = db.session.scalar(select(func.count()).select_from(LoginSession))
    assert count == 1


def test_someone_elses_session_cannot_be_ended(new_client, make_user):
    ann, bob = make_user("ann"), make_user("bob")
    bobs_browser = _log_in(new_client(), bob)
    bobs_login = db.session.scalar(select(LoginSession).where(LoginSession.user_id == bob.id))
    anns_browser = _log_in(new_client(), ann)
    assert _post(anns_browser, f"/account/sessions/{bobs_login.id}/end").status_code == 404
    assert _is_logged_in(bobs_browser)


def test_the_sessions_page_speaks_chinese(new_client, make_user):
    user = make_user("ann", preferred_language="zh_CN")
    browser = _log_in(new_client(), user)
    page = browser.get("/account/sessions").get_data(as_text=True)
    assert "本设备" in page and "已登录的设备" in page


def test_logins_note_when_they_were_seen_and_expire(new_client, make_user):
    user = make_user("ann")
    start = datetime(2026, 12, 4, 8, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False) as traveller:
        plain = _log_in(new_client(), user)
        remembered = _log_in(new_client(), user, remember=True)
        _session_copy, remember_copy = _copies(remembered, new_client)
        traveller.shift(timedelta(minutes=5))
        assert _is_logged_in(remember_copy)
        seen = db.session.scalars(select(LoginSession.last_seen_at).order_by(LoginSession.id))
        assert list(seen) == [
            start.replace(tzinfo=None),
            start.replace(tzinfo=None) + timedelta(minutes=5),
        ]
        traveller.shift(timedelta(days=32))  # past Flask's 31-day session lifetime
        assert not _is_logged_in(plain)
        assert _is_logged_in(remember_copy)
        traveller.shift(timedelta(days=340))  # past the remember-me cookie's year
        assert not _is_logged_in(remember_copy)


def test_only_a_bearer_authorization_skips_the_csrf_check(new_client, make_user):
    user = make_user("ann")
    browser = _log_in(new_client(), user)
    # A form POST with the session cookie: an Authorization header of any other scheme
    # (which a page cannot use to log in) must not stand in for the CSRF token.
    refused = browser.post(
        "/api/v1/lessons/999999/views", data={"x": "1"}, headers={"Authorization": "Basic x"}
    )
    assert refused.status_code == 400
    assert re.search("expired|another site", refused.get_json()["error"]["message"])
    with_token = browser.post(
        "/api/v1/lessons/999999/views",
        data={"x": "1"},
        headers={"Authorization": "Basic x", "X-CSRFToken": csrf_token(browser, "/account")},
    )
    assert with_token.status_code == 404  # past the CSRF check: no such lesson
