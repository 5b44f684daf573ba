"""Login throttling counts in Redis when LMS_REDIS_URL is set (shared by every process)."""

import os
import uuid

import pytest
import redis

from lms import create_app
from lms.extensions import db
from tests.conftest import FreshContextClient, csrf_token

REDIS_URL = os.environ.get("LMS_TEST_REDIS_URL")


@pytest.mark.skipif(not REDIS_URL, reason="LMS_TEST_REDIS_URL is not set")
def test_failed_logins_are_counted_in_redis(tmp_path, monkeypatch):
    monkeypatch.setenv("LMS_INSTANCE_PATH", str(tmp_path / "instance"))
    prefix = f"lms-test-{uuid.uuid4().hex[:8]}"
    settings = {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "REDIS_URL": REDIS_URL,
        "RATELIMIT_KEY_PREFIX": prefix,
        "LOGIN_LIMIT_ACCOUNT": "3 per minute",
    }
    app = create_app(settings)
    assert app.config["RATELIMIT_STORAGE_URI"] == REDIS_URL
    app.test_client_class = FreshContextClient
    server = redis.Redis.from_url(REDIS_URL)
    try:
        with app.app_context():
            db.create_all()
            from lms.accounts.services import create_user

            create_user("ann", "Ann", ["cadre"], password="secret-pass-1")
            db.session.commit()
            client = app.test_client()
            for _ in range(3):
                data = {"username": "ann", "password": "bad", "csrf_token": csrf_token(client)}
                assert client.post("/login", data=data).status_code == 401
            assert server.keys(f"*{prefix}*"), "no rate-limit keys were written to Redis"
        # A second app instance, as another process would build, shares the count.
        second = create_app(settings)
        second.test_client_class = FreshContextClient
        with second.app_context():
            other = second.test_client()
            data = {"username": "ann", "password": "secret-pass-1", "csrf_token": csrf_token(other)}
            assert other.post("/login", data=data).status_code == 429
    finally:
        for key in server.scan_iter(f"*{prefix}*"):
            server.delete(key)


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_logins_go_on_and_stay_throttled_while_redis_is_down(tmp_path, monkeypatch):
    # Nothing listens on the port: every Redis call fails to connect.
    monkeypatch.setenv("LMS_INSTANCE_PATH", str(tmp_path / "instance"))
    settings = {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "REDIS_URL": f"redis://127.0.0.1:{_free_port()}/0",
        "RATELIMIT_KEY_PREFIX": f"lms-test-{uuid.uuid4().hex[:8]}",
        "LOGIN_LIMIT_ACCOUNT": "3 per minute",
    }
    app = create_app(settings)
    app.test_client_class = FreshContextClient
    with app.app_context():
        db.create_all()
        from lms.accounts.services import create_user

        create_user("ann", "Ann", ["cadre"], password="secret-pass-1")
        db.session.commit()
        client = app.test_client()
        good = {"username": "ann", "password": "secret-pass-1", "csrf_token": csrf_token(client)}
        assert client.post("/login", data=good).status_code == 302
        client = app.test_client()  # another browser
        for _ in range(3):
            bad = {"username": "ann", "password": "bad", "csrf_token": csrf_token(client)}
            assert client.post("/login", data=bad).status_code == 401
        good["csrf_token"] = csrf_token(client)
        refused = client.post("/login", data=good)
        assert refused.status_code == 429
        assert "尝试次数过多" in refused.get_data(as_text=True)
