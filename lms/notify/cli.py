"""Command line: send the outbox's due mail now."""

import click
from flask.cli import with_appcontext

from lms.notify.services import deliver_due


@click.command("send-mail")
@with_appcontext
def send_mail_command():
    """Send the outbox's due mail now (the job queue also does so every minute)."""
    counts = deliver_due()
    click.echo(f"sent {counts['sent']}, to retry {counts['retrying']}, failed {counts['failed']}")
