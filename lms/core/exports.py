"""Large table exports that never hold the whole result: streamed CSV and write-only XLSX.

Every report table exports through here: CSV in UTF-8 with a BOM (so Excel on Chinese
Windows opens it), XLSX with a bold, frozen header row and number formats per column.
Rows are any iterable, typically a database result read with ``yield_per``.
"""

import csv
import io
import os
import tempfile
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
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


@dataclass(frozen=True)
class ExportColumn:
    """One column: its (translated) header, how its values are formatted, its width."""

    title: str
    kind: str = "text"  # text, int, hours, decimal, percent, date, datetime
    width: float | None = None


def _csv_value(value, kind: str) -> str:
    if value is None:
        return ""
    if kind == "hours" and isinstance(value, int | float):
        return f"{value:.1f}"
    if kind == "percent" and isinstance(value, int | float):
        return f"{value * 100:.1f}%"
    if kind == "datetime" and isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def csv_chunks(columns: list[ExportColumn], rows: Iterable) -> Iterator[bytes]:
    """The CSV file in chunks: a BOM and the header first, then batches of rows."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(c.title for c in columns)
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
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=sheet_title[:31] or "Sheet1")
    sheet.freeze_panes = "A2"
    for index, column in enumerate(columns, start=1):
        width = column.width or max(10, min(40, len(column.title) * 2 + 2))
        sheet.column_dimensions[get_column_letter(index)].width = width
    bold = Font(bold=True)
    header = []
    for column in columns:
        cell = WriteOnlyCell(sheet, value=column.title)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    formats = [NUMBER_FORMATS.get(c.kind) for c in columns]
    for row in rows:
        cells = []
        for value, number_format in zip(row, formats, strict=True):
            if number_format is None or value is None:
                cells.append(value)
            else:
                cell = WriteOnlyCell(sheet, value=value)
                cell.number_format = number_format
                cells.append(cell)
        sheet.append(cells)
    workbook.save(path)


def export_response(
    columns: list[ExportColumn], rows: Iterable, fmt: str, filename_stem: str
) -> Response:
    """A download of the table as ``csv`` (streamed) or ``xlsx`` (built on disk, then sent)."""
    if fmt == "csv":
        response = Response(
            stream_with_context(csv_chunks(columns, rows)), mimetype="text/csv; charset=utf-8"
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
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
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
