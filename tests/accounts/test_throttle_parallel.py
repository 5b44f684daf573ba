"""Login throttling under parallel attempts, on memory and Redis storage, through HTTP.

Each thread has its own test client (its own cookie jar, app context and database session)
and they fire at one barrier, as a script guessing passwords in parallel would.
"""

import os
import re
import threading
import uuid

import pytest
import redis
from flask.testing import FlaskClient

from lms import create_app
from lms.accounts.models import User
from lms.extensions import db
from tests.conftest import csrf_token

REDIS_URL = os.environ.get("LMS_TEST_REDIS_URL")
ATTEMPTS = 40


@pytest.fixture(params=["memory", "redis"])
def storage_app(request, app, tmp_path):
    """The app on memory storage (both databases), or a second app counting in Redis."""
    if request.param == "memory":
        yield app
        return
    if not REDIS_URL:
        pytest.skip("LMS_TEST_REDIS_URL is not set")
    prefix = f"lms-test-{uuid.uuid4().hex[:8]}"
    redis_app = create_app(
        {
            **{key: app.config[key] for key in ("TESTING", "SECRET_KEY", "MEDIA_ROOT")},
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "REDIS_URL": REDIS_URL,
            "RATELIMIT_KEY_PREFIX": prefix,
            "LOGIN_LIMIT_ACCOUNT": "5 per minute",
            "LOGIN_LIMIT_ADDRESS": "20 per minute",
            "DEFAULT_LOCALE": "en",
        }
    )
    assert redis_app.config["RATELIMIT_STORAGE_URI"] == REDIS_URL
    server = redis.Redis.from_url(REDIS_URL)
    try:
        with redis_app.app_context():
            yield redis_app
            db.session.remove()
            db.engine.dispose()
    finally:
        for key in server.scan_iter(f"*{prefix}*"):
            server.delete(key)


def _fire(app, attempts):
    """Post every (username, password) in ``attempts`` at once; the responses in order."""
    app.test_client_class = FlaskClient  # each thread's request pushes its own app context
    clients = [app.test_client() for _ in attempts]
    tokens = []
    for client in clients:
        with app.app_context():  # its own ``g``: Flask-WTF caches the token there
            tokens.append(csrf_token(client))
    barrier = threading.Barrier(len(attempts))
    responses = [None] * len(attempts)

    def attempt(index):
        username, password = attempts[index]
        data = {"username": username, "password": password, "csrf_token": tokens[index]}
        barrier.wait()
        responses[index] = clients[index].post("/login", data=data)

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(len(attempts))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return responses


@pytest.fixture
def evaluated(monkeypatch):
    """How many passwords were actually checked (counted in ``User.check_password``)."""
    calls = []
    lock = threading.Lock()
    original = User.check_password

    def counting(self, password):
        with lock:
            calls.append(self.username)
        return original(self, password)

    monkeypatch.setattr(User, "check_password", counting)
    return calls


def test_parallel_wrong_passwords_are_evaluated_at_most_the_limit(
    storage_app, make_user, evaluated
):
    make_user("ann")
    responses = _fire(storage_app, [("ann", f"guess-{i}") for i in range(ATTEMPTS)])
    statuses = [response.status_code for response in responses]
    assert len(evaluated) <= 5, f"{len(evaluated)} passwords checked against a limit of 5"
    assert statuses.count(401) == len(evaluated)
    assert statuses.count(429) == ATTEMPTS - len(evaluated)
    assert len(evaluated) >= 1


def test_a_locked_account_does_not_lock_the_address_for_others(storage_app, make_user):
    make_user("ann")
    make_user("bob")
    # Someone behind the office's address keeps hammering ann far beyond the address limit.
    responses = _fire(storage_app, [("ann", f"guess-{i}") for i in range(ATTEMPTS)])
    assert sum(response.status_code == 429 for response in responses) >= ATTEMPTS - 5
    (response,) = _fire(storage_app, [("bob", "secret-pass-1")])
    assert response.status_code == 302, "bob is locked out by ann's lock"
    # Guessing across many accounts is what the (generous) address limit stops.
    sprayed = _fire(storage_app, [(f"user-{i}", "guess") for i in range(30)])
    assert sum(response.status_code == 401 for response in sprayed) <= 20 - 5
    (response,) = _fire(storage_app, [("bob", "secret-pass-1")])
    assert response.status_code == 429


def test_the_refusal_says_how_long_to_wait(storage_app, make_user):
    make_user("ann")
    _fire(storage_app, [("ann", "guess")] * 5)
    (response,) = _fire(storage_app, [("ann", "secret-pass-1")])
    assert response.status_code == 429
    wait = int(response.headers["Retry-After"])
    assert 1 <= wait <= 60
    text = response.get_data(as_text=True)
    found = re.search(r"Too many attempts. Try again in (\d+) seconds?\.", text)
    assert found, text[:2000]
    assert abs(int(found.group(1)) - wait) <= 1


def test_the_wait_is_said_in_chinese(app, client, make_user):
    make_user("ann")
    for _ in range(5):
        data = {"username": "ann", "password": "bad", "csrf_token": csrf_token(client)}
        client.post("/login", data=data, headers={"Accept-Language": "zh-CN"})
    data = {"username": "ann", "password": "bad", "csrf_token": csrf_token(client)}
    response = client.post("/login", data=data, headers={"Accept-Language": "zh-CN"})
    assert response.status_code == 429
    found = re.search(r"尝试次数过多，请 (\d+) 秒后再试。", response.get_data(as_text=True))
    assert found and int(found.group(1)) == int(response.headers["Retry-After"])


def test_token_endpoint_counts_before_checking_and_says_how_long(storage_app, make_user):
    make_user("ann")
    client = storage_app.test_client()
    statuses = [
        client.post("/api/v1/auth/token", json={"username": "ann", "password": "bad"}).status_code
        for _ in range(6)
    ]
    assert statuses == [401] * 5 + [429]
    response = client.post(
        "/api/v1/auth/token", json={"username": "ann", "password": "secret-pass-1"}
    )
    assert response.status_code == 429
    assert 1 <= int(response.headers["Retry-After"]) <= 60
    assert "Try again in" in response.get_json()["error"]["message"]


def test_parallel_wrong_passwords_against_a_live_server(live_server, make_user, evaluated):
    """The same through real HTTP: waitress serving the app, one cookie jar per thread."""
    import http.cookiejar
    import urllib.error
    import urllib.parse
    import urllib.request

    make_user("ann")
    db.session.commit()
    openers, tokens = [], []
    for _ in range(ATTEMPTS):
        opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )
        html = opener.open(f"{live_server}/login").read().decode()
        tokens.append(re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1))
        openers.append(opener)
    barrier = threading.Barrier(ATTEMPTS)
    statuses = [None] * ATTEMPTS

    def attempt(index):
        body = urllib.parse.urlencode(
            {"username": "ann", "password": f"guess-{index}", "csrf_token": tokens[index]}
        ).encode()
        barrier.wait()
        try:
            statuses[index] = openers[index].open(f"{live_server}/login", data=body).status
        except urllib.error.HTTPError as error:
            statuses[index] = error.code

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(ATTEMPTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(evaluated) <= 5, f"{len(evaluated)} passwords checked against a limit of 5"
    assert statuses.count(401) == len(evaluated) >= 1
    assert statuses.count(429) == ATTEMPTS - len(evaluated)
