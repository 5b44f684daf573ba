"""Command line: run the assessment for a year."""

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from lms.assessment.services import AssessmentError, run_assessment
from lms.extensions import db
from lms.org.models import Unit


@click.command("assess")
@click.option("--year", type=int, required=True, help="Training year to assess.")
@click.option(
    "--unit", "unit_path", default="", help="Only this unit and those below it (name path)."
)
@with_appcontext
def assess_command(year: int, unit_path: str):
    """Run the credit-system assessment for a year and store it as a new version."""
    unit = None
    if unit_path:
        unit = db.session.scalar(select(Unit).where(Unit.name_path == unit_path.strip("/")))
        if unit is None:
            raise click.ClickException(f"no unit {unit_path!r}")
    try:
        run = run_assessment(year, unit)
    except AssessmentError as error:
        db.session.rollback()
        raise click.ClickException(f"cannot assess {year}: {error}") from error
    db.session.commit()  # a command, not a request: the run is complete
    counts = ", ".join(f"{band} {count}" for band, count in sorted(run.band_counts.items()))
    click.echo(f"assessed {run.cadre_count} cadres for {year}, version {run.version}: {counts}")
