"""What a roster file holds: its columns (Chinese or English headers), how a cell reads as a
date or a yes/no, and reading a CSV/XLSX file into rows."""

import re
import unicodedata
from datetime import date, datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext

from lms.core.tabular import Column, HeaderMap, Layout, Table, TableRow, TabularError, cell_text

MAX_ROWS = 20_000

# "The file as a whole cannot be imported": one error for every import file.
RosterError = TabularError

# --- columns -----------------------------------------------------------------------------


COLUMNS = (
    Column("personnel_number", _l("Personnel number"), ("人员编号", "工号", "编号"), True, 40),
    Column("name", _l("Name"), ("姓名",), True, 100),
    Column("unit", _l("Unit"), ("单位", "所在单位", "部门"), True),
    Column("category", lazy_pgettext("cadre", "Category"), ("干部类别", "类别")),
    Column("rank", _l("Rank"), ("职级",), max_length=100),
    Column("position", _l("Position"), ("职务",), max_length=200),
    Column("date_of_birth", _l("Date of birth"), ("出生日期",)),
    Column("is_reserve", _l("Reserve cadre"), ("后备干部",)),
    Column("last_promoted_on", _l("Last promoted on"), ("最近提拔时间", "任现职时间")),
    Column("is_key_position", _l("Key position"), ("关键岗位",)),
    Column("email", _l("E-mail"), ("邮箱", "电子邮件"), max_length=255),
    Column("phone", _l("Phone"), ("手机", "电话", "联系电话"), max_length=32),
)
LAYOUT = Layout(COLUMNS)
COLUMNS_BY_KEY = LAYOUT.by_key
DATE_FIELDS = ("date_of_birth", "last_promoted_on")
BOOL_FIELDS = ("is_reserve", "is_key_position")
TEXT_FIELDS = ("rank", "position", "email", "phone")
# Where each optional field lives: on the account or on the personnel record.
USER_FIELDS = ("email", "phone")


def map_headers(cells) -> HeaderMap:
    """Find the roster columns in a header row; raises RosterError on missing or repeated ones."""
    return LAYOUT.map_headers(cells)


# --- cell values -------------------------------------------------------------------------

TRUE_WORDS = {"是", "y", "yes", "true", "1"}
FALSE_WORDS = {"否", "n", "no", "false", "0"}
DATE_PATTERNS = (
    re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?"),
    re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日?"),
)


def parse_bool(value) -> bool | None:
    """是/否, Y/N, yes/no, true/false, 1/0 (any case) -> bool; blank -> None; else ValueError."""
    if isinstance(value, bool):
        return value
    text = unicodedata.normalize("NFKC", cell_text(value)).lower()
    if not text:
        return None
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    raise ValueError(text)


def parse_date(value) -> date | None:
    """A date from an Excel date cell or text such as 2024-03-05, 2024/3/5, 2024.03.05,
    2024年3月5日; blank -> None; anything else -> ValueError."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if value is not None and not isinstance(value, str):
        raise ValueError(value)  # a bare number is not a date: Excel dates carry a date format
    text = unicodedata.normalize("NFKC", cell_text(value))
    if not text:
        return None
    for pattern in DATE_PATTERNS:
        match = pattern.fullmatch(text)
        if match:
            year, month, day = (int(part) for part in match.groups())
            if year < 1900:
                raise ValueError(text)
            return date(year, month, day)  # raises ValueError on 2024-02-30
    raise ValueError(text)


# --- reading files -----------------------------------------------------------------------


# One data row (its row number and raw cells by column key) and a whole file.
RosterRow = TableRow
Roster = Table


def parse_roster(data: bytes, filename: str) -> Roster:
    """Read the rows of a roster file; raises RosterError when the file as a whole is bad."""
    return LAYOUT.read(
        data, filename, MAX_ROWS, _("The file has a header row but no cadres below it.")
    )
