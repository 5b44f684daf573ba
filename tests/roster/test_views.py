"""The roster pages: upload, preview, confirm and cancel, as admins and supervisors use them."""

import os
import re
import time
from datetime import date
from pathlib import Path

import pytest

from lms.accounts.models import Role
from lms.accounts.services import find_user
from lms.extensions import db
from lms.org.categories import find_category
from lms.org.models import Cadre
from lms.roster.columns import parse_roster
from tests.roster.conftest import cadre, counts, csv_bytes, page_text, xlsx_bytes

ROWS = [
    [
        "A1",
        "Ann",
        "Weiyang District/Finance Bureau/Budget Section",
        "civil_servant",
        "Clerk",
        "1980-03-05",
        "是",
    ],
    ["A2", "Bob", "Weiyang District/Finance Bureau", "区管干部", "", "", ""],
]


def uploads_folder(app) -> Path:
    return Path(app.instance_path) / "roster_uploads"


def stored_files(app) -> list[Path]:
    folder = uploads_folder(app)
    return sorted(folder.iterdir()) if folder.exists() else []


def flashes(response) -> str:
    return " ".join(re.findall(r'<p class="flash[^"]*">([^<]*)</p>', page_text(response)))


@pytest.fixture
def cadre_in(make_user):
    """``cadre_in(unit, "N1", name="Ann")``: an existing cadre with a personnel number."""

    def _make(unit, number, **fields):
        user = make_user(number.lower(), unit=unit, display_name=fields.pop("name", number))
        user.cadre.personnel_number = number
        for key, value in fields.items():
            setattr(user.cadre, key, value)
        db.session.commit()
        return user

    return _make


# --- access ------------------------------------------------------------------------------

PAGES = ["/roster/", "/roster/preview", "/roster/template.csv", "/roster/template.xlsx"]


@pytest.mark.parametrize("url", PAGES)
@pytest.mark.parametrize("role", ["cadre", "instructor"])
def test_other_roles_are_forbidden(client, make_unit, make_user, login, role, url):
    login(make_user("someone", roles=[role], unit=make_unit("D")))
    assert client.get(url).status_code == 403


@pytest.mark.parametrize("url", ["/roster/", "/roster/confirm", "/roster/cancel"])
def test_cadre_cannot_post(client, make_unit, make_user, login, post, url):
    login(make_user("someone", roles=["cadre"], unit=make_unit("D")))
    before = counts()
    assert post(url).status_code == 403
    assert counts() == before


