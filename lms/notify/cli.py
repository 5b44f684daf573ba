"""Command line: send the outbox's due mail now."""

import click
from flask.cli import with_appcontext

from lms.core.timeutil import local_today
from lms.extensions import db
from lms.notify.reminders import send_weekly_reminders
from lms.notify.services import deliver_due


@click.command("send-mail")
@with_appcontext
def send_mail_command():
    """Send the outbox's due mail now (the job queue also does so every minute)."""
    counts = deliver_due()
    click.echo(f"sent {counts['sent']}, to retry {counts['retrying']}, failed {counts['failed']}")


@click.command("send-reminders")
@click.option("--date", "on", type=click.DateTime(["%Y-%m-%d"]), help="As if today were DATE.")
@with_appcontext
def send_reminders_command(on):
    """Send this week's reminders to cadres at risk and digests to supervisors."""
    counts = send_weekly_reminders(on.date() if on else local_today())
    db.session.commit()  # a command: no request's unit of work around it
    click.echo(f"reminded {counts['cadres']} cadres, {counts['supervisors']} supervisors")
