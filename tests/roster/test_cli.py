"""``flask --app lms import-roster FILE [--dry-run]``."""

from datetime import date

import pytest

from lms.extensions import db
from tests.roster.conftest import cadre, counts, csv_bytes, xlsx_bytes

ROWS = [
    ["C1", "Ann", "District/Bureau", "civil_servant", "Clerk", "1980-03-05", "Y"],
    ["C2", "Bob", "District", "", "", "", ""],
]


@pytest.fixture
def run(app, tmp_path):
    """``run(data, "--dry-run", name="r.csv")`` writes the file and runs the command."""

    def _run(data: bytes, *options, name="roster.csv"):
        path = tmp_path / name
        path.write_bytes(data)
        result = app.test_cli_runner().invoke(args=["import-roster", str(path), *options])
        db.session.rollback()  # see what the command committed, nothing cached
        return result

    return _run


def test_dry_run_writes_nothing(run, categories):
    before = counts()
    result = run(csv_bytes(ROWS), "--dry-run")
    assert result.exit_code == 0, result.output
    assert "2 rows: 2 new, 0 changed, 0 unchanged, 0 rejected." in result.output
    assert "Will create unit District/Bureau" in result.output
    assert "Dry run: nothing was written." in result.output
    assert counts() == before


def test_import_writes_and_a_second_run_changes_nothing(run, categories):
    result = run(csv_bytes(ROWS))
    assert result.exit_code == 0, result.output
    assert "Imported: 2 created, 0 updated, 0 unchanged, 2 units created." in result.output
    assert counts() == {"users": 2, "cadres": 2, "units": 2}
    record = cadre("C1")
    assert record.user.unit.name_path == "District/Bureau"
    assert (record.category.code, record.date_of_birth, record.is_reserve) == (
        "civil_servant",
        date(1980, 3, 5),
        True,
    )
    result = run(csv_bytes(ROWS))
    assert result.exit_code == 0, result.output
    assert "2 rows: 0 new, 0 changed, 2 unchanged, 0 rejected." in result.output
    assert counts() == {"users": 2, "cadres": 2, "units": 2}


def test_verbose_lists_the_changes(run, categories):
    run(csv_bytes(ROWS))
    changed = [["C1", "Ann", "District/Bureau", "", "Section chief", "", ""]]
    result = run(csv_bytes(changed), "--dry-run", "-v")
    assert "Row 2 (C1) changed: Rank: Clerk -> Section chief" in result.output
    assert cadre("C1").rank == "Clerk"


def test_a_rejected_row_fails_and_writes_nothing(run, categories):
    rows = [*ROWS, ["C3", "Cy", "District", "no such thing", "", "", ""]]
    before = counts()
    result = run(xlsx_bytes(rows), name="roster.xlsx")
    assert result.exit_code == 1
    assert "1 rejected" in result.output
    assert "Row 4 (C3) rejected: The category no such thing is unknown." in result.output
    assert "Nothing was written" in result.output
    assert counts() == before


def test_a_bad_file_fails_with_a_message(run):
    result = run(b"name,rank\r\nAnn,x\r\n")
    assert result.exit_code == 1
    assert "lacks the required columns" in result.output
