"""The demo: idempotent seeding, and each demo role logs in to pages made for it."""

import pytest
from sqlalchemy import func, select

from lms.accounts.models import User
from lms.demo.services import seed_demo
from lms.extensions import db
from lms.org.models import Cadre, Unit


def _counts():
    return tuple(db.session.scalar(select(func.count(model.id))) for model in (User, Unit, Cadre))


def test_seed_demo_is_idempotent(app):
    seed_demo("pw-12345678")
    db.session.commit()
    first = _counts()
    seed_demo("pw-12345678")
    db.session.commit()
    assert _counts() == first
    users, units, cadres = first
    assert users == 23 and cadres == 20 and units >= 9
    depth = db.session.scalar(select(func.max(Unit.depth)))
    assert depth >= 2  # at least three levels
    categories = db.session.scalar(select(func.count(func.distinct(Cadre.category_id))))
    assert categories >= 4


def test_seed_demo_command(app):
    result = app.test_cli_runner().invoke(args=["seed-demo", "--password", "another-pass"])
    assert result.exit_code == 0, result.output
    assert "cadre1..cadre20" in result.output
    db.session.expire_all()
    assert db.session.scalar(select(User).where(User.username == "cadre7")).check_password(
        "another-pass"
    )


@pytest.mark.parametrize(
    ("username", "expected", "absent"),
    [
        ("admin", ["Manage users", "Units and cadres"], ["My study"]),
        ("supervisor", ["You supervise 未央区", "Units and cadres"], ["Manage users"]),
        ("instructor", ["My teaching"], ["Units and cadres", "Manage users"]),
        ("cadre3", ["My study", "WY0003"], ["Units and cadres", "Manage users"]),
    ],
)
def test_each_demo_role_sees_its_own_home(app, client, login, username, expected, absent):
    seed_demo("demo1234")
    db.session.commit()
    user = db.session.scalar(select(User).where(User.username == username))
    login(user, password="demo1234")
    page = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    for text in expected:
        assert text in page
    for text in absent:
        assert text not in page
