"""No input gives a 500: ids beyond every column's range, odd query strings, odd JSON."""

import re
from collections import Counter

import pytest
from werkzeug.routing import IntegerConverter

from lms.core.inputs import INT_MAX
from tests.conftest import FreshContextClient, csrf_token

ROLES = ["anonymous", "cadre", "instructor", "supervisor", "admin"]
# Beyond PostgreSQL's integer, beyond a signed 64-bit int, beyond an unsigned 64-bit int.
HUGE = [INT_MAX + 1, 2**63, 2**64, 10**40]
PLACEHOLDER = re.compile(r"<(?:[a-z]+(?:\([^)]*\))?:)?([a-z_]+)>")
QUERY_INTS = [
    "page",
    "per_page",
    "year",
    "unit",
    "unit_id",
    "course_id",
    "course",
    "category",
    "cadre_id",
    "entity_id",
    "bank_id",
    "month",
    "group",
    "band",
    "status",
    "kind",
]


@pytest.fixture
def as_role(app, make_user, make_unit):
    """``as_role(role)``: a client logged in through the form as a user of that role."""

    def _client(role):
        client = app.test_client()
        if role == "anonymous":
            return client
        unit = make_unit("City/District/Bureau")
        user = make_user(f"{role}1", roles=[role], unit=unit)
        response = client.post(
            "/login",
            data={
                "username": user.username,
                "password": "secret-pass-1",
                "csrf_token": csrf_token(client),
            },
        )
        assert response.status_code == 302
        return client

    return _client


@pytest.fixture(autouse=True)
def _fresh_client_class(app):
    app.test_client_class = FreshContextClient


def _int_rules(app):
    for rule in app.url_map.iter_rules():
        ints = [n for n, c in rule._converters.items() if isinstance(c, IntegerConverter)]
        if ints:
            yield rule, ints


def _path(rule, ints, value):
    """The rule's path with ``value`` for every integer (url_for would refuse it)."""

    def fill(match):
        name = match.group(1)
        return str(value) if name in ints else {"fmt": "csv", "table": "summary"}.get(name, "x")

    return PLACEHOLDER.sub(fill, rule.rule)


@pytest.mark.parametrize("role", ROLES)
def test_ids_beyond_every_column_are_404_on_every_int_rule(app, as_role, role):
    client = as_role(role)
    shared_paths = Counter(rule.rule for rule in app.url_map.iter_rules())
    checked = 0
    for rule, ints in _int_rules(app):
        for value in HUGE:
            path = _path(rule, ints, value)
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                response = client.open(path, method=method)
                # Werkzeug checks the method before the converter: where another rule has
                # the same path for other methods, the answer is 405 instead of 404.
                expected = {404, 405} if shared_paths[rule.rule] > 1 else {404}
                assert response.status_code in expected, (method, path, response.status_code)
                checked += 1
    assert checked > 400


def test_the_largest_id_a_column_holds_is_an_ordinary_miss(client, app, as_role):
    client = as_role("admin")
    assert client.get(f"/courses/{INT_MAX}").status_code == 404
    assert client.get(f"/api/v1/courses/{INT_MAX}").get_json()["error"]["code"] == "not_found"
    assert client.get(f"/org/units/{INT_MAX}").status_code == 404


@pytest.mark.parametrize("role", ROLES)
def test_odd_integers_in_query_strings_never_give_a_500(app, as_role, role):
    client = as_role(role)
    rules = [
        r
        for r in app.url_map.iter_rules()
        # /healthz reads no query and answers 503 by design while no job consumer runs.
        if "GET" in r.methods and not r.arguments and r.endpoint not in {"static", "home.health"}
    ]
    assert len(rules) > 30
    failed = []
    for value in (str(2**64), str(INT_MAX + 1), "²", "-1", "1e3"):
        query = "&".join(f"{name}={value}" for name in QUERY_INTS)
        for rule in rules:
            response = client.get(f"{rule.rule}?{query}")
            if response.status_code >= 500:
                failed.append((rule.rule, value))
    assert failed == [], "\n".join(map(str, failed))


def test_api_query_integers_out_of_range_are_400_json(as_role):
    client = as_role("admin")
    for path in (
        f"/api/v1/courses?page={2**64}",
        f"/api/v1/courses?per_page={2**64}",
        f"/api/v1/courses?page={INT_MAX + 1}",
        f"/api/v1/me/progress?year={2**64}",
        f"/api/v1/reports/units?year={2**64}",
    ):
        response = client.get(path)
        assert response.status_code == 400, path
        assert response.get_json()["error"]["code"] == "bad_request"


def _nested(depth):
    return "[" * depth + "]" * depth


def _token_response(client, body):
    return client.post("/api/v1/auth/token", data=body, content_type="application/json")


