"""``flask --app lms quiz-refile``: file quiz results again after the cut-off setting changed."""

import click
from flask.cli import with_appcontext

from lms.extensions import db
from lms.quizzes.filing import refile_results


@click.command("quiz-refile")
@with_appcontext
def quiz_refile_command():
    """Re-file every quiz result under the statistics year its attempts fall in now.

    Saving a plan with another cut-off re-files that year's results by itself; run this after
    changing LMS_STATS_CUTOFF, which years without a plan follow. Attempts are not changed.
    """
    changed = refile_results()
    db.session.commit()  # a command, not a request: it keeps its own work
    click.echo(f"Quiz results re-filed: {changed} added, changed or removed.")
