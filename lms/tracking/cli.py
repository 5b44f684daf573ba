"""``flask --app lms totals check``: compare the credit totals with the ledger, re-total."""

import click
from flask.cli import with_appcontext

from lms.extensions import db
from lms.tracking import course_totals, totals


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
    """Compare each cadre's totals with the sum of their ledger days, and the lessons done
    kept per course with their lesson progress; exit 1 on a mismatch.

    Run it after changing LMS_STATS_CUTOFF (years without a plan follow it) or after writing
    the ledger in bulk outside the beats; ``--fix`` rebuilds the totals of the years checked
    (all when no ``--year``) by the cut-offs as they are now, and recounts every course's
    lessons done.
    """
    connection = db.session.connection()
    years = sorted(years) or None
    mismatches = [*totals.check(connection, years), *course_totals.check(connection)]
    for mismatch in mismatches[:limit]:
        click.echo(str(mismatch))
    if len(mismatches) > limit:
        click.echo(f"... and {len(mismatches) - limit} more")
    if fix:
        written = totals.retotal(connection, years)
        counted = course_totals.rebuild(connection)
        db.session.commit()  # a command: its work is complete here
        click.echo(f"Re-totalled from the ledger: {written} totals written.")
        click.echo(f"Lessons done recounted from the progress: {counted} courses written.")
        return
    if mismatches:
        click.echo(f"{len(mismatches)} totals differ from the ledger.", err=True)
        raise SystemExit(1)
    click.echo("The totals match the ledger.")
