"""Who may open which /org page: admins everything, supervisors read, others nothing."""

import pytest

from lms.org.categories import create_category

READ_PAGES = [
    ("GET", "/org/units"),
    ("GET", "/org/units/{unit}"),
    ("GET", "/org/cadres/{cadre}"),
]
ADMIN_PAGES = [
    ("POST", "/org/units/new"),
    ("POST", "/org/units/{unit}/rename"),
    ("POST", "/org/units/{unit}/move"),
    ("POST", "/org/units/{unit}/delete"),
    ("GET", "/org/categories"),
    ("POST", "/org/categories/new"),
    ("GET", "/org/categories/{category}/edit"),
    ("POST", "/org/categories/{category}/edit"),
    ("POST", "/org/categories/{category}/deactivate"),
    ("POST", "/org/categories/{category}/activate"),
]


@pytest.fixture
def targets(tree, make_cadre):
    """Everything sits in the supervisor's own unit, so only the role decides."""
    cadre = make_cadre(tree.section_a1)
    category = create_category("village", "村干部", "Village cadre")
    return {"unit": tree.section_a1.id, "cadre": cadre.id, "category": category.id}


def _request(client, post, method, url):
    if method == "GET":
        return client.get(url)
    return post(url, {"name": "X", "new_name": "Y"})


@pytest.mark.parametrize(("method", "url"), READ_PAGES + ADMIN_PAGES)
@pytest.mark.parametrize("role", ["cadre", "instructor"])
def test_cadres_and_instructors_get_403_everywhere(
    client, login, post, make_user, tree, targets, role, method, url
):
    login(make_user("someone", roles=[role], unit=tree.section_a1))
    assert _request(client, post, method, url.format(**targets)).status_code == 403


@pytest.mark.parametrize(("method", "url"), ADMIN_PAGES)
def test_supervisors_get_403_on_admin_pages(
    client, login, post, supervisor_a, targets, method, url
):
    login(supervisor_a)
    assert _request(client, post, method, url.format(**targets)).status_code == 403


@pytest.mark.parametrize(("method", "url"), READ_PAGES)
def test_supervisors_read_in_their_scope(client, login, supervisor_a, targets, method, url):
    login(supervisor_a)
    assert client.get(url.format(**targets)).status_code == 200


@pytest.mark.parametrize(("method", "url"), READ_PAGES + ADMIN_PAGES)
def test_anonymous_is_sent_to_login(client, post, targets, method, url):
    if method == "GET":
        response = client.get(url.format(**targets))
    else:
        response = post(url.format(**targets), token_page="/login")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_admin_reaches_every_read_page(client, login, admin, targets):
    login(admin)
    for url in ("/org/units", "/org/units/{unit}", "/org/cadres/{cadre}", "/org/categories"):
        assert client.get(url.format(**targets)).status_code == 200, url
