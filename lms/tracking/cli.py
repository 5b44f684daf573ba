"""``flask --app lms totals check``: compare the credit totals with the ledger, re-total."""

import click
from flask.cli import with_appcontext

from lms.extensions import db
from lms.tracking import course_totals, recent, totals
from lms.tracking.tasks import build_recent_weeks


@click.group("totals")
def totals_cli():
    """The credit totals per cadre and statistics year, kept with the daily ledger."""


@totals_cli.command("check")
@click.option(
    "--year",
    "years",
    type=click.IntRange(2000, 2100),
    multiple=True,
    help="Statistics year to check (repeatable; default: every year).",
)
@click.option("--fix", is_flag=True, help="Re-total the years checked from the ledger.")
@click.option("--limit", default=50, show_default=True, help="Mismatches to list at most.")
@with_appcontext
def check_command(years, fix, limit):
    """Compare each cadre's totals with the sum of their ledger days, the lessons done kept
    per course with their lesson progress, and the day's sums of the forecast's recent weeks
    with the ledger; exit 1 on a mismatch.

    Run it after changing LMS_STATS_CUTOFF (years without a plan follow it) or after writing
    the ledger in bulk outside the beats; ``--fix`` rebuilds the totals of the years checked
    (all when no ``--year``) by the cut-offs as they are now, recounts every course's lessons
    done and sums today's recent weeks again.
    """
    connection = db.session.connection()
    years = sorted(years) or None
    mismatches = [
        *totals.check(connection, years),
        *course_totals.check(connection),
        *recent.check(connection),
    ]
    for mismatch in mismatches[:limit]:
        click.echo(str(mismatch))
    if len(mismatches) > limit:
        click.echo(f"... and {len(mismatches) - limit} more")
    if fix:
        written = totals.retotal(connection, years)
        counted = course_totals.rebuild(connection)
        recent.invalidate_all(connection)
        db.session.commit()  # a command: its work is complete here
        summed = build_recent_weeks()
        click.echo(f"Re-totalled from the ledger: {written} totals written.")
        click.echo(f"Lessons done recounted from the progress: {counted} courses written.")
        click.echo(f"The forecast's recent weeks summed again: {summed or 0} cadres.")
        return
    if mismatches:
        click.echo(f"{len(mismatches)} totals differ from the ledger.", err=True)
        raise SystemExit(1)
    click.echo("The totals match the ledger.")
