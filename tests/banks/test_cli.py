"""``flask --app lms banks import|export``."""

import pytest

from lms.banks.models import Bank
from lms.extensions import db
from tests.banks.conftest import csv_bytes, question_count
from tests.banks.test_import import ROWS


@pytest.fixture
def run(app):
    def _run(*args):
        return app.test_cli_runner().invoke(args=["banks", *map(str, args)])

    return _run


@pytest.fixture
def empty_bank(app):
    bank = Bank(title="CLI bank")
    db.session.add(bank)
    db.session.commit()
    return bank


def test_import_dry_run_then_for_real_then_export(run, empty_bank, tmp_path):
    source = tmp_path / "q.csv"
    source.write_bytes(csv_bytes(ROWS, encoding="gbk"))
    dry = run("import", empty_bank.id, source, "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "4 rows: 4 new, 0 duplicates, 0 rejected." in dry.output
    assert question_count() == 0
    real = run("import", empty_bank.id, source)
    assert real.exit_code == 0 and "4 questions added." in real.output
    assert question_count(empty_bank.id) == 4
    again = run("import", empty_bank.id, source)
    assert "0 new, 4 duplicates" in again.output
    target = tmp_path / "out.xlsx"
    assert run("export", empty_bank.id, target).exit_code == 0
    assert target.read_bytes().startswith(b"PK")


def test_rejected_rows_exit_1_and_write_nothing(run, empty_bank, tmp_path):
    source = tmp_path / "q.csv"
    source.write_bytes(csv_bytes([*ROWS, ["single", "No answer", "a", "b", "", "", "", ""]]))
    result = run("import", empty_bank.id, source)
    assert result.exit_code == 1
    assert "Row 6 rejected: No correct option is marked." in result.output
    assert question_count() == 0
    assert run("import", 999, source).exit_code == 1
