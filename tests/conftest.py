"""Fixtures: a fresh database per test (SQLite always, PostgreSQL when configured)."""

import os
import re

import pytest
from flask.testing import FlaskClient
from sqlalchemy import text

from lms import create_app
from lms.extensions import db


def _worker_database(url: str | None) -> str | None:
    """Under pytest-xdist each worker gets its own PostgreSQL database (``test_gw0`` ...),
    created when missing, since every test empties the tables of the one it uses."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not url or not worker:
        return url
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    name = f"{make_url(url).database}_{worker}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        found = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
        if found.first() is None:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(url).set(database=name).render_as_string(hide_password=False)


PG_URL = _worker_database(os.environ.get("LMS_TEST_DATABASE_URL"))
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])
_pg_schema_ready = False


def _reset_postgresql():
    """Create the schema once per run, then empty every table before each test."""
    global _pg_schema_ready
    if not _pg_schema_ready:
        db.drop_all()
        with db.engine.begin() as conn:
            conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
        db.create_all()
        _pg_schema_ready = True
    tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
    with db.engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


@pytest.fixture(scope="session", autouse=True)
def compiled_translations():
    """Compile the .po catalogues, so tests see the translations as they are in the tree."""
    from pathlib import Path

    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for po_path in (Path(__file__).parent.parent / "lms" / "translations").glob(
        "*/LC_MESSAGES/*.po"
    ):
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file)
        # Written aside and renamed: parallel workers never read a half-written catalogue.
        partial = po_path.with_suffix(f".mo.{os.getpid()}")
        with partial.open("wb") as mo_file:
            write_mo(mo_file, catalog)
        os.replace(partial, po_path.with_suffix(".mo"))


@pytest.fixture(params=BACKENDS)
def app(request, tmp_path, monkeypatch):
    """The app on a fresh database of each configured backend."""
    monkeypatch.setenv("LMS_INSTANCE_PATH", str(tmp_path / "instance"))
    for name in list(os.environ):
        if name.startswith("LMS_") and name not in {"LMS_INSTANCE_PATH", "LMS_TEST_DATABASE_URL"}:
            monkeypatch.delenv(name)
    url = PG_URL if request.param == "postgresql" else f"sqlite:///{tmp_path / 'test.sqlite3'}"
    application = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret-key-that-is-long-enough-0123456789",
            "SQLALCHEMY_DATABASE_URI": url,
            "MEDIA_ROOT": str(tmp_path / "media"),
            "LOGIN_LIMIT_ACCOUNT": "5 per minute",
            "LOGIN_LIMIT_ADDRESS": "20 per minute",
            "RATELIMIT_STORAGE_URI": "memory://",
            # Tests read English text; tests/core/test_i18n.py checks the Chinese default.
            "DEFAULT_LOCALE": "en",
        }
    )
    with application.app_context():
        if request.param == "postgresql":
            _reset_postgresql()
        else:
            db.create_all()
        yield application
        db.session.remove()
        db.engine.dispose()


class FreshContextClient(FlaskClient):
    """Each request runs in its own app context, with its own ``g`` and database session.

    The test itself holds an app context for its own queries; without this, requests would
    share that context's session and ``g`` (and Flask-Login's cached user) with the test and
    with each other. The test's transaction is committed around each request so the request
    sees what the test set up and the test then reads what the request wrote.
    """

    def open(self, *args, **kwargs):
        db.session.commit()
        try:
            with self.application.app_context():
                return super().open(*args, **kwargs)
        finally:
            db.session.commit()


@pytest.fixture
def client(app):
    app.test_client_class = FreshContextClient
    return app.test_client()


@pytest.fixture
def make_unit(app):
    """``make_unit("District/Bureau")`` creates the path and returns its last unit."""
    from lms.org.tree import ensure_unit_path

    def _make(path="District"):
        unit, _ = ensure_unit_path(path)
        db.session.commit()
        return unit

    return _make


@pytest.fixture
def make_user(app):
    """``make_user("ann", roles=["supervisor"], unit=u)``; cadres get a personnel record."""
    from lms.accounts.models import Role
    from lms.accounts.services import create_user
    from lms.org.models import Cadre

    counter = {"n": 0}

    def _make(username=None, roles=("cadre",), unit=None, password="secret-pass-1", **fields):
        counter["n"] += 1
        username = username or f"user{counter['n']}"
        user = create_user(
            username,
            fields.pop("display_name", username.title()),
            roles,
            password=password,
            unit=unit,
            **fields,
        )
        if Role.CADRE in user.roles:
            db.session.add(Cadre(user=user, personnel_number=f"P{counter['n']:05d}-{username}"))
        db.session.commit()
        return user

    return _make


CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(client, path="/login") -> str:
    """The CSRF token of the client's session, read from a real page."""
    html = client.get(path).get_data(as_text=True)
    match = CSRF_RE.search(html)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


@pytest.fixture
def login(client):
    """``login(user)`` logs the test client in through the real form."""

    def _login(user, password="secret-pass-1"):
        token = csrf_token(client)
        response = client.post(
            "/login", data={"username": user.username, "password": password, "csrf_token": token}
        )
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return client

    return _login


@pytest.fixture
def post(client):
    """``post(url, data)`` posts a form with the session's CSRF token."""

    def _post(url, data=None, token_page="/", **kwargs):
        data = dict(data or {})
        data.setdefault("csrf_token", csrf_token(client, token_page))
        return client.post(url, data=data, **kwargs)

    return _post


def run_queued_jobs(app) -> list[str]:
    """Run every job the requests queued, as a consumer would; returns the jobs' names."""
    from lms.core.queue import get_huey

    db.session.commit()  # a consumer's own session must see, and may write, everything
    huey = get_huey(app)
    names = []
    while (task := huey.dequeue()) is not None:
        names.append(task.name.rsplit(".", 2)[-2] + "." + task.name.rsplit(".", 1)[-1])
        huey.execute(task)
    db.session.expire_all()
    return names


# One Playwright (one per thread is allowed) and one Chromium for every folder's browser tests.
from tests.browser_fixtures import (  # noqa: E402, F401
    automated_page,
    browser,
    browser_login,
    live_server,
    page,
)