@pytest.mark.parametrize("depth", [40, 100_000])
def test_deeply_nested_json_on_the_token_endpoint_is_400(client, make_user, depth):
    make_user("ann")
    response = _token_response(client, _nested(depth))
    assert response.status_code == 400
    assert response.get_json()["error"]["message"] == "The JSON is nested too deeply."
    body = '{"username": "ann", "password": "secret-pass-1", "name": ' + _nested(depth) + "}"
    assert _token_response(client, body).status_code == 400


def test_lone_surrogate_or_invalid_utf8_on_the_token_endpoint_is_400(client, make_user):
    make_user("ann")
    lone = _token_response(client, '{"username": "\\ud800ann", "password": "x"}')
    assert lone.status_code == 400
    assert "not valid Unicode" in lone.get_json()["error"]["message"]
    key = _token_response(client, '{"\\udfff": 1, "username": "ann", "password": "x"}')
    assert key.status_code == 400
    invalid = _token_response(client, b'{"username": "\xed\xa0\x80", "password": "x"}')
    assert invalid.status_code == 400
    assert invalid.get_json()["error"]["code"] == "bad_request"


def test_a_nul_character_in_json_is_400_on_both_databases(client, make_user):
    # PostgreSQL's text cannot hold U+0000 (a 500 there, found by Schemathesis); SQLite's can:
    # one rule for both, as for lone surrogates.
    make_user("ann")
    nul = _token_response(client, '{"username": "\\u0000ann", "password": "x"}')
    assert nul.status_code == 400
    assert "NUL" in nul.get_json()["error"]["message"]
    key = _token_response(client, '{"a\\u0000": 1, "username": "ann", "password": "x"}')
    assert key.status_code == 400


def test_a_nul_character_in_a_form_or_query_is_400_on_both_databases(client, make_user):
    make_user("ann")
    response = _form(client, "/login", b"username=%00ann&password=x")
    assert response.status_code == 400
    assert "NUL" in response.get_data(as_text=True)
    assert client.get("/login?next=%00").status_code == 400


def _form(client, path, fields: bytes):
    token = csrf_token(client, path).encode()
    return client.post(
        path,
        data=fields + b"&csrf_token=" + token,
        content_type="application/x-www-form-urlencoded",
    )


def test_lone_surrogate_username_on_the_login_form_is_an_ordinary_failure(client, make_user):
    make_user("ann")
    # A lone surrogate percent-encoded (as UTF-8 would encode one, if it could) or as raw bytes.
    for raw in (b"%ED%A0%80ann", b"%F0%90%80"):
        response = _form(client, "/login", b"username=" + raw + b"&password=x")
        assert response.status_code in (200, 401), raw  # the form again, as for a wrong password
        assert "not correct" in response.get_data(as_text=True)
    raw_bytes = _form(client, "/login", b"username=\xed\xa0\x80ann&password=x")
    assert raw_bytes.status_code == 400


def test_lone_surrogate_username_on_admin_create_user_is_refused(client, make_user, login):
    from sqlalchemy import func, select

    from lms.accounts.models import User
    from lms.extensions import db

    login(make_user("root", roles=["admin"]))
    before = db.session.scalar(select(func.count(User.id)))
    rest = b"&display_name=Bob&roles=cadre&password=secret-pass-1"
    encoded = _form(client, "/admin/users/new", b"username=%ED%A0%80bob" + rest)
    assert encoded.status_code == 400  # the form again, with the username's rule
    assert "Use letters, digits" in encoded.get_data(as_text=True)
    raw_bytes = _form(client, "/admin/users/new", b"username=\xed\xa0\x80bob" + rest)
    assert raw_bytes.status_code == 400
    assert db.session.scalar(select(func.count(User.id))) == before


def test_ids_beyond_the_columns_in_a_form_are_refused_not_a_500(client, make_user, make_unit, post):
    unit = make_unit("City/District")
    make_user("cadre1", unit=unit)
    client_login = make_user("sup", roles=["supervisor"], unit=unit)
    response = client.post(
        "/login",
        data={
            "username": client_login.username,
            "password": "secret-pass-1",
            "csrf_token": csrf_token(client),
        },
    )
    assert response.status_code == 302
    forms = {
        "/offline/new": {
            "training_type": "party_school",
            "title": "Class",
            "provider": "Party school",
            "start_date": "2026-03-02",
            "end_date": "2026-03-06",
            "days": "5",
        },
        "/offline/exemptions/new": {
            "kind": "illness",
            "start_date": "2026-03-02",
            "end_date": "2026-03-06",
            "effect": "prorate",
        },
    }
    for path, fields in forms.items():
        for value in (str(2**64), str(INT_MAX + 1), "²"):
            response = post(path, {**fields, "cadre_ids": value}, token_page=path)
            assert response.status_code < 500, (path, value)
            assert "form has expired" not in response.get_data(as_text=True)
