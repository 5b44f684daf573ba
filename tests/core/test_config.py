"""Settings: environment overrides, the secret key rules, SQLite tuning."""

import os
from pathlib import Path

import pytest
from sqlalchemy import text

import config
from lms import create_app
from lms.extensions import db


@pytest.fixture
def clean_env(monkeypatch, tmp_path):
    for name in list(os.environ):
        if name.startswith("LMS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("LMS_INSTANCE_PATH", str(tmp_path / "instance"))
    return monkeypatch


def test_environment_overrides_settings(clean_env, tmp_path):
    clean_env.setenv("LMS_TIMEZONE", "Asia/Urumqi")
    clean_env.setenv("LMS_PAGE_SIZE", "7")
    clean_env.setenv("LMS_SECURE_COOKIES", "yes")
    clean_env.setenv("LMS_MEDIA_ROOT", str(tmp_path / "m"))
    app = create_app()
    assert app.config["TIMEZONE"] == "Asia/Urumqi"
    assert app.config["PAGE_SIZE"] == 7
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["MEDIA_ROOT"] == str(tmp_path / "m")
    assert app.config["DEFAULT_LOCALE"] == "zh_CN"


def test_a_bad_number_in_the_environment_is_a_clear_error(clean_env):
    clean_env.setenv("LMS_PORT", "eighty")
    with pytest.raises(RuntimeError, match="LMS_PORT"):
        create_app()


def test_default_database_is_sqlite_in_the_instance_folder(clean_env, tmp_path):
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == (
        f"sqlite:///{tmp_path / 'instance' / 'lms.sqlite3'}"
    )


def test_development_key_is_generated_once_and_kept(clean_env, tmp_path):
    first = create_app().config["SECRET_KEY"]
    second = create_app().config["SECRET_KEY"]
    assert first == second and len(first) >= 32
    assert (tmp_path / "instance" / "secret_key").read_text().strip() == first


@pytest.mark.parametrize("key", [None, "short-key"])
def test_production_refuses_a_missing_or_short_key(clean_env, key):
    clean_env.setenv("LMS_ENV", "production")
    if key:
        clean_env.setenv("LMS_SECRET_KEY", key)
    with pytest.raises(RuntimeError, match="LMS_SECRET_KEY"):
        create_app()


def test_production_accepts_a_strong_key_and_sets_secure_cookies(clean_env):
    clean_env.setenv("LMS_ENV", "production")
    clean_env.setenv("LMS_SECRET_KEY", "x" * 48)
    app = create_app()
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["REMEMBER_COOKIE_SECURE"] is True


def test_every_setting_is_documented_in_the_readme():
    readme = Path(config.__file__).with_name("README.md")
    text_ = readme.read_text(encoding="utf-8")
    missing = [s.env for s in config.SETTINGS if f"`{s.env}`" not in text_]
    assert not missing, f"settings missing from the README: {missing}"


def test_sqlite_connections_are_tuned(app):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite only")
    with db.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() >= 5000
