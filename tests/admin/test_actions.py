import re

from sqlalchemy import select

from lms.accounts.models import User
from lms.api.models import ApiToken
from lms.api.services import issue_token
from lms.extensions import db
from tests.admin.conftest import deactivated, log_in

ONE_TIME_RE = re.compile(r'<code id="one-time-password">([^<]+)</code>')


def _token_for(user, name="phone"):
    raw, token = issue_token(user, name=name)
    db.session.commit()
    return raw, token.id


def _me(app, raw):
    return app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"})


def test_detail_page_shows_profile_roles_unit_cadre_and_tokens(client, admin, make_user, make_unit):
    unit = make_unit("District/Finance Bureau")
    user = make_user("ann", roles=["cadre", "instructor"], unit=unit, email="ann@example.org")
    _token_for(user, name="Ann's tablet")
    html = client.get(f"/admin/users/{user.id}").get_data(as_text=True)
    assert "ann@example.org" in html
    assert "District/Finance Bureau" in html
    assert "Cadre" in html and "Instructor" in html
    assert user.cadre.personnel_number in html
    assert "Ann&#39;s tablet" in html
    assert f"/admin/users/{user.id}/edit" in html
    assert f'action="/admin/users/{user.id}/reset-password"' in html
    assert f'action="/admin/users/{user.id}/deactivate"' in html
    assert html.count("data-confirm=") >= 3  # reset, deactivate, revoke


def test_deactivation_ends_the_session_refuses_login_and_revokes_tokens(
    app, client, admin, post, make_user, make_unit
):
    user = make_user("ann", roles=["cadre"], unit=make_unit())
    raw, _ = _token_for(user)
    assert _me(app, raw).status_code == 200
    theirs = app.test_client()
    assert log_in(theirs, "ann").status_code == 302
    assert theirs.get("/").status_code == 200

    response = post(f"/admin/users/{user.id}/deactivate")
    assert response.status_code == 302
    db.session.expire_all()
    assert not db.session.get(User, user.id).is_active_account

    # The open session stops working at its next request.
    ended = theirs.get("/")
    assert ended.status_code == 302
    assert "/login" in ended.headers["Location"]
    # A new login is refused, and the API token no longer works.
    assert log_in(app.test_client(), "ann").status_code == 401
    assert _me(app, raw).status_code == 401
    token = db.session.scalar(select(ApiToken).where(ApiToken.user_id == user.id))
    assert token.revoked_at is not None
    assert "Deactivated" in client.get(f"/admin/users/{user.id}").get_data(as_text=True)


def test_reactivation_lets_the_user_log_in_again(app, client, admin, post, make_user):
    user = deactivated(make_user("ann", roles=["instructor"]))
    assert log_in(app.test_client(), "ann").status_code == 401
    response = post(f"/admin/users/{user.id}/reactivate")
    assert response.status_code == 302
    assert log_in(app.test_client(), "ann").status_code == 302


def test_admin_cannot_deactivate_themselves(client, admin, post, make_user):
    make_user("second", roles=["admin"])
    response = post(f"/admin/users/{admin.id}/deactivate")
    assert response.status_code == 400
    assert "You cannot deactivate your own account." in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, admin.id).is_active_account
    assert client.get("/admin/users/").status_code == 200  # still logged in


def test_admin_can_deactivate_another_admin(app, client, admin, post, make_user):
    other = make_user("second", roles=["admin"])
    assert post(f"/admin/users/{other.id}/deactivate").status_code == 302
    assert log_in(app.test_client(), "second").status_code == 401


def test_reset_password_shows_a_one_time_password_that_must_be_changed(
    app, client, admin, post, make_user
):
    user = make_user("ann", roles=["instructor"])
    raw, _ = _token_for(user)
    response = post(f"/admin/users/{user.id}/reset-password")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    password = ONE_TIME_RE.search(html).group(1)
    assert password not in client.get(f"/admin/users/{user.id}").get_data(as_text=True)

    assert log_in(app.test_client(), "ann", "secret-pass-1").status_code == 401
    assert _me(app, raw).status_code == 401
    theirs = app.test_client()
    assert log_in(theirs, "ann", password).status_code == 302
    forced = theirs.get("/")
    assert forced.status_code == 302 and forced.headers["Location"].endswith("/account/password")


def test_revoke_one_token(app, client, admin, post, make_user):
    user = make_user("ann", roles=["instructor"])
    raw, token_id = _token_for(user, "old")
    kept, _ = _token_for(user, "new")
    response = post(f"/admin/users/{user.id}/tokens/{token_id}/revoke")
    assert response.status_code == 302
    assert _me(app, raw).status_code == 401
    assert _me(app, kept).status_code == 200
    assert "Revoked" in client.get(f"/admin/users/{user.id}").get_data(as_text=True)


def test_revoking_another_users_token_is_404(app, client, admin, post, make_user):
    ann = make_user("ann", roles=["instructor"])
    bob = make_user("bob", roles=["instructor"])
    raw, token_id = _token_for(bob)
    assert post(f"/admin/users/{ann.id}/tokens/{token_id}/revoke").status_code == 404
    assert post(f"/admin/users/{ann.id}/tokens/999999/revoke").status_code == 404
    assert _me(app, raw).status_code == 200


def test_actions_on_unknown_user_are_404(client, admin, post):
    for action in ("deactivate", "reactivate", "reset-password", "tokens/1/revoke"):
        assert post(f"/admin/users/999999/{action}").status_code == 404, action


def test_actions_need_get_to_be_refused(client, admin, make_user):
    user = make_user("ann", roles=["instructor"])
    assert client.get(f"/admin/users/{user.id}/deactivate").status_code == 405
    assert client.get(f"/admin/users/{user.id}/reset-password").status_code == 405
