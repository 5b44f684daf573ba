"""Reading spreadsheet files (CSV and XLSX) for the imports; lms.core.exports writes them."""

import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime

from flask_babel import gettext as _

from lms.core.errors import LmsError
from lms.core.exports import restore_text

EXTENSIONS = ("csv", "xlsx")


class TabularError(LmsError):
    """The file as a whole cannot be imported; the message is shown to the user."""


def normalize_header(text) -> str:
    """``" Date of_Birth* "`` -> ``"dateofbirth"``: case, width, spaces, ``_ - *`` do not matter."""
    text = unicodedata.normalize("NFKC", "" if text is None else str(text)).lower()
    return re.sub(r"[\s_\-*]+", "", text)


@dataclass(frozen=True)
class Column:
    key: str
    label: object  # a lazy string
    chinese: tuple[str, ...]  # other accepted header names (Chinese first)
    required: bool = False
    max_length: int | None = None


@dataclass
class HeaderMap:
    positions: dict[str, int]  # column key -> index in the row
    ignored: list[str]  # header texts that match no column


@dataclass
class TableRow:
    """One data row: its row number in the file and the raw cells by column key."""

    line: int
    values: dict


@dataclass
class Table:
    rows: list[TableRow]
    columns: frozenset  # the column keys present in the file
    ignored_columns: list[str] = field(default_factory=list)


class Layout:
    """The columns of a file: their keys, labels and the header names each accepts."""

    def __init__(self, columns):
        self.columns = tuple(columns)
        self.by_key = {column.key: column for column in self.columns}
        self.aliases = {
            normalize_header(name): column.key
            for column in self.columns
            for name in (column.key, *column.chinese)
        }

    def title(self, key: str) -> str:
        """``"Personnel number (personnel_number / 人员编号)"`` for messages and help."""
        column = self.by_key[key]
        names = " / ".join((column.key, *column.chinese))
        return f"{column.label} ({names})"

    def map_headers(self, cells) -> HeaderMap:
        """Find the columns in a header row; raises TabularError on missing or repeated ones."""
        positions, ignored = {}, []
        for index, cell in enumerate(cells):
            raw = "" if cell is None else str(cell).strip()
            if not raw:
                continue
            key = self.aliases.get(normalize_header(raw))
            if key is None:
                ignored.append(raw)
            elif key in positions:
                raise TabularError(
                    _(
                        "The column %(column)s appears more than once in the header row.",
                        column=self.title(key),
                    )
                )
            else:
                positions[key] = index
        missing = [c.key for c in self.columns if c.required and c.key not in positions]
        if missing:
            raise TabularError(
                _(
                    "The header row (the first non-empty row) lacks the required columns: "
                    "%(columns)s.",
                    columns=", ".join(self.title(key) for key in missing),
                )
            )
        return HeaderMap(positions, ignored)

    def read(self, data: bytes, filename: str, max_rows: int, no_rows_message: str) -> Table:
        """The data rows of a file, by column key, below its header row (the first non-empty
        one); raises TabularError when the file as a whole is bad."""
        header, rows = None, []
        for line, cells in read_rows(data, filename):
            if header is None:
                header = self.map_headers(cells)
                continue
            if len(rows) >= max_rows:
                raise TabularError(
                    _(
                        "The file has more than %(count)s rows. Split it into files of at most "
                        "%(count)s rows.",
                        count=grouped_digits(max_rows),
                    )
                )
            values = {
                key: (cells[index] if index < len(cells) else None)
                for key, index in header.positions.items()
            }
            rows.append(TableRow(line, values))
        if header is None:
            raise TabularError(_("The file is empty."))
        if not rows:
            raise TabularError(no_rows_message)
        return Table(rows, frozenset(header.positions), header.ignored)


def grouped_digits(number: int) -> str:
    """``20000`` -> ``"20,000"``: a count in a message, grouped the same in English and
    Chinese (and outside a request, where Babel has no locale)."""
    return f"{number:,}"