def test_anonymous_is_sent_to_login(client):
    response = client.get("/roster/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


@pytest.mark.parametrize("role", ["admin", "supervisor"])
def test_upload_page_lists_columns_and_templates(client, make_unit, make_user, login, role):
    login(make_user("boss", roles=[role], unit=make_unit("Weiyang District")))
    response = client.get("/roster/")
    html = page_text(response)
    assert response.status_code == 200
    assert 'accept=".csv,.xlsx"' in html
    assert "人员编号" in html and "最近提拔时间" in html and "is_key_position" in html
    assert "/roster/template.xlsx" in html and "/roster/template.csv" in html


def test_supervisor_without_unit_cannot_import(client, make_user, login, upload, categories):
    login(make_user("sup", roles=["supervisor"]))
    response = client.get("/roster/")
    assert response.status_code == 200
    assert "not attached to a unit" in page_text(response)
    assert 'type="file"' not in page_text(response)
    before = counts()
    response = upload(csv_bytes(ROWS))
    assert response.status_code == 403
    assert stored_files(client.application) == []
    assert counts() == before


@pytest.mark.parametrize("ext", ["csv", "xlsx"])
def test_template_downloads(client, admin, categories, ext):
    response = client.get(f"/roster/template.{ext}")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    roster = parse_roster(response.data, f"t.{ext}")
    assert roster.rows[0].values["personnel_number"] == "A0001"
    assert client.get("/roster/template.txt").status_code == 404


# --- a full import -----------------------------------------------------------------------


def test_upload_preview_confirm_and_reimport(app, client, admin, upload, post, categories):
    data = csv_bytes(ROWS)
    response = upload(data)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/roster/preview")
    [stored] = stored_files(app)
    assert stored.suffix == ".csv" and stored.read_bytes() == data

    before = counts()
    html = page_text(client.get("/roster/preview"))
    assert counts() == before  # the preview writes nothing
    assert "will create unit Weiyang District/Finance Bureau/Budget Section" in html
    assert "will create the account A1" in html
    assert "cannot log in until an administrator resets their password" in html
    assert "Confirm import" in html

    response = post("/roster/confirm", token_page="/roster/preview")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/roster/")
    message = flashes(client.get("/roster/"))
    assert "2 created, 0 updated, 0 unchanged, 3 units created" in message
    assert stored_files(app) == []
    assert counts() == {"users": before["users"] + 2, "cadres": 2, "units": 3}

    ann = find_user("A1")
    assert ann.display_name == "Ann"
    assert ann.roles == {Role.CADRE}
    assert ann.password_hash is None
    assert ann.unit.name_path == "Weiyang District/Finance Bureau/Budget Section"
    record = cadre("A1")
    assert record.category.code == "civil_servant"
    assert (record.rank, record.date_of_birth, record.is_reserve) == (
        "Clerk",
        date(1980, 3, 5),
        True,
    )
    assert cadre("A2").category.code == "district_management"
    assert cadre("A2").is_reserve is False

    # The same file again: every row unchanged, and confirming writes nothing.
    upload(data)
    html = page_text(client.get("/roster/preview"))
    assert html.count('class="tag ">Unchanged</span>') == 2
    after = counts()
    post("/roster/confirm", token_page="/roster/preview")
    assert "0 created, 0 updated, 2 unchanged, 0 units created" in flashes(client.get("/roster/"))
    assert counts() == after


def test_preview_shows_each_status_and_the_changes(
    client, admin, make_unit, cadre_in, upload, categories
):
    unit = make_unit("D/B")
    cadre_in(unit, "OLD1", name="Old One", rank="Clerk")
    cadre_in(unit, "SAME", name="Same Person")
    rows = [
        ["NEW1", "Nia", "D/B", "", "", "", ""],
        ["OLD1", "Old One", "D/B", "", "Section chief", "", "yes"],
        ["SAME", "Same Person", "D/B", "", "", "", ""],
        ["BAD1", "Bad", "D/B", "no such category", "", "", ""],
    ]
    upload(csv_bytes(rows))
    html = page_text(client.get("/roster/preview"))
    for label in ("New", "Changed", "Unchanged", "Rejected"):
        assert f">{label}</span>" in html
    assert "Rank: Clerk → Section chief" in html
    assert "Reserve cadre: no → yes" in html
    assert "The category no such category is unknown." in html
    # Rejected rows come first.
    assert html.index("BAD1") < html.index("NEW1") < html.index("OLD1")


def test_preview_filters_and_pages(app, client, admin, upload, categories):
    app.config["PAGE_SIZE"] = 2
    rows = [[f"N{n}", f"Name {n}", "D", "", "", "", ""] for n in range(5)]
    rows.append(["", "No Number", "D", "", "", "", ""])
    upload(csv_bytes(rows))
    html = page_text(client.get("/roster/preview?status=rejected"))
    assert "No Number" in html and "Name 0" not in html
    html = page_text(client.get("/roster/preview?status=new&page=3"))
    assert "Name 4" in html and "Name 0" not in html
    assert "Page 3 of 3" in html


def test_xlsx_with_date_cells_and_chinese_headers(client, admin, upload, post, categories):
    header = ["人员编号", "姓名", "部门", "类别", "出生日期", "任现职时间", "关键岗位", "邮箱"]
    rows = [
        [
            1001,
            "张三",
            "未央区/财政局",
            "公务员",
            date(1975, 1, 2),
            date(2020, 6, 1),
            "Y",
            "zs@example.org",
        ]
    ]
    assert upload(xlsx_bytes(rows, header=header), "名册.xlsx").status_code == 302
    assert "财政局" in page_text(client.get("/roster/preview"))
    post("/roster/confirm", token_page="/roster/preview")
    record = cadre("1001")
    assert record.user.unit.name_path == "未央区/财政局"
    assert (record.date_of_birth, record.last_promoted_on) == (date(1975, 1, 2), date(2020, 6, 1))
    assert record.is_key_position is True
    assert record.user.email == "zs@example.org"
    assert record.category == find_category("civil_servant")


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_csv_encodings_import_chinese_text(client, admin, upload, post, categories, encoding):
    data = csv_bytes(
        [["G1", "王芳", "未央区/教育局", "村干部"]],
        encoding,
        header=["工号", "姓名", "单位", "干部类别"],
    )
    assert upload(data).status_code == 302
    post("/roster/confirm", token_page="/roster/preview")
    record = cadre("G1")
    assert record.user.display_name == "王芳"
    assert record.user.unit.name_path == "未央区/教育局"
    assert record.category.code == "village"


def test_update_leaves_absent_columns_and_blank_cells_alone(
    client, admin, make_unit, cadre_in, upload, post, categories
):
    cadre_in(make_unit("D/Old"), "K1", name="Kim", rank="Clerk", position="Officer")
    data = csv_bytes([["K1", "Kim Li", "D/New", ""]], header=["工号", "姓名", "单位", "职级"])
    upload(data)
    html = page_text(client.get("/roster/preview"))
    assert "Name: Kim → Kim Li" in html and "Unit: D/Old → D/New" in html
    post("/roster/confirm", token_page="/roster/preview")
    record = cadre("K1")
    assert record.user.display_name == "Kim Li"
    assert record.user.unit.name_path == "D/New"
    assert (record.rank, record.position) == ("Clerk", "Officer")


# --- all or nothing ----------------------------------------------------------------------


def test_one_rejected_row_means_nothing_is_written(app, client, admin, upload, post, categories):
    rows = [*ROWS, ["A3", "Cat", "Weiyang District", "", "", "1980-13-01", ""]]
    upload(csv_bytes(rows))
    html = page_text(client.get("/roster/preview"))
    assert "Date of birth: “1980-13-01” is not valid." in html
    assert "Confirm import" not in html
    assert "fix the file and upload it again" in html
    before = counts()
    response = post("/roster/confirm", token_page="/roster/preview")
    assert response.headers["Location"].endswith("/roster/preview")
    assert counts() == before
    assert len(stored_files(app)) == 1  # kept for the preview until cancelled


def test_duplicate_personnel_numbers_reject_both_rows(client, admin, upload, post, categories):
    rows = [
        ["D1", "Ann", "D", "", "", "", ""],
        ["d1", "Bob", "D", "", "", "", ""],
        ["D2", "Cyrus Third", "D", "", "", "", ""],
    ]
    upload(csv_bytes(rows))
    html = page_text(client.get("/roster/preview?status=rejected"))
    assert "appears more than once in the file (also in row 3)" in html
    assert "(also in row 2)" in html
    assert "Cyrus Third" not in html
    before = counts()
    post("/roster/confirm", token_page="/roster/preview")
    assert counts() == before


def test_overlong_values_are_rejected_before_the_database_sees_them(
    client, admin, upload, post, categories
):
    deep = "/".join(f"L{n}" for n in range(31))
    rows = [
        ["L1", "Lee", deep, "", "", "", ""],
        ["L2", "N" * 101, "D", "", "R" * 101, "", ""],
        ["L" * 41, "Lou", "D", "", "", "", ""],
    ]
    upload(csv_bytes(rows))
    html = page_text(client.get("/roster/preview"))
    assert "The unit path is too long (at most 30 levels)." in html
    assert "Name is longer than 100 characters." in html
    assert "Rank is longer than 100 characters." in html
    assert "Personnel number is longer than 40 characters." in html
    assert "3 rows are rejected" in html
    before = counts()
    post("/roster/confirm", token_page="/roster/preview")
    assert counts() == before


def test_taken_username_rejects_the_row(client, admin, make_user, upload, post, categories):
    make_user("T1", roles=["instructor"])
    upload(csv_bytes([["T1", "Tom", "D", "", "", "", ""]]))
    assert "The username T1 is already taken" in page_text(client.get("/roster/preview"))
    before = counts()
    post("/roster/confirm", token_page="/roster/preview")
    assert counts() == before


def test_confirm_checks_the_database_again(client, admin, make_user, upload, post, categories):
    upload(csv_bytes([["T1", "Tom", "D", "", "", "", ""]]))
    assert "Confirm import" in page_text(client.get("/roster/preview"))
    make_user("t1", roles=["instructor"])  # the username is taken meanwhile
    before = counts()
    response = post("/roster/confirm", token_page="/roster/preview")
    assert response.headers["Location"].endswith("/roster/preview")
    assert counts() == before
    assert cadre("T1") is None


# --- bad files ---------------------------------------------------------------------------

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00"


@pytest.mark.parametrize(
    ("data", "filename", "message"),
    [
        (b"", "r.csv", "The file is empty."),
        (b"name,rank\r\nAnn,x\r\n", "r.csv", "lacks the required columns"),
        (b"personnel_number,name,unit\r\nA1,\x80\xff,D\r\n", "r.csv", "wrong encoding"),
        (PNG, "photo.csv", "not a CSV text file"),
        (PNG, "photo.xlsx", "not a valid Excel workbook"),
        (b"hello", "notes.txt", "Upload a .csv or .xlsx file."),
    ],
)
def test_bad_files_get_a_clear_message(app, client, admin, upload, data, filename, message):
    before = counts()
    response = upload(data, filename)
    assert response.status_code == 400
    assert message in page_text(response)
    assert stored_files(app) == []
    assert counts() == before


def test_a_too_large_file_is_refused(app, client, admin, upload):
    app.config["MAX_CONTENT_LENGTH"] = 1024
    response = upload(csv_bytes([["A1", "Ann", "D" * 2000]]))
    assert response.status_code == 413
    assert "too large" in page_text(response)


def test_preview_without_upload_goes_back_to_the_form(client, admin):
    response = client.get("/roster/preview")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/roster/")


# --- supervisors' scope ------------------------------------------------------------------


@pytest.fixture
def supervisor(make_unit, make_user, login):
    make_unit("D/Other")
    user = make_user("sup", roles=["supervisor"], unit=make_unit("D/Mine"))
    login(user)
    return user


def test_supervisor_imports_within_their_unit(client, supervisor, upload, post, categories):
    upload(csv_bytes([["S1", "Sam", "D/Mine/New Section", "", "", "", ""]]))
    post("/roster/confirm", token_page="/roster/preview")
    assert cadre("S1").user.unit.name_path == "D/Mine/New Section"


@pytest.mark.parametrize("path", ["D/Other", "D", "D/Mine2", "Elsewhere/Mine"])
def test_supervisor_unit_outside_scope_is_rejected(
    client, supervisor, upload, post, categories, path
):
    upload(csv_bytes([["S1", "Sam", path, "", "", "", ""]]))
    html = page_text(client.get("/roster/preview"))
    assert f"The unit {path} is outside your scope." in html
    before = counts()
    post("/roster/confirm", token_page="/roster/preview")
    assert counts() == before


def test_supervisor_cannot_take_a_cadre_from_another_unit(
    client, supervisor, make_unit, cadre_in, upload, post, categories
):
    cadre_in(make_unit("D/Other"), "X1", name="Xu")
    upload(csv_bytes([["X1", "Xu", "D/Mine", "", "", "", ""]]))
    assert "belongs to a unit outside your scope" in page_text(client.get("/roster/preview"))
    before = counts()
    post("/roster/confirm", token_page="/roster/preview")
    assert counts() == before
    assert cadre("X1").user.unit.name_path == "D/Other"


# --- the stored upload -------------------------------------------------------------------


def test_cancel_deletes_the_stored_file(app, client, admin, upload, post, categories):
    upload(csv_bytes(ROWS))
    assert len(stored_files(app)) == 1
    before = counts()
    response = post("/roster/cancel", token_page="/roster/preview")
    assert response.headers["Location"].endswith("/roster/")
    assert stored_files(app) == []
    assert counts() == before
    assert client.get("/roster/preview").status_code == 302


def test_old_uploads_are_removed_and_a_new_upload_replaces_the_old(
    app, client, admin, upload, categories
):
    folder = uploads_folder(app)
    folder.mkdir(parents=True)
    stale, fresh = folder / ("a" * 32 + ".csv"), folder / ("b" * 32 + ".csv")
    stale.write_bytes(b"x")
    fresh.write_bytes(b"x")
    day_ago = time.time() - 25 * 3600
    os.utime(stale, (day_ago, day_ago))
    upload(csv_bytes(ROWS))
    upload(csv_bytes(ROWS[:1]))
    remaining = stored_files(app)
    assert stale not in remaining and fresh in remaining
    assert len(remaining) == 2  # the fresh stranger and this session's latest upload


def test_the_upload_belongs_to_the_user_who_sent_it(
    client, admin, make_user, login, upload, post, categories
):
    upload(csv_bytes(ROWS))
    post("/logout")
    login(make_user("other", roles=["admin"]))
    response = client.get("/roster/preview")
    assert response.status_code == 302
    assert db.session.query(Cadre).count() == 0
