"""The one writer of every CSV and XLSX file the platform hands out.

Report tables, assessment and quiz results, the question-bank export and the import
templates all write through here: CSV in UTF-8 with a BOM (so Excel on Chinese Windows
opens it), XLSX with a bold, frozen header row and number formats per column. Rows are any
iterable, typically a database result read with ``yield_per``.

No exported cell is a formula (CSV injection, OWASP "CSV Injection"): text a user typed
(a name, a unit, a lesson title, a question) that starts with ``= + - @``, a tab or a
carriage return is prefixed with a single quote in CSV, and written as a string cell in
XLSX; numbers stay numbers. The CSV reader of the imports takes the quote off again
(``restore_text``), so an exported bank imports back unchanged.
"""

import csv
import io
import os
import re
import tempfile
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from urllib.parse import quote

from flask import Response, current_app, send_file, stream_with_context

CSV_BATCH_ROWS = 500

# Excel number formats by column kind.
NUMBER_FORMATS = {
    "int": "0",
    "hours": "0.0",
    "decimal": "0.00",
    "percent": "0.0%",
    "date": "yyyy-mm-dd",
    "datetime": "yyyy-mm-dd hh:mm",
}


# Text a spreadsheet would read as a formula: it starts with one of = + - @ tab CR, after
# any number of single quotes. The quotes are counted so that neutralising is reversible:
# "'=x" (a text that really starts with a quote) is written "''=x" and reads back as "'=x".
FORMULA_LIKE = re.compile(r"'*[=+\-@\t\r]")
NEUTRALIZED = re.compile(r"'+[=+\-@\t\r]")
# Control characters an XLSX file cannot hold (openpyxl refuses them).
XLSX_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
MIMETYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@dataclass(frozen=True)
class ExportColumn:
    """One column: its (translated) header, how its values are formatted, its width."""

    title: str
    kind: str = "text"  # text, int, hours, decimal, percent, date, datetime
    width: float | None = None
    wrap: bool = False  # XLSX: wrap long text (top-aligned) below the header


def neutralize_text(text: str) -> str:
    """``"=SUM(A1)"`` -> ``"'=SUM(A1)"``: text a spreadsheet would run, made plain text."""
    return "'" + text if FORMULA_LIKE.match(text) else text


def restore_text(text: str) -> str:
    """The inverse of ``neutralize_text``, for CSV files read back by the imports."""
    return text[1:] if NEUTRALIZED.match(text) else text


def _is_number(value) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def _csv_value(value, kind: str) -> str:
    if value is None:
        return ""
    if _is_number(value):  # a number, negative ones included, stays a number
        if kind == "hours":
            return f"{value:.1f}"
        if kind == "percent":
            return f"{value * 100:.1f}%"
        return str(value)
    if kind == "datetime" and isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return neutralize_text(str(value))


def csv_chunks(columns: list[ExportColumn], rows: Iterable) -> Iterator[bytes]:
    """The CSV file in chunks: a BOM and the header first, then batches of rows."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(neutralize_text(str(c.title)) for c in columns)
    yield "\ufeff".encode() + out.getvalue().encode("utf-8")
    kinds = [c.kind for c in columns]
    out.seek(0)
    out.truncate()
    for count, row in enumerate(rows, start=1):
        writer.writerow(_csv_value(v, k) for v, k in zip(row, kinds, strict=True))
        if count % CSV_BATCH_ROWS == 0:
            yield out.getvalue().encode("utf-8")
            out.seek(0)
            out.truncate()
    if out.tell():
        yield out.getvalue().encode("utf-8")


def write_xlsx_file(columns: list[ExportColumn], rows: Iterable, path, sheet_title: str) -> None:
    """Write a one-sheet workbook in openpyxl's write-only mode (rows go straight to disk)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=sheet_title[:31] or "Sheet1")
    sheet.freeze_panes = "A2"
    for index, column in enumerate(columns, start=1):
        width = column.width or max(10, min(40, len(str(column.title)) * 2 + 2))
        sheet.column_dimensions[get_column_letter(index)].width = width
    bold = Font(bold=True)
    header = []
    for column in columns:
        cell = _xlsx_cell(WriteOnlyCell, sheet, column.title, None)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    formats = [NUMBER_FORMATS.get(c.kind) for c in columns]
    wrapped = Alignment(wrap_text=True, vertical="top")
    for row in rows:
        cells = []
        for value, number_format, column in zip(row, formats, columns, strict=True):
            if value is None:
                cells.append(None)
                continue
            cell = _xlsx_cell(WriteOnlyCell, sheet, value, number_format)
            if column.wrap:
                cell.alignment = wrapped
            cells.append(cell)
        sheet.append(cells)
    workbook.save(path)


def _xlsx_cell(cell_class, sheet, value, number_format):
    """A cell holding ``value``: text always as a string (openpyxl would store text that
    starts with ``=`` as a formula), numbers and dates as themselves in ``number_format``."""
    if _is_number(value) or isinstance(value, date):
        cell = cell_class(sheet, value=value)
        if number_format:
            cell.number_format = number_format
        return cell
    cell = cell_class(sheet, value=XLSX_ILLEGAL.sub("", str(value)))
    cell.data_type = "s"
    return cell


def export_bytes(columns: list[ExportColumn], rows: Iterable, fmt: str, sheet_title: str) -> bytes:
    """The whole file in memory, for small tables (templates, a question bank, the CLI)."""
    if fmt == "csv":
        return b"".join(csv_chunks(columns, rows))
    if fmt != "xlsx":
        raise ValueError(f"unknown export format {fmt!r}")
    out = io.BytesIO()
    write_xlsx_file(columns, rows, out, sheet_title)
    return out.getvalue()


def download(data: bytes, fmt: str, filename: str) -> Response:
    """A response that downloads ``data`` (from ``export_bytes``) as ``filename``."""
    response = Response(data, mimetype=MIMETYPES[fmt])
    response.headers["Content-Disposition"] = attachment(filename)
    return response


def export_response(
    columns: list[ExportColumn], rows: Iterable, fmt: str, filename_stem: str
) -> Response:
    """A download of the table as ``csv`` (streamed) or ``xlsx`` (built on disk, then sent)."""
    if fmt == "csv":
        response = Response(
            stream_with_context(csv_chunks(columns, rows)), mimetype=MIMETYPES["csv"]
        )
        response.headers["Content-Disposition"] = attachment(f"{filename_stem}.csv")
        return response
    if fmt != "xlsx":
        raise ValueError(f"unknown export format {fmt!r}")
    handle, path = tempfile.mkstemp(suffix=".xlsx", dir=_export_folder())
    os.close(handle)
    try:
        write_xlsx_file(columns, rows, path, filename_stem)
        stream = open(path, "rb")  # noqa: SIM115 - closed by the response
    finally:
        # The open handle keeps the data readable; nothing is left behind on disk.
        os.unlink(path)
    return send_file(
        stream,
        mimetype=MIMETYPES["xlsx"],
        download_name=f"{filename_stem}.xlsx",
        as_attachment=True,
    )


def attachment(filename: str) -> str:
    """A Content-Disposition for ``filename``, Chinese included (RFC 6266 with RFC 5987)."""
    plain = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode()
    plain = plain.replace('"', "").replace("\\", "").strip() or "export"
    return f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(filename)}"


def _export_folder() -> str:
    folder = os.path.join(current_app.instance_path, "exports")
    os.makedirs(folder, exist_ok=True)
    return folder
