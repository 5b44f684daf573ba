import pytest

from tests.conftest import csrf_token

PAGES = [
    ("GET", "/admin/users/"),
    ("GET", "/admin/users/new"),
    ("POST", "/admin/users/new"),
    ("GET", "/admin/users/{id}"),
    ("GET", "/admin/users/{id}/edit"),
    ("POST", "/admin/users/{id}/edit"),
    ("POST", "/admin/users/{id}/deactivate"),
    ("POST", "/admin/users/{id}/reactivate"),
    ("POST", "/admin/users/{id}/reset-password"),
    ("POST", "/admin/users/{id}/tokens/{token}/revoke"),
]


@pytest.fixture
def target(make_user, make_unit):
    """A user to act on, with an API token; returns (user id, token id)."""
    from lms.api.services import issue_token
    from lms.extensions import db

    user = make_user("target", roles=["instructor"])
    _, token = issue_token(user)
    db.session.commit()
    return user.id, token.id


def _request(client, method, url, token_page="/"):
    if method == "GET":
        return client.get(url)
    # A real CSRF token, so the refusal comes from the role check and not the CSRF check.
    return client.post(url, data={"csrf_token": csrf_token(client, token_page)})


@pytest.mark.parametrize("role", ["supervisor", "instructor", "cadre"])
@pytest.mark.parametrize(("method", "path"), PAGES)
def test_other_roles_get_403(client, make_user, make_unit, login, target, role, method, path):
    user = make_user("someone", roles=[role], unit=make_unit())
    login(user)
    url = path.format(id=target[0], token=target[1])
    assert _request(client, method, url).status_code == 403


@pytest.mark.parametrize(("method", "path"), PAGES)
def test_anonymous_is_sent_to_login(client, target, method, path):
    url = path.format(id=target[0], token=target[1])
    response = _request(client, method, url, token_page="/login")
    assert response.status_code == 302
    assert "/login?next=" in response.headers["Location"]
