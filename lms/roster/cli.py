"""``flask --app lms import-roster FILE [--dry-run]``: the roster import, with admin scope."""

from pathlib import Path

import click
from flask.cli import with_appcontext
from flask_babel import gettext as _

from lms.core.events import cadre_changed
from lms.extensions import db
from lms.roster.applying import apply_import
from lms.roster.columns import RosterError, parse_roster
from lms.roster.planning import (
    CHANGED,
    NEW,
    REJECTED,
    STATUS_LABELS,
    count_statuses,
    plan_import,
    units_to_create,
)


@click.command("import-roster")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Show what would change and write nothing.")
@click.option("--verbose", "-v", is_flag=True, help="Also list every new and changed row.")
@with_appcontext
def import_roster_command(file, dry_run, verbose):
    """Import cadres and units from a roster file (CSV or XLSX); all rows or none.

    Then syncs the current year's assigned courses, so new and changed cadres get theirs.
    Exits with status 1, writing nothing, when the file or any row is rejected.
    """
    # Messages come in the server's default language (lms.core.i18n): no browser to ask.
    click.get_current_context().exit(_import(file, dry_run, verbose))


def _import(file: Path, dry_run: bool, verbose: bool) -> int:
    try:
        roster = parse_roster(file.read_bytes(), file.name)
    except RosterError as exc:
        click.echo(_("Error: %(message)s", message=str(exc)), err=True)
        return 1
    plans = plan_import(roster, importer=None)
    _print_summary(roster, plans, verbose)
    if any(plan.status == REJECTED for plan in plans):
        click.echo(_("Nothing was written: fix the rejected rows and run the import again."))
        return 1
    if dry_run:
        click.echo(_("Dry run: nothing was written."))
        return 0
    result = apply_import(plans)
    synced = []
    if result.user_ids:
        # In the foreground, unlike the page: the command may run where no consumer does, so
        # the plan's receiver syncs the required courses now and returns its counts.
        replies = cadre_changed.send(None, user_ids=result.user_ids)
        synced = [counts for _receiver, counts in replies if counts]
    db.session.commit()  # a command, not a request: the import (and its sync) is complete
    click.echo(
        _(
            "Imported: %(created)d created, %(updated)d updated, %(unchanged)d unchanged, "
            "%(units)d units created.",
            **result.counts(),
        )
    )
    for counts in synced:
        click.echo(
            _(
                "Required courses of %(year)d: %(enrolled)d new required enrolments, "
                "%(made_required)d electives made required, %(released)d released.",
                **counts,
            )
        )
    return 0


def _print_summary(roster, plans, verbose: bool) -> None:
    counts = count_statuses(plans)
    click.echo(
        _(
            "%(total)d rows: %(new)d new, %(changed)d changed, %(unchanged)d unchanged, "
            "%(rejected)d rejected.",
            total=len(plans),
            **counts,
        )
    )
    if roster.ignored_columns:
        click.echo(_("Ignored columns: %(names)s", names=", ".join(roster.ignored_columns)))
    for path in units_to_create(plans):
        click.echo(_("Will create unit %(unit)s", unit=path))
    for plan in plans:
        if plan.status == REJECTED:
            click.echo(
                _(
                    "Row %(line)d (%(number)s) rejected: %(reasons)s",
                    line=plan.line,
                    number=plan.personnel_number or "—",
                    reasons=" ".join(plan.reasons),
                )
            )
        elif verbose and plan.status in (NEW, CHANGED):
            details = "; ".join(
                f"{change.label}: {change.new}"
                if change.old is None
                else f"{change.label}: {change.old} -> {change.new}"
                for change in plan.changes
            )
            click.echo(
                _(
                    "Row %(line)d (%(number)s) %(status)s: %(details)s",
                    line=plan.line,
                    number=plan.personnel_number,
                    status=STATUS_LABELS[plan.status],
                    details=details,
                )
            )
