"""``flask --app lms create-user``: accounts for operators."""

import click
from flask.cli import with_appcontext

from lms.accounts import services
from lms.accounts.models import Role
from lms.extensions import db
from lms.org.tree import OrgError, ensure_unit_path


@click.command("create-user")
@click.argument("username")
@click.option(
    "--role",
    "roles",
    multiple=True,
    required=True,
    type=click.Choice([r.value for r in Role]),
    help="A role; repeat for several.",
)
@click.option("--unit", "unit_path", help="Unit path such as 'District/Finance Bureau'.")
@click.option("--password", help="Password; prompted for when omitted.")
@click.option("--name", "display_name", help="Display name (default: the username).")
@with_appcontext
def create_user_command(username, roles, unit_path, password, display_name):
    """Create a user with roles, an optional unit and a password."""
    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        unit = ensure_unit_path(unit_path)[0] if unit_path else None
        user = services.create_user(
            username, display_name or username, roles, password=password, unit=unit
        )
    except (services.AccountError, OrgError) as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    db.session.commit()  # a CLI command is not a request: it commits its own work
    roles_text = ", ".join(sorted(r.value for r in user.roles))
    click.echo(f"Created {user.username} ({roles_text}).")
