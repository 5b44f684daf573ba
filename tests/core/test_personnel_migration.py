"""Migration 0014 (hE): the personnel numbers' normal form, refused while existing cadres
collide under it, on SQLite and PostgreSQL."""

from datetime import datetime

import pytest
from alembic import command as alembic_command
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from lms import create_app
from lms.extensions import db
from tests.core.test_migrations import empty_database_url  # noqa: F401 - the fixture

CREATED = datetime(2026, 1, 1)


def _add_cadre(conn, user_id: int, unit_id: int, number: str) -> None:
    conn.execute(
        text(
            'INSERT INTO "user" (id, username, display_name, is_active, must_change_password, '
            "created_at, unit_id) VALUES (:id, :name, :name, true, false, :at, :unit)"
        ),
        {"id": user_id, "name": f"user{user_id}", "at": CREATED, "unit": unit_id},
    )
    conn.execute(
        text(
            "INSERT INTO cadre (id, user_id, personnel_number, is_reserve, is_key_position) "
            "VALUES (:id, :id, :number, false, false)"
        ),
        {"id": user_id, "number": number},
    )


def _keys() -> dict:
    with db.engine.connect() as conn:
        return dict(conn.execute(text("SELECT id, personnel_key FROM cadre ORDER BY id")).all())


@pytest.mark.filterwarnings("ignore:.*expression-based index")
def test_0014_refuses_colliding_numbers_naming_them(empty_database_url, tmp_path, monkeypatch):  # noqa: F811
    monkeypatch.setenv("LMS_INSTANCE_PATH", str(tmp_path / "instance"))
    app = create_app({"SQLALCHEMY_DATABASE_URI": empty_database_url, "TESTING": True})
    with app.app_context():
        upgrade(revision="0013")
        with db.engine.begin() as conn:
            for unit_id, name in ((1, "区教育局"), (2, "区财政局")):
                conn.execute(
                    text(
                        "INSERT INTO unit (id, name, tree_path, name_path, depth) "
                        "VALUES (:id, :name, :path, :name, 0)"
                    ),
                    {"id": unit_id, "name": name, "path": f"/{unit_id}/"},
                )
            _add_cadre(conn, 1, 1, "WY0003")
            _add_cadre(conn, 2, 2, "wy0003")  # the case-sensitive constraint let it in
            _add_cadre(conn, 3, 2, "Ｗ０００９ ")
            _add_cadre(conn, 4, 1, "w0009")
            _add_cadre(conn, 5, 1, "0003")  # leading zeros count: not "3", not colliding
            _add_cadre(conn, 6, 2, "3")

        # Alembic itself, not Flask-Migrate's upgrade(), which logs the error and exits.
        config = app.extensions["migrate"].migrate.get_config()
        with pytest.raises(RuntimeError, match="personnel numbers") as refused:
            alembic_command.upgrade(config, "head")
        message = str(refused.value)
        assert "2 group(s)" in message
        for shown in ("cadre id 1", "cadre id 2", "'WY0003'", "'wy0003'", "区教育局", "区财政局"):
            assert shown in message
        assert "cadre id 3" in message and "cadre id 4" in message
        assert "cadre id 5" not in message and "cadre id 6" not in message
        # Nothing changed: still at 0013, no new column.
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == "0013"
        assert "personnel_key" not in {c["name"] for c in inspect(db.engine).get_columns("cadre")}

        with db.engine.begin() as conn:
            conn.execute(text("UPDATE cadre SET personnel_number = 'WY0003-DUP' WHERE id = 2"))
            conn.execute(text("UPDATE cadre SET personnel_number = 'W0009-DUP' WHERE id = 4"))
        upgrade()
        assert _keys() == {
            1: "wy0003",
            2: "wy0003-dup",
            3: "w0009",
            4: "w0009-dup",
            5: "0003",
            6: "3",
        }
        # The unique index holds a variant out on both databases.
        with pytest.raises(IntegrityError), db.engine.begin() as conn:
            conn.execute(text("UPDATE cadre SET personnel_key = 'wy0003' WHERE id = 2"))
        downgrade(revision="0013")
        assert "personnel_key" not in {c["name"] for c in inspect(db.engine).get_columns("cadre")}
        db.engine.dispose()
