"""The pure parts of the roster import: headers, cells, encodings and reading files."""

import io
import zipfile
from datetime import date, datetime

import pytest

from lms.core.tabular import decode_text, normalize_header
from lms.roster.columns import (
    MAX_ROWS,
    RosterError,
    map_headers,
    parse_bool,
    parse_date,
    parse_roster,
)
from lms.roster.template_file import build_template
from tests.roster.conftest import HEADER, csv_bytes, xlsx_bytes

PNG_BYTES = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00"
    b"\x00\x00\x00IEND\xaeB`\x82"
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("personnel_number", "personnelnumber"),
        ("  Personnel Number ", "personnelnumber"),
        ("Date_of_Birth*", "dateofbirth"),
        (" 姓名 ", "姓名"),
        ("ＥＭＡＩＬ", "email"),
        (None, ""),
    ],
)
def test_normalize_header(text, expected):
    assert normalize_header(text) == expected


def test_map_headers_accepts_english_and_chinese_names():
    header = map_headers(
        ["工号", "Name", "所在单位", "干部类别", "任现职时间", "Phone", "备注", None]
    )
    assert header.positions == {
        "personnel_number": 0,
        "name": 1,
        "unit": 2,
        "category": 3,
        "last_promoted_on": 4,
        "phone": 5,
    }
    assert header.ignored == ["备注"]


def test_map_headers_names_the_missing_required_columns():
    with pytest.raises(RosterError) as error:
        map_headers(["name", "rank"])
    assert "personnel_number" in str(error.value)
    assert "单位" in str(error.value)
    assert "姓名" not in str(error.value)


def test_map_headers_refuses_a_column_given_twice():
    with pytest.raises(RosterError, match="more than once"):
        map_headers(["人员编号", "姓名", "单位", "手机", "电话"])


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("是", True),
        ("否", False),
        ("Y", True),
        ("n", False),
        ("Yes", True),
        ("NO", False),
        ("true", True),
        ("False", False),
        ("1", True),
        ("0", False),
        (1, True),
        (0.0, False),
        (True, True),
        ("", None),
        (None, None),
        ("  ", None),
    ],
)
def test_parse_bool(value, expected):
    assert parse_bool(value) is expected


@pytest.mark.parametrize("value", ["maybe", "2", "是的"])
def test_parse_bool_rejects_other_words(value):
    with pytest.raises(ValueError):
        parse_bool(value)


@pytest.mark.parametrize(
    "value",
    [
        "2024-03-05",
        "2024/03/05",
        "2024.03.05",
        "2024/3/5",
        "2024年3月5日",
        "2024年03月05日",
        " 2024-03-05 ",
        "2024-03-05 00:00:00",
        "２０２４－０３－０５",
        datetime(2024, 3, 5, 0, 0),
        date(2024, 3, 5),
    ],
)
def test_parse_date_formats(value):
    assert parse_date(value) == date(2024, 3, 5)


def test_parse_date_blank_is_none():
    assert parse_date("") is None
    assert parse_date(None) is None


@pytest.mark.parametrize("value", ["2024-02-30", "05/03/2024", "March 5", "1024-01-01", 45356])
def test_parse_date_rejects_bad_dates(value):
    with pytest.raises(ValueError):
        parse_date(value)


def test_decode_text_utf8_with_and_without_bom_and_gbk():
    text = "人员编号,姓名\r\n"
    assert decode_text(text.encode("utf-8")) == text
    assert decode_text(text.encode("utf-8-sig")) == text
    assert decode_text(text.encode("gbk")) == text


def test_decode_text_refuses_bytes_invalid_in_utf8_and_gb18030():
    data = b"personnel_number,name,unit\r\n\x80\xff,x,y\r\n"
    with pytest.raises(RosterError, match="wrong encoding"):
        decode_text(data)


def test_decode_text_refuses_binary_data():
    with pytest.raises(RosterError, match="not a CSV text file"):
        decode_text(PNG_BYTES)


