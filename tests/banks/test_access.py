"""Who may use the bank pages: instructors their own banks, admins all; others 403 or 404."""

import pytest
from sqlalchemy import select

from lms.banks.models import Bank
from lms.extensions import db
from tests.banks.conftest import add_question, question_count
from tests.conftest import csrf_token


@pytest.fixture
def world(make_user):
    owner = make_user("owner", roles=["instructor"])
    bank = Bank(title="Owner's bank", owner=owner)
    db.session.add(bank)
    db.session.commit()
    question = add_question(bank)
    return {"owner": owner, "bank": bank, "question": question}


def bank_urls(app, bank_id, question_id, bank_only=False):
    """(endpoint, method, url) for every banks endpoint; ``bank_only`` keeps those of a bank."""
    found = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if not rule.endpoint.startswith("banks."):
                continue
            if bank_only and "bank_id" not in rule.arguments:
                continue
            values = {"bank_id": bank_id, "question_id": question_id, "ext": "csv"}
            url = app.url_map.bind("localhost").build(
                rule.endpoint, {k: v for k, v in values.items() if k in rule.arguments}
            )
            found.append((rule.endpoint, "GET" if "GET" in rule.methods else "POST", url))
    return sorted(found, key=lambda r: (r[1] == "POST", "delete" in r[0]))


def send(client, method, url):
    if method == "GET":
        return client.get(url)
    return client.post(url, data={"csrf_token": csrf_token(client, "/account")})


@pytest.mark.parametrize("role", ["cadre", "supervisor"])
def test_other_roles_are_refused(app, client, login, make_user, world, role):
    login(make_user(f"a_{role}", roles=[role]))
    for endpoint, method, url in bank_urls(app, world["bank"].id, world["question"].id):
        assert send(client, method, url).status_code == 403, endpoint


def test_another_instructors_bank_does_not_exist_for_them(app, client, login, make_user, world):
    login(make_user("stranger", roles=["instructor"]))
    for endpoint, method, url in bank_urls(app, world["bank"].id, world["question"].id, True):
        assert send(client, method, url).status_code == 404, endpoint
    assert question_count() == 1
    assert "Owner&#39;s bank" not in client.get("/banks/").get_data(as_text=True)


def test_owner_and_admin_reach_every_page(app, client, login, make_user, world):
    for user in (world["owner"], make_user("root", roles=["admin"])):
        login(user)
        for endpoint, method, url in bank_urls(app, world["bank"].id, world["question"].id):
            if "delete" in endpoint:
                continue
            response = send(client, method, url)
            assert response.status_code < 400, (endpoint, response.status_code)
        client.post("/logout", data={"csrf_token": csrf_token(client, "/account")})


def test_a_question_of_another_bank_is_404(client, login, world, make_user):
    owner = world["owner"]
    mine = Bank(title="Second", owner=owner)
    db.session.add(mine)
    db.session.commit()
    login(owner)
    url = f"/banks/{mine.id}/questions/{world['question'].id}"
    assert client.get(url).status_code == 404
    assert db.session.scalar(select(Bank).where(Bank.id == mine.id)) is not None
