"""Fixtures for the admin's user pages: a logged-in admin and logging in other clients."""

import pytest

from tests.conftest import csrf_token


@pytest.fixture
def admin(make_user, login):
    """An administrator, logged in on ``client``."""
    user = make_user("root", roles=["admin"], display_name="Root Admin")
    login(user)
    return user


def log_in(client, username, password="secret-pass-1"):
    """Log ``client`` in through the real form; returns the response."""
    token = csrf_token(client)
    return client.post(
        "/login", data={"username": username, "password": password, "csrf_token": token}
    )


def form_data(**overrides):
    """A valid new-user form (a cadre needs a unit: pass ``unit_id``)."""
    data = {
        "username": "newbie",
        "display_name": "New Bie",
        "email": "",
        "phone": "",
        "preferred_language": "",
        "roles": ["instructor"],
        "unit_id": "",
        "password": "",
        "personnel_number": "",
        "category_id": "",
        "rank": "",
        "position": "",
    }
    data.update(overrides)
    return data


def deactivated(user):
    """Mark ``user`` deactivated in the database (as an earlier admin action would)."""
    from lms.extensions import db

    user.is_active_account = False
    db.session.commit()
    return user