def test_parse_csv_utf8():
    roster = parse_roster(csv_bytes([["A1", "Ann", "District/Bureau", "", "", "", "是"]]), "r.csv")
    assert [row.line for row in roster.rows] == [2]
    row = roster.rows[0].values
    assert (row["personnel_number"], row["name"], row["unit"]) == ("A1", "Ann", "District/Bureau")
    assert roster.columns == frozenset(HEADER)


def test_parse_csv_with_bom_keeps_the_first_header():
    roster = parse_roster(csv_bytes([["A1", "Ann", "D", "", "", "", ""]], "utf-8-sig"), "r.csv")
    assert roster.rows[0].values["personnel_number"] == "A1"


def test_parse_csv_gbk_with_chinese_headers():
    data = csv_bytes([["A1", "张三", "未央区/财政局"]], "gbk", header=["工号", "姓名", "单位"])
    roster = parse_roster(data, "花名册.CSV")
    assert roster.rows[0].values == {
        "personnel_number": "A1",
        "name": "张三",
        "unit": "未央区/财政局",
    }


def test_parse_csv_semicolons_and_skips_blank_lines():
    data = b"\r\npersonnel_number;name;unit\r\n\r\nA1;Ann;D\r\n;;\r\n"
    roster = parse_roster(data, "r.csv")
    assert [(row.line, row.values["name"]) for row in roster.rows] == [(4, "Ann")]


def test_parse_xlsx_with_real_date_cells_and_a_late_header():
    data = xlsx_bytes(
        [[1001, "Ann", "D/B", None, None, date(1980, 3, 5), True]], leading_blank_rows=2
    )
    roster = parse_roster(data, "r.xlsx")
    assert roster.rows[0].line == 4
    values = roster.rows[0].values
    assert values["personnel_number"] == 1001
    assert parse_date(values["date_of_birth"]) == date(1980, 3, 5)
    assert parse_bool(values["is_reserve"]) is True


@pytest.mark.parametrize(
    ("data", "filename", "message"),
    [
        (b"", "r.csv", "empty"),
        (b"  \r\n\r\n", "r.csv", "empty"),
        (b"personnel_number,name,unit\r\n", "r.csv", "no cadres"),
        (b"name,rank\r\nAnn,x\r\n", "r.csv", "lacks the required columns"),
        (PNG_BYTES, "photo.csv", "not a CSV text file"),
        (PNG_BYTES, "photo.xlsx", "not a valid Excel workbook"),
        (b"personnel_number,name,unit\r\nA1,Ann,D\r\n", "r.xlsx", "not a valid Excel workbook"),
        (b"anything", "r.xls", ".csv or .xlsx"),
        (b"anything", "roster", ".csv or .xlsx"),
    ],
)
def test_parse_roster_refuses_bad_files(data, filename, message):
    with pytest.raises(RosterError, match=message):
        parse_roster(data, filename)


def test_parse_roster_refuses_a_zip_that_is_not_a_workbook():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("hello.txt", "hello")
    with pytest.raises(RosterError, match="not a valid Excel workbook"):
        parse_roster(out.getvalue(), "r.xlsx")


def test_parse_roster_refuses_an_xlsx_named_csv():
    with pytest.raises(RosterError, match=r"name it \.xlsx"):
        parse_roster(xlsx_bytes([["A1", "Ann", "D"]]), "r.csv")


def test_parse_roster_row_limit():
    rows = [[f"A{n}", "Ann", "D"] for n in range(MAX_ROWS)]
    header = ["personnel_number", "name", "unit"]
    assert len(parse_roster(csv_bytes(rows, header=header), "r.csv").rows) == MAX_ROWS
    rows.append(["B1", "Bob", "D"])
    with pytest.raises(RosterError, match="more than 20,000 rows"):
        parse_roster(csv_bytes(rows, header=header), "r.csv")


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
@pytest.mark.parametrize("extension", ["csv", "xlsx"])
def test_templates_read_back(extension, locale):
    roster = parse_roster(build_template(extension, locale, "公务员"), f"t.{extension}")
    assert len(roster.rows) == 1
    assert roster.ignored_columns == []
    values = roster.rows[0].values
    assert values["personnel_number"] == "A0001"
    assert parse_date(values["date_of_birth"]) == date(1980, 3, 5)
    assert parse_bool(values["is_key_position"]) is True
