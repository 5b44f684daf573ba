"""``flask --app lms plan-seed`` and ``plan-sync``: the default plan and required enrolments."""

import click
from flask.cli import with_appcontext

from lms.core import statsyear
from lms.extensions import db


def _year_option(function):
    return click.option(
        "--year", type=click.IntRange(2000, 2100), help="Plan year (default: the current one)."
    )(function)


@click.command("plan-seed")
@_year_option
@with_appcontext
def plan_seed_command(year):
    """Create the default plan for a year (rules are added only to a plan without any)."""
    from lms.plans import services

    year = year or statsyear.current_year()
    plan = services.seed_default_plan(year)
    db.session.commit()
    click.echo(f"Plan {year}: {len(plan.quota_rules)} quota rules.")


@click.command("plan-sync")
@_year_option
@with_appcontext
def plan_sync_command(year):
    """Make the year's assigned courses required for the cadres their audiences match now."""
    from lms.plans import services

    year = year or statsyear.current_year()
    result = services.sync_assignments(year)
    db.session.commit()
    click.echo(
        f"Plan {year}: {result.enrolled} new required enrolments, "
        f"{result.made_required} electives made required, {result.released} released."
    )
