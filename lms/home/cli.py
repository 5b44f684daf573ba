"""``flask --app lms cadres duplicates`` and ``cadres merge KEEP_ID OTHER_ID [--yes]``: the
duplicate cadres page and its merge, for administrators at the command line."""

import click
from flask.cli import AppGroup
from flask_babel import gettext as _

from lms.accounts.models import User
from lms.core.events import cadre_changed
from lms.extensions import db
from lms.home.cadre_merge import (
    FIGURE_LABELS,
    MergeError,
    describe,
    find_duplicates,
    merge_cadres,
)

cadres_cli = AppGroup("cadres", help="Find and merge duplicate cadre records.")

_REASONS = {
    "same_number": "same personnel number (case, width and spaces ignored)",
    "leading_zeros": "personnel numbers differing only by leading zeros",
    "name_and_birth": "same name and date of birth",
}


@cadres_cli.command("duplicates")
def duplicates_command():
    """List likely duplicate cadre records (user ids for ``cadres merge``), one group a block;
    the first of each group has the most credited hours (suggested to keep)."""
    groups = find_duplicates()
    if not groups:
        click.echo(_("No likely duplicates."))
        return
    for group in groups:
        click.echo(f"# {_REASONS[group.reason]}")
        for user in group.users:
            cadre = user.cadre
            born = cadre.date_of_birth.isoformat() if cadre and cadre.date_of_birth else "-"
            click.echo(
                f"  {user.id}\t{user.username}\t{user.display_name}\t"
                f"{cadre.personnel_number if cadre else '-'}\t"
                f"{user.unit.name_path if user.unit else '-'}\t{born}"
            )
    click.echo(_("%(count)d group(s).", count=len(groups)))


@cadres_cli.command("merge")
@click.argument("keep_id", type=int)
@click.argument("other_id", type=int)
@click.option("--yes", is_flag=True, help="Merge without asking.")
def merge_command(keep_id, other_id, yes):
    """Merge the cadre record of user OTHER_ID into that of user KEEP_ID and delete the
    account OTHER_ID (its history moves to KEEP_ID; README, Duplicate cadres). One transaction;
    exits with status 1, changing nothing, when the two cannot be merged."""
    keep, other = db.session.get(User, keep_id), db.session.get(User, other_id)
    if keep is None or other is None:
        raise click.ClickException(_("No such user."))
    before = {"keep": describe(keep), "other": describe(other)}
    _print_pair(before)
    if not yes:
        click.confirm(
            _(
                "Merge %(other)s into %(keep)s? This cannot be undone.",
                keep=keep.username,
                other=other.username,
            ),
            abort=True,
        )
    try:
        report = merge_cadres(keep_id, other_id, actor=None)
    except MergeError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    # Outside a request the plan's receiver syncs the required courses at once, in this
    # transaction (lms/plans/tasks.py).
    cadre_changed.send(None, user_ids=[keep_id])
    db.session.commit()  # a command, not a request: the merge (and its sync) is complete
    click.echo(
        _(
            "Merged: user %(other)d into user %(keep)d (audit entry %(audit)d).",
            other=other_id,
            keep=keep_id,
            audit=report.audit_id,
        )
    )
    for key, label in FIGURE_LABELS.items():
        click.echo(f"  {label}: {report.after[key]}")


def _print_pair(before: dict) -> None:
    keep, other = before["keep"], before["other"]
    for name in (
        "user_id",
        "username",
        "display_name",
        "personnel_number",
        "unit",
        "date_of_birth",
    ):
        click.echo(f"{name}: {keep[name]} <- {other[name]}")
    for key, label in FIGURE_LABELS.items():
        click.echo(f"  {label}: {keep['figures'][key]} + {other['figures'][key]}")
