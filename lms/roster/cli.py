"""``flask --app lms import-roster FILE [--dry-run]``."""

import click


@click.command("import-roster")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Show what would change and write nothing.")
def import_roster_command(file, dry_run):
    """Import cadres and units from a roster file (CSV or XLSX)."""
    raise click.ClickException("not implemented yet")
