"""Bring a database up to date: migrations, the standard categories, the demo when empty.

``run.py`` does this on start (``LMS_MIGRATE_ON_START``, on by default); a deployment of several
processes runs ``flask --app lms prepare-db`` once per release instead (the oneshot
``deploy/systemd/lms-migrate.service``) and starts its web processes with the setting off.
Either way, processes that prepare one PostgreSQL database at once take turns: the migrations
(``migrations/env.py``) and the data steps here each hold a transaction-scoped advisory lock,
which PgBouncer's transaction pooling keeps (a session-level lock it would not).
"""

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from flask_migrate import upgrade
from sqlalchemy import func, select, text

from lms.accounts.models import User
from lms.demo.services import seed_demo
from lms.extensions import db
from lms.org.categories import ensure_default_categories

# pg_advisory_xact_lock's key: any constant the platform uses for nothing else ("lms-migr").
MIGRATION_LOCK_KEY = 0x6C6D732D6D696772


def lock_for_migrations(connection) -> None:
    """Wait for other processes preparing this PostgreSQL database, until the transaction ends
    (nothing on SQLite: one machine, whose writers take turns already)."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})


def prepare_database(app: Flask, seed_when_empty: bool = True) -> str | None:
    """Migrate, add the standard categories and, outside production, seed the demo into an empty
    database. Returns what the demo seeding printed, or None."""
    with app.app_context():
        upgrade()
        lock_for_migrations(db.session.connection())
        ensure_default_categories()
        seeded = None
        # Never in production: the demo's shared password would be a way in.
        production = app.config["LMS_ENV"] == "production"
        if (
            seed_when_empty
            and not production
            and not db.session.scalar(select(func.count(User.id)))
        ):
            seeded = seed_demo()
        db.session.commit()  # start-up, not a request: the prepared data is kept here
        return seeded


@click.command("prepare-db")
@with_appcontext
def prepare_db_command():
    """Apply the migrations and add the standard categories (what run.py does on start); run
    once per release before the web processes start (deploy/systemd/lms-migrate.service)."""
    prepare_database(current_app._get_current_object(), seed_when_empty=False)
    click.echo("The database is up to date.")
