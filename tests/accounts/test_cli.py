"""``flask --app lms create-user``."""

from sqlalchemy import func, select

from lms.accounts.models import User
from lms.extensions import db
from lms.org.models import Unit


def test_create_user_with_roles_and_a_new_unit_path(app):
    result = app.test_cli_runner().invoke(
        args=[
            "create-user",
            "zhang",
            "--role",
            "supervisor",
            "--role",
            "cadre",
            "--unit",
            "未央区/区财政局",
            "--password",
            "long-enough-1",
        ]
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.username == "zhang"))
    assert {r.value for r in user.roles} == {"supervisor", "cadre"}
    assert user.unit.name_path == "未央区/区财政局"
    assert user.unit.parent.name_path == "未央区"
    assert user.check_password("long-enough-1")


def test_create_user_prompts_for_the_password(app):
    result = app.test_cli_runner().invoke(
        args=["create-user", "li", "--role", "admin"], input="long-enough-2\nlong-enough-2\n"
    )
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(User).where(User.username == "li")).check_password(
        "long-enough-2"
    )


def test_create_user_errors_are_clear_and_write_nothing(app, make_user):
    app.config["DEFAULT_LOCALE"] = "en"  # the command speaks the default language
    make_user("taken")
    runner = app.test_cli_runner()
    cases = [
        (["create-user", "TAKEN", "--role", "admin", "--password", "long-enough-1"], "taken"),
        (["create-user", "new", "--role", "admin", "--password", "short"], "at least 8"),
        (["create-user", "new", "--role", "wizard", "--password", "long-enough-1"], "wizard"),
        (
            ["create-user", "new", "--role", "cadre", "--unit", "A//B", "--password", "long-1234"],
            "empty part",
        ),
    ]
    before = db.session.scalar(select(func.count(User.id)))
    for args, message in cases:
        result = runner.invoke(args=args)
        assert result.exit_code != 0
        assert message in result.output
    assert db.session.scalar(select(func.count(User.id))) == before
    assert db.session.scalar(select(func.count(Unit.id))) == 0
