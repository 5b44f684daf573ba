"""The migrations build the same schema as the models, on SQLite and on PostgreSQL."""

import os
import uuid
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from lms import create_app
from lms.extensions import db

PG_URL = os.environ.get("LMS_TEST_DATABASE_URL")


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrated.sqlite3'}"
        return
    if not PG_URL:
        pytest.skip("LMS_TEST_DATABASE_URL is not set")
    # A database of its own, so the schema the other tests share is never touched.
    name = f"lms_migrations_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _index_names() -> set[str]:
    # The inspector skips expression indexes, so ask each catalogue directly.
    query = (
        "SELECT name FROM sqlite_master WHERE type = 'index'"
        if db.engine.dialect.name == "sqlite"
        else "SELECT indexname FROM pg_indexes WHERE schemaname = 'public'"
    )
    with db.engine.connect() as conn:
        return set(conn.execute(text(query)).scalars())


@pytest.mark.filterwarnings("ignore:.*expression-based index")
def test_migrations_match_the_models_and_downgrade(empty_database_url, tmp_path, monkeypatch):
    monkeypatch.setenv("LMS_INSTANCE_PATH", str(tmp_path / "instance"))
    app = create_app({"SQLALCHEMY_DATABASE_URI": empty_database_url, "TESTING": True})
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
        assert diff == [], f"models and migrations differ: {diff}"
        assert "ix_user_username_lower" in _index_names()
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        db.engine.dispose()


def _local(*when):
    """A local time in Asia/Shanghai as the naive UTC the database stores."""
    zone = ZoneInfo("Asia/Shanghai")
    return datetime(*when, tzinfo=zone).astimezone(UTC).replace(tzinfo=None)


def _results() -> dict:
    with db.engine.connect() as conn:
        rows = conn.execute(
            text("SELECT user_id, year, percent, is_passed, attempt_count FROM quiz_result")
        )
        return {(u, y): (p, bool(passed), n) for u, y, p, passed, n in rows}


def _attempts() -> list:
    with db.engine.connect() as conn:
        query = "SELECT id, user_id, percent, submitted_at FROM quiz_attempt ORDER BY id"
        return [tuple(row) for row in conn.execute(text(query))]


@pytest.mark.filterwarnings("ignore:.*expression-based index")
def test_0011_files_results_under_the_statistics_year(empty_database_url, tmp_path, monkeypatch):
    from lms.accounts.models import User
    from lms.plans.models import TrainingYear
    from lms.quizzes.models import Quiz, QuizAttempt, QuizResult

    monkeypatch.setenv("LMS_INSTANCE_PATH", str(tmp_path / "instance"))
    app = create_app({"SQLALCHEMY_DATABASE_URI": empty_database_url, "TESTING": True})
    with app.app_context():
        assert app.config["STATS_CUTOFF"] == "11-30"
        upgrade(revision="0010")
        late = User(username="late", display_name="Late")
        steady = User(username="steady", display_name="Steady")
        quiz = Quiz(title="Exam", counting_rule="average", pass_percent=60.0)
        # 2025's plan has a year-end cut-off: its December stays in 2025.
        db.session.add_all([late, steady, quiz, TrainingYear(year=2025, cutoff_month=12)])
        db.session.flush()
        attempts = [
            (late, _local(2025, 12, 10, 9), 40.0),
            (late, _local(2026, 11, 30, 23, 30), 50.0),
            (late, _local(2026, 12, 1, 0, 30), 100.0),  # 30 November in UTC
            (late, _local(2026, 12, 20, 9), 80.0),
            (steady, _local(2026, 6, 1, 9), 70.0),
        ]
        for number, (user, at, percent) in enumerate(attempts, start=1):
            db.session.add(
                QuizAttempt(
                    quiz_id=quiz.id,
                    user_id=user.id,
                    number=number,
                    status="graded",
                    started_at=at,
                    submitted_at=at,
                    percent=percent,
                    max_score=10.0,
                )
            )
        # As the app filed them before: by local calendar year.
        for user, year, percent, passed, count in [
            (late, 2025, 40.0, False, 1),
            (late, 2026, 76.67, True, 3),
            (steady, 2026, 70.0, True, 1),
        ]:
            db.session.add(
                QuizResult(
                    user_id=user.id,
                    quiz_id=quiz.id,
                    year=year,
                    percent=percent,
                    is_passed=passed,
                    attempt_count=count,
                )
            )
        # Read before the commit expires them: loading a User joins its cadre record, whose
        # columns are those of the latest revision (0014 added personnel_key).
        ids = {"late": late.id, "steady": steady.id}
        db.session.commit()
        db.session.remove()
        attempts_before = _attempts()

        upgrade()
        assert _results() == {
            (ids["late"], 2025): (40.0, False, 1),
            (ids["late"], 2026): (50.0, False, 1),
            (ids["late"], 2027): (90.0, True, 2),
            (ids["steady"], 2026): (70.0, True, 1),
        }
        assert _attempts() == attempts_before

        downgrade(revision="0010")
        assert _results() == {
            (ids["late"], 2025): (40.0, False, 1),
            (ids["late"], 2026): (76.67, True, 3),
            (ids["steady"], 2026): (70.0, True, 1),
        }
        assert _attempts() == attempts_before
        db.engine.dispose()


