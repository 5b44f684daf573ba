"""Bulk one-time passwords (issue 14): an administrator gives the users ticked on the user
list, or a unit's accounts, one-time passwords in one step, shown once on a printable sheet
or in an Excel file; the first login then asks only for the new password."""

import io
import re

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from lms.accounts.models import LoginSession, User
from lms.api.models import ApiToken
from lms.api.services import issue_token
from lms.extensions import db
from tests.conftest import csrf_token

EN = {"Accept-Language": "en"}
PAGE = "/admin/users/one-time-passwords"


@pytest.fixture
def people(make_user, make_unit):
    district = make_unit("District")
    bureau = make_unit("District/Bureau A")
    other = make_unit("Elsewhere")
    return {
        "admin": make_user("root", roles=["admin"]),
        "ann": make_user("ann", unit=bureau, display_name="Ann Li"),
        "bo": make_user("bo", unit=district, display_name="Bo Wang"),
        "cy": make_user("cy", unit=other, display_name="Cy Zhao"),
    }


def _sheet_passwords(html: str) -> dict[str, str]:
    """Username → password, read from the sheet's rows as a reader would."""
    rows = re.findall(
        r"<td><code>([^<]+)</code></td>\s*<td><code class=\"one-time\">([^<]+)</code>", html
    )
    return dict(rows)


def _log_in(client, username, password):
    if client.get("/login").status_code != 200:  # someone is logged in: log them out
        client.post("/logout", data={"csrf_token": csrf_token(client, "/account/password")})
    return client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": csrf_token(client)},
    )


def test_ticked_users_get_passwords_on_a_sheet_shown_once(client, login, post, people):
    ann, bo = people["ann"], people["bo"]
    issue_token(ann, "phone")
    db.session.commit()
    login(people["admin"])
    users_page = client.get("/admin/users/", headers=EN).get_data(as_text=True)
    assert 'form="selected-users"' in users_page  # each row can be ticked
    confirm = client.get(f"{PAGE}?user_id={ann.id}&user_id={bo.id}", headers=EN)
    text = confirm.get_data(as_text=True)
    assert "2 accounts get a new one-time password." in text
    assert "Ann Li" in text and "Bo Wang" in text and "Cy Zhao" not in text
    assert "data-confirm=" in text

    response = post(
        PAGE, {"user_id": [str(ann.id), str(bo.id)], "format": "sheet"}, token_page=PAGE
    )
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    passwords = _sheet_passwords(response.get_data(as_text=True))
    assert set(passwords) == {"ann", "bo"}
    assert len(set(passwords.values())) == 2
    db.session.expire_all()
    # Nothing keeps a password but its hash.
    assert all(
        p not in (db.session.get(User, ann.id).password_hash or "") for p in passwords.values()
    )
    assert db.session.scalar(select(ApiToken.revoked_at).where(ApiToken.user_id == ann.id))

    # The old password no longer works; the one-time one does, once, and asks for a new one.
    assert _log_in(client, "ann", "secret-pass-1").status_code == 401
    assert _log_in(client, "ann", passwords["ann"]).status_code == 302
    page = client.get("/account/password", headers=EN).get_data(as_text=True)
    assert 'name="current_password"' not in page
    assert "You logged in with a one-time password." in page
    reused = post(
        "/account/password",
        {"new_password": passwords["ann"], "confirm": passwords["ann"]},
        token_page="/account/password",
    )
    assert reused.status_code == 400
    chosen = post(
        "/account/password",
        {"new_password": "my-own-pass-9", "confirm": "my-own-pass-9"},
        token_page="/account/password",
    )
    assert chosen.status_code == 302
    assert client.get("/", headers=EN).status_code == 200
    assert _log_in(client, "ann", passwords["ann"]).status_code == 401
    assert _log_in(client, "ann", "my-own-pass-9").status_code == 302
    # Having a password of one's own, the form asks for it again.
    assert 'name="current_password"' in client.get("/account/password").get_data(as_text=True)


def test_a_units_accounts_that_never_logged_in_in_an_excel_file(client, login, post, people):
    people["bo"].last_login_at = people["bo"].created_at
    db.session.commit()
    district = people["bo"].unit
    login(people["admin"])
    query = f"{PAGE}?unit_id={district.id}&never_logged_in=1"
    text = client.get(query, headers=EN).get_data(as_text=True)
    assert "1 account gets a new one-time password." in text  # Ann, below; not Bo, not Cy
    response = post(
        PAGE,
        {"unit_id": str(district.id), "never_logged_in": "1", "format": "xlsx"},
        token_page=query,
    )
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][-1] in ("One-time password", "一次性密码")
    assert [(r[0], r[1], r[3]) for r in rows[1:]] == [("District/Bureau A", "Ann Li", "ann")]
    password = rows[1][4]
    assert _log_in(client, "ann", password).status_code == 302
    assert _log_in(client, "bo", "secret-pass-1").status_code == 302  # untouched


def test_issuing_ends_every_login_of_those_accounts(client, login, post, people, app):
    ann = people["ann"]
    other_device = app.test_client()
    other_device.post(
        "/login",
        data={
            "username": "ann",
            "password": "secret-pass-1",
            "csrf_token": csrf_token(other_device),
        },
    )
    assert other_device.get("/").status_code == 200
    login(people["admin"])
    post(PAGE, {"user_id": str(ann.id), "format": "sheet"}, token_page=PAGE)
    assert db.session.scalar(select(LoginSession.id).where(LoginSession.user_id == ann.id)) is None
    assert other_device.get("/").status_code == 302


def test_nothing_chosen_or_nobody_matching_is_refused_and_changes_nothing(
    client, login, post, people
):
    login(people["admin"])
    before = {u.id: u.password_hash for u in db.session.scalars(select(User))}
    for data in ({}, {"user_id": "abc"}, {"user_id": "999999"}, {"unit_id": "-1"}):
        response = post(PAGE, {**data, "format": "sheet"}, token_page=PAGE)
        assert response.status_code == 400, data
    # The acting administrator is never part of the batch.
    response = post(PAGE, {"user_id": str(people["admin"].id)}, token_page=PAGE)
    assert response.status_code == 400
    db.session.expire_all()
    assert {u.id: u.password_hash for u in db.session.scalars(select(User))} == before


def test_only_administrators_issue_passwords(client, login, post, people, make_user):
    login(make_user("sup", roles=["supervisor"], unit=people["bo"].unit))
    assert client.get(PAGE).status_code in (403, 404)
    response = post(PAGE, {"user_id": str(people["ann"].id)}, token_page="/")
    assert response.status_code in (403, 404)
    db.session.expire_all()
    assert db.session.get(User, people["ann"].id).check_password("secret-pass-1")
