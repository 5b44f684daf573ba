"""Exports open in Excel: CSV with a BOM, XLSX with a frozen bold header and number formats,
and no cell that Excel would run as a formula."""

import csv
import io
import re
from datetime import date
from decimal import Decimal
from urllib.parse import unquote

from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook

from lms.core.exports import (
    CSV_BATCH_ROWS,
    ExportColumn,
    csv_chunks,
    export_bytes,
    export_response,
    neutralize_text,
    restore_text,
)
from lms.core.tabular import _csv_rows

COLUMNS = [
    ExportColumn("单位"),
    ExportColumn("Cadres", "int"),
    ExportColumn("Hours", "hours"),
    ExportColumn("Participation", "percent"),
    ExportColumn("Since", "date"),
]
ROWS = [
    ("未央区/区委组织部", 12, 70.25, 0.5, date(2026, 3, 1)),
    ('Bureau, "B"', 0, 0.0, 0.0, None),
]


def test_csv_has_a_bom_and_reads_back(app):
    with app.test_request_context():
        response = export_response(COLUMNS, iter(ROWS), "csv", "完成情况")
        data = b"".join(response.response)
    assert data.startswith(b"\xef\xbb\xbf")
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == ["单位", "Cadres", "Hours", "Participation", "Since"]
    assert rows[1] == ["未央区/区委组织部", "12", "70.2", "50.0%", "2026-03-01"]
    assert rows[2] == ['Bureau, "B"', "0", "0.0", "0.0%", ""]
    disposition = response.headers["Content-Disposition"]
    assert unquote(disposition.split("filename*=UTF-8''")[1]) == "完成情况.csv"


def test_csv_streams_in_batches():
    rows = ((f"u{i}", i, 1.0, 0.1, None) for i in range(CSV_BATCH_ROWS * 2 + 3))
    chunks = list(csv_chunks(COLUMNS, rows))
    # The header, two full batches and the rest: never the whole file at once.
    assert len(chunks) == 4
    assert sum(chunk.count(b"\r\n") for chunk in chunks) == CSV_BATCH_ROWS * 2 + 4


def test_xlsx_has_a_frozen_bold_header_and_number_formats(app):
    with app.test_request_context():
        response = export_response(COLUMNS, iter(ROWS), "xlsx", "完成情况")
        response.direct_passthrough = False
        data = response.get_data()
    workbook = load_workbook(io.BytesIO(data))
    sheet = workbook.active
    assert sheet.freeze_panes == "A2"
    assert [c.value for c in sheet[1]] == ["单位", "Cadres", "Hours", "Participation", "Since"]
    assert all(c.font.bold for c in sheet[1])
    name, cadres, hours, share, since = sheet[2]
    assert (name.value, cadres.value, hours.value, share.value) == (
        "未央区/区委组织部",
        12,
        70.25,
        0.5,
    )
    assert since.value.date() == date(2026, 3, 1)
    assert hours.number_format == "0.0"
    assert share.number_format == "0.0%"
    assert since.number_format == "yyyy-mm-dd"
    assert sheet.max_row == 3


# --- no cell is a formula --------------------------------------------------------------

RISKY = [ExportColumn("Name"), ExportColumn("Score", "decimal"), ExportColumn("Note")]
RISKY_ROWS = [
    ("=1+1", -3.5, "-3.5"),
    ("+86 138", -2, "@here"),
    ("\tTabbed", 0, "\rReturned"),
    ("'=quoted", 1.25, "plain - text"),
]


def test_csv_neutralises_formula_text_and_keeps_negative_numbers():
    data = b"".join(csv_chunks(RISKY, iter(RISKY_ROWS)))
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[1:] == [
        ["'=1+1", "-3.5", "'-3.5"],  # the number stays a number; the text does not run
        ["'+86 138", "-2", "'@here"],
        ["'\tTabbed", "0", "'\rReturned"],
        ["''=quoted", "1.25", "plain - text"],
    ]


def test_xlsx_writes_text_as_strings_and_numbers_as_numbers(app):
    with app.test_request_context():
        data = export_bytes(RISKY, iter([*RISKY_ROWS, ("bell\x07", 1, None)]), "xlsx", "t")
    sheet = load_workbook(io.BytesIO(data)).active
    cells = [cell for row in sheet.iter_rows(min_row=2) for cell in row]
    assert not [c for c in cells if c.data_type == "f"]
    values = [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]
    assert values[0] == ["=1+1", -3.5, "-3.5"]
    assert sheet["B2"].data_type == "n" and sheet["C2"].data_type == "s"
    assert values[4] == ["bell", 1, None]  # a control character XLSX cannot hold is dropped


@given(st.text())
def test_neutralising_is_undone_by_the_import_reader(text):
    assert restore_text(neutralize_text(text)) == text
    assert not re.match(r"[=+\-@\t\r]", neutralize_text(text))


@given(
    st.lists(
        st.text(alphabet=st.characters(exclude_categories=["Cs"], exclude_characters="\x00")),
        min_size=1,
    )
)
def test_a_csv_export_reads_back_cell_for_cell(texts):
    columns = [ExportColumn(f"c{i}") for i in range(len(texts))]
    data = b"".join(csv_chunks(columns, [texts]))
    rows = [cells for _line, cells in _csv_rows(data)]
    assert rows[1] == texts


def test_numbers_from_the_database_stay_numbers_whatever_their_type():
    columns = [ExportColumn("Hours", "hours"), ExportColumn("Share", "percent")]
    rows = [(Decimal("-1.25"), Decimal("-0.5")), (-3, -0.25)]
    data = b"".join(csv_chunks(columns, rows))
    assert list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))[1:] == [
        ["-1.2", "-50.0%"],
        ["-3.0", "-25.0%"],
    ]