@pytest.mark.filterwarnings("ignore:.*expression-based index")
def test_0015_builds_the_credit_totals_from_the_ledger(empty_database_url, tmp_path, monkeypatch):
    from lms.accounts.models import User
    from lms.plans.models import TrainingYear

    monkeypatch.setenv("LMS_INSTANCE_PATH", str(tmp_path / "instance"))
    app = create_app({"SQLALCHEMY_DATABASE_URI": empty_database_url, "TESTING": True})
    with app.app_context():
        upgrade(revision="0014")
        ann = User(username="ann", display_name="Ann")
        # 2026's plan closes on 31 December: December 2026 stays in 2026.
        db.session.add_all([ann, TrainingYear(year=2026, cutoff_month=12, cutoff_day=31)])
        db.session.commit()
        user_id = ann.id
        db.session.remove()
        days = [
            (date(2025, 11, 29), 100.0),  # a Saturday, in 2025 (the setting's 30 November)
            (date(2025, 12, 6), 200.0),  # a Saturday after the cut-off: 2026's first month
            (date(2026, 3, 4), 400.0),  # a Wednesday
            (date(2026, 12, 20), 800.0),  # a Sunday before 2026's own cut-off
            (date(2027, 1, 2), 1600.0),  # 2027 (a Saturday)
        ]
        with db.engine.begin() as conn:
            for day, seconds in days:
                conn.execute(
                    text(
                        "INSERT INTO daily_credit (user_id, local_date, seconds) "
                        "VALUES (:u, :d, :s)"
                    ),
                    {"u": user_id, "d": day, "s": seconds},
                )

        upgrade()
        with db.engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT year, seconds, weekend_seconds, month_00, month_03, month_12 "
                    "FROM credit_total WHERE user_id = :u ORDER BY year"
                ),
                {"u": user_id},
            ).all()
        assert [tuple(row) for row in rows] == [
            (2025, 100.0, 100.0, 0.0, 0.0, 0.0),  # November 2025: the 2025 window's 11th month
            (2026, 1400.0, 1000.0, 200.0, 400.0, 800.0),
            (2027, 1600.0, 1600.0, 1600.0, 0.0, 0.0),  # January 2027: its first month
        ]
        result = app.test_cli_runner().invoke(args=["totals", "check"])
        assert result.exit_code == 0, result.output
        db.session.remove()  # the command's session: on SQLite it holds the write lock
        downgrade(revision="0013")
        assert "credit_total" not in inspect(db.engine).get_table_names()
        db.engine.dispose()
