"""``flask --app lms banks import|export``: question files from the command line."""

from pathlib import Path

import click
from flask_babel import gettext as _

from lms.banks import files
from lms.banks.models import Bank
from lms.core.i18n import current_locale
from lms.core.tabular import EXTENSIONS, TabularError, file_extension
from lms.extensions import db


def _bank(bank_id: int) -> Bank:
    bank = db.session.get(Bank, bank_id)
    if bank is None:
        raise click.ClickException(_("There is no bank %(id)d.", id=bank_id))
    return bank


def register(group: click.Group) -> None:
    """Attach the commands to the blueprint's group (``flask banks …``)."""

    @group.command("import")
    @click.argument("bank_id", type=int)
    @click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--dry-run", is_flag=True, help="Show what would be added and write nothing.")
    def import_command(bank_id, file, dry_run):
        """Import questions from a CSV or XLSX file into a bank; all rows or none.

        Exits with status 1, writing nothing, when the file or any row is rejected.
        """
        bank = _bank(bank_id)
        try:
            table = files.read_bank_file(file.read_bytes(), file.name)
        except TabularError as exc:
            raise click.ClickException(str(exc)) from exc
        plans = files.plan_import(bank, table, current_locale())
        counts = files.count_statuses(plans)
        click.echo(
            _(
                "%(total)d rows: %(new)d new, %(duplicate)d duplicates, %(rejected)d rejected.",
                total=len(plans),
                **counts,
            )
        )
        for plan in plans:
            if plan.status == files.REJECTED:
                click.echo(
                    _(
                        "Row %(line)d rejected: %(reasons)s",
                        line=plan.line,
                        reasons=" ".join(plan.reasons),
                    )
                )
        if counts[files.REJECTED]:
            click.echo(_("Nothing was written: fix the rejected rows and run the import again."))
            raise SystemExit(1)
        if dry_run:
            click.echo(_("Dry run: nothing was written."))
            return
        created = files.apply_import(bank, plans)
        db.session.commit()  # a command, not a request: it keeps its own work
        click.echo(_("%(count)d questions added.", count=created))

    @group.command("export")
    @click.argument("bank_id", type=int)
    @click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
    def export_command(bank_id, file):
        """Write a bank's questions in use to a .csv or .xlsx file that imports back."""
        bank = _bank(bank_id)
        ext = file_extension(file.name)
        if ext not in EXTENSIONS:
            raise click.ClickException(_("Name the file .csv or .xlsx."))
        file.write_bytes(files.export_bank(bank, ext, current_locale()))
        click.echo(_("Wrote %(path)s.", path=str(file)))
