"""Exports open in Excel: CSV with a BOM, XLSX with a frozen bold header and number formats."""

import csv
import io
from datetime import date
from urllib.parse import unquote

from openpyxl import load_workbook

from lms.core.exports import CSV_BATCH_ROWS, ExportColumn, csv_chunks, export_response

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