def cell_text(value) -> str:
    """A cell as trimmed text: Excel numbers lose their ``.0``, dates print as YYYY-MM-DD."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def file_extension(filename: str) -> str:
    return filename.rsplit(".", 1)[-1].lower() if "." in (filename or "") else ""


def decode_text(data: bytes) -> str:
    """UTF-8 (with or without BOM), else GB18030 (a superset of GBK, what Excel on Chinese
    Windows writes); raises TabularError when the bytes are neither or not text at all."""
    if b"\x00" in data:
        # UTF-16 text and binary files (images, Excel files renamed .csv) carry NUL bytes;
        # GB18030 would otherwise decode many of them into nonsense.
        raise TabularError(
            _(
                "This file is not a CSV text file. Save it from Excel as “CSV UTF-8” or "
                "“CSV (comma delimited)”, or upload the .xlsx workbook."
            )
        )
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise TabularError(
        _(
            "The file has the wrong encoding: it is neither UTF-8 nor GBK. Save it from "
            "Excel as “CSV UTF-8” and upload it again."
        )
    )


def _csv_rows(data: bytes):
    text = decode_text(data)
    first_line = text.lstrip("\r\n").split("\n", 1)[0]
    delimiter = max(",;\t", key=first_line.count) if first_line else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for cells in reader:
            # Our exports neutralise formula-like text with a leading quote: take it off.
            yield reader.line_num, [restore_text(cell) for cell in cells]
    except csv.Error as exc:
        raise TabularError(
            _(
                "Row %(line)d of the CSV file cannot be read: %(error)s",
                line=reader.line_num,
                error=str(exc),
            )
        ) from exc


def _xlsx_rows(data: bytes):
    from openpyxl import load_workbook

    # A damaged or fake workbook fails in many ways (zip, XML, missing parts, bad styles),
    # while opening and while reading rows; each is the same "not a valid workbook" to the user.
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:
        raise _not_a_workbook() from exc
    try:
        if not workbook.worksheets:
            return
        rows = workbook.worksheets[0].iter_rows(values_only=True)
        line = 0
        while True:
            try:
                cells = next(rows)
            except StopIteration:
                return
            except Exception as exc:
                raise _not_a_workbook() from exc
            # In read-only mode openpyxl yields blank rows for gaps: the count is the row number.
            line += 1
            yield line, cells
    finally:
        workbook.close()


def _not_a_workbook() -> TabularError:
    return TabularError(
        _("This file is not a valid Excel workbook (.xlsx). Open it in Excel and save it again.")
    )


def read_rows(data: bytes, filename: str):
    """Yield ``(row number, cells)`` of the first sheet of a .csv or .xlsx file, blank rows
    skipped; raises TabularError when the file as a whole cannot be read."""
    extension = file_extension(filename)
    if extension not in EXTENSIONS:
        raise TabularError(_("Upload a .csv or .xlsx file."))
    if not data or not data.strip():
        raise TabularError(_("The file is empty."))
    if extension == "csv" and data.startswith(b"PK\x03\x04"):
        raise TabularError(
            _("This file is an Excel workbook, not a CSV file: name it .xlsx and upload it again.")
        )
    source = _csv_rows(data) if extension == "csv" else _xlsx_rows(data)
    for line, cells in source:
        if any(cell_text(cell) for cell in cells):
            yield line, cells


def rows_by_status(plans: list, statuses: tuple[str, ...], wanted: str) -> tuple[str, list]:
    """An import preview's planned rows: those with the status ``wanted`` (every row when it
    is not one of ``statuses``), ordered as ``statuses`` lists them, then by line; and the
    status shown ("" for all)."""
    status = wanted if wanted in statuses else ""
    order = {name: index for index, name in enumerate(statuses)}
    shown = sorted(
        (plan for plan in plans if not status or plan.status == status),
        key=lambda plan: (order[plan.status], plan.line),
    )
    return status, shown
