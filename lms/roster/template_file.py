"""The roster template file: the header row and one example row, as CSV or XLSX."""

from datetime import date

from lms.core.exports import ExportColumn, export_bytes
from lms.roster.columns import COLUMNS

EXAMPLE_ROW = {
    "en": {
        "personnel_number": "A0001",
        "name": "Zhang San",
        "unit": "Weiyang District/Finance Bureau/Budget Section",
        "rank": "Section chief",
        "position": "Director",
        "email": "zhangsan@example.org",
    },
    "zh": {
        "personnel_number": "A0001",
        "name": "张三",
        "unit": "未央区/区财政局/预算科",
        "rank": "正科级",
        "position": "科长",
        "email": "zhangsan@example.org",
    },
}
EXAMPLE_DATES = {"date_of_birth": date(1980, 3, 5), "last_promoted_on": date(2021, 7, 1)}


def template_rows(locale: str, category_name: str = "") -> tuple[list[str], list]:
    """The header row (Chinese or English names) and one example row of a roster file."""
    chinese = locale.startswith("zh")
    example = EXAMPLE_ROW["zh" if chinese else "en"]
    yes, no = ("是", "否") if chinese else ("yes", "no")
    values = {
        **example,
        **EXAMPLE_DATES,
        "category": category_name,
        "is_reserve": no,
        "is_key_position": yes,
        "phone": "13800000000",
    }
    header = [column.chinese[0] if chinese else column.key for column in COLUMNS]
    return header, [values[column.key] for column in COLUMNS]


def build_template(extension: str, locale: str, category_name: str = "") -> bytes:
    """A roster template as CSV (UTF-8 with BOM, which Excel opens correctly) or XLSX bytes."""
    header, example = template_rows(locale, category_name)
    columns = [
        ExportColumn(
            title,
            "date" if column.key in EXAMPLE_DATES else "text",
            width=44 if column.key == "unit" else 18,
        )
        for title, column in zip(header, COLUMNS, strict=True)
    ]
    return export_bytes(columns, [example], extension, "Roster")
