"""``flask --app lms plan-seed`` and ``plan-sync``: the default plan and required enrolments."""

from collections.abc import Callable
from functools import wraps

import click
from flask.cli import with_appcontext

from lms.core import statsyear
from lms.extensions import db
from lms.plans.assignments import sync_assignments
from lms.plans.seeding import seed_default_plan


def _year_command(name: str):
    """A command for one plan year (``--year``, default: the current one): the decorated
    function does the work and returns what to print once the work is committed."""

    def decorate(function: Callable[[int], str]):
        @click.command(name)
        @click.option(
            "--year", type=click.IntRange(2000, 2100), help="Plan year (default: the current one)."
        )
        @with_appcontext
        @wraps(function)
        def command(year):
            year = year or statsyear.current_year()
            message = function(year)
            db.session.commit()  # a command: its work is complete here
            click.echo(message)

        return command

    return decorate


@_year_command("plan-seed")
def plan_seed_command(year: int) -> str:
    """Create the default plan for a year (rules are added only to a plan without any)."""
    plan = seed_default_plan(year)
    return f"Plan {year}: {len(plan.quota_rules)} quota rules."


@_year_command("plan-sync")
def plan_sync_command(year: int) -> str:
    """Make the year's assigned courses required for the cadres their audiences match now."""
    result = sync_assignments(year)
    return (
        f"Plan {year}: {result.enrolled} new required enrolments, "
        f"{result.made_required} electives made required, {result.released} released."
    )
