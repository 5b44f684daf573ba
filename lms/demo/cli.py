"""``flask --app lms seed-demo``."""

import click
from flask.cli import with_appcontext

from lms.demo.services import seed_demo
from lms.extensions import db


@click.command("seed-demo")
@click.option(
    "--password", default="demo1234", show_default=True, help="Password for every demo user."
)
@click.option(
    "--no-media", is_flag=True, help="Skip making and processing the demo lectures' media."
)
@with_appcontext
def seed_demo_command(password, no_media):
    """Create (or refresh) the demo units, users and cadres; safe to run again."""
    summary = seed_demo(password, with_media=not no_media)
    db.session.commit()  # a CLI command is not a request: the seeded demo is kept here
    click.echo(summary)
