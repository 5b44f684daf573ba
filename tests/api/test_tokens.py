"""The API: tokens for credentials, bearer authentication, JSON errors, revocation."""

from datetime import timedelta

from sqlalchemy import func, select

from lms.accounts.models import User
from lms.api.models import ApiToken
from lms.api.services import hash_token
from lms.extensions import db


def _token(client, username="ann", password="secret-pass-1"):
    return client.post("/api/v1/auth/token", json={"username": username, "password": password})


def _count_tokens():
    return db.session.scalar(select(func.count(ApiToken.id)))


def test_token_for_good_credentials_authenticates_me(client, make_user, make_unit):
    unit = make_unit("District/Finance Bureau")
    make_user("ann", roles=["cadre", "supervisor"], unit=unit)
    response = _token(client)
    assert response.status_code == 201
    body = response.get_json()
    assert set(body) == {"token", "expires_at"}
    assert body["expires_at"].endswith("Z")
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {body['token']}"})
    assert me.status_code == 200
    data = me.get_json()
    assert data["username"] == "ann"
    assert data["roles"] == ["cadre", "supervisor"]
    assert data["unit"]["path"] == "District/Finance Bureau"
    assert data["cadre"]["personnel_number"].endswith("ann")


def test_token_is_stored_hashed(client, make_user):
    make_user("ann")
    raw = _token(client).get_json()["token"]
    stored = db.session.scalar(select(ApiToken.token_hash))
    assert stored == hash_token(raw)
    assert raw not in stored


def test_bad_credentials_get_401_json_and_no_token(client, make_user):
    make_user("ann")
    response = _token(client, password="wrong")
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "invalid_credentials"
    assert _count_tokens() == 0


def test_bad_bodies_get_400_json_and_no_token(client, make_user):
    make_user("ann")
    cases = [
        client.post("/api/v1/auth/token", data="not json", content_type="application/json"),
        client.post("/api/v1/auth/token", json=["ann", "secret-pass-1"]),
        client.post("/api/v1/auth/token", json={"username": "ann"}),
        client.post("/api/v1/auth/token", json={"username": 5, "password": 6}),
    ]
    for response in cases:
        assert response.status_code == 400
        error = response.get_json()["error"]
        assert error["code"] == "bad_request" and error["message"]
    assert _count_tokens() == 0


def test_token_endpoint_is_throttled_like_the_login_form(client, make_user):
    make_user("ann")
    for _ in range(5):
        assert _token(client, password="guess").status_code == 401
    response = _token(client)
    assert response.status_code == 429
    assert response.get_json()["error"]["code"] == "too_many_requests"


def test_api_without_or_with_a_bad_token_is_401_json(client, make_user):
    make_user("ann")
    for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic abc"}):
        response = client.get("/api/v1/me", headers=headers)
        assert response.status_code == 401
        assert response.is_json
        assert response.get_json()["error"]["code"] == "unauthorized"


def test_unknown_api_path_is_json_404(client):
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_wrong_method_is_json_405(client):
    response = client.get("/api/v1/auth/token")
    assert response.status_code == 405
    assert response.get_json()["error"]["code"] == "method_not_allowed"


def test_expired_token_is_refused(client, make_user):
    make_user("ann")
    raw = _token(client).get_json()["token"]
    token = db.session.scalar(select(ApiToken))
    token.expires_at = token.created_at - timedelta(seconds=1)
    db.session.commit()
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"}).status_code == 401


def test_revoked_token_is_refused_and_revocation_is_from_the_users_page(
    client, make_user, login, post
):
    user = make_user("ann")
    raw = _token(client).get_json()["token"]
    headers = {"Authorization": f"Bearer {raw}"}
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    login(user)
    page = client.get("/account").get_data(as_text=True)
    assert "API tokens" in page and "Revoke" in page
    token = db.session.scalar(select(ApiToken))
    response = post(f"/account/tokens/{token.id}/revoke", token_page="/account")
    assert response.status_code == 302
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_cannot_revoke_someone_elses_token(client, make_user, login, post):
    make_user("bob")
    _token(client, username="bob")
    token_id = db.session.scalar(select(ApiToken.id))
    login(make_user("ann"))
    assert post(f"/account/tokens/{token_id}/revoke", token_page="/account").status_code == 404
    assert db.session.get(ApiToken, token_id).revoked_at is None


def test_deactivated_user_token_stops_working(client, make_user):
    user = make_user("ann")
    raw = _token(client).get_json()["token"]
    user.is_active_account = False
    db.session.commit()
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"}).status_code == 401


def test_session_login_reaches_the_api(client, make_user, login):
    login(make_user("ann"))
    assert client.get("/api/v1/me").get_json()["username"] == "ann"
    # A bad bearer token is judged alone, even when a session cookie is present.
    assert client.get("/api/v1/me", headers={"Authorization": "Bearer x"}).status_code == 401


def test_last_used_is_recorded(client, make_user):
    make_user("ann")
    raw = _token(client).get_json()["token"]
    client.get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"})
    db.session.expire_all()
    assert db.session.scalar(select(ApiToken.last_used_at)) is not None


def test_changing_the_password_revokes_the_users_tokens(client, make_user, login, post):
    make_user("ann")
    raw = _token(client).get_json()["token"]
    headers = {"Authorization": f"Bearer {raw}"}
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    login(db.session.scalar(select(User).filter_by(username="ann")))
    response = post(
        "/account/password",
        {
            "current_password": "secret-pass-1",
            "new_password": "new-pass-22",
            "confirm": "new-pass-22",
        },
    )
    assert response.status_code == 302
    assert client.get("/api/v1/me", headers=headers).status_code == 401
    # A token asked for with the new password works.
    fresh = _token(client, password="new-pass-22").get_json()["token"]
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {fresh}"}).status_code == 200
