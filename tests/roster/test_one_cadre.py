"""Issue 19: a case, width or spacing variant of a personnel number is the same cadre, through
every entry point a sub-unit supervisor has (roster preview and confirm, offline entry)."""

import io
import threading

import pytest
from sqlalchemy import event, func, select

from lms.extensions import db
from lms.offline.models import OfflineTraining
from lms.org.models import Cadre
from tests.conftest import csrf_token
from tests.offline.conftest import TRAINING
from tests.roster.conftest import counts, csv_bytes, page_text, xlsx_bytes

OUTSIDE = "belongs to a unit outside your scope; ask the organization department."


@pytest.fixture
def district(app, make_unit, make_user):
    """区 with 区教育局 (where WY0003 works) and 区财政局 (whose supervisor imports)."""
    education = make_unit("区/区教育局")
    finance = make_unit("区/区财政局")
    real = make_user("wang", unit=education, display_name="王五")
    real.cadre.personnel_number = "WY0003"
    db.session.commit()
    return {
        "education": education,
        "finance": finance,
        "real": real,
        "finance_sup": make_user("cz_sup", roles=["supervisor"], unit=finance),
        "root": make_unit("区"),
        "root_sup": make_user("qu_sup", roles=["supervisor"], unit=make_unit("区")),
    }


def _cadres(key: str) -> list[Cadre]:
    db.session.expire_all()
    return list(db.session.scalars(select(Cadre).where(Cadre.key_matches(key))))


@pytest.mark.parametrize(
    "written", ["wy0003", "WY0003", "ＷＹ０００３", " WY0003 ", "\u3000ｗｙ0003"]
)
def test_a_variant_of_an_outside_cadre_is_refused_and_nothing_created(
    client, login, upload, post, district, categories, written
):
    login(district["finance_sup"])
    upload(csv_bytes([[written, "王五", "区/区财政局", "", "", "", ""]]))
    html = page_text(client.get("/roster/preview"))
    assert OUTSIDE in html
    assert "will create the account" not in html
    before = counts()
    post("/roster/confirm", token_page="/roster/preview")
    assert counts() == before
    [only] = _cadres("WY0003")
    assert only.user_id == district["real"].id
    assert only.user.unit.name_path == "区/区教育局"


def test_a_variant_inside_the_scope_updates_that_cadre(
    client, login, upload, post, district, make_user, categories
):
    mine = make_user("li", unit=district["finance"], display_name="李四")
    mine.cadre.personnel_number = "CZ0001"
    db.session.commit()
    login(district["finance_sup"])
    upload(csv_bytes([["ｃｚ０００１ ", "李四", "区/区财政局", "", "科员", "", ""]]))
    html = page_text(client.get("/roster/preview"))
    assert "Changed" in html and "will create the account" not in html
    before = counts()
    post("/roster/confirm", token_page="/roster/preview")
    assert counts() == before
    [record] = _cadres("cz0001")
    assert (record.user_id, record.rank, record.personnel_number) == (mine.id, "科员", "CZ0001")


def test_two_variants_in_one_file_are_one_number(client, login, upload, post, district, categories):
    login(district["finance_sup"])
    upload(
        csv_bytes(
            [
                ["CZ0009", "甲", "区/区财政局", "", "", "", ""],
                ["ｃｚ0009", "乙", "区/区财政局", "", "", "", ""],
            ]
        )
    )
    assert "appears more than once in the file" in page_text(client.get("/roster/preview"))
    before = counts()
    post("/roster/confirm", token_page="/roster/preview")
    assert counts() == before


def test_a_number_excel_stripped_of_its_zeros_is_not_matched_silently(
    client, login, upload, post, district, make_user, categories
):
    mine = make_user("zhao", unit=district["finance"], display_name="赵六")
    mine.cadre.personnel_number = "0007"
    db.session.commit()
    login(district["finance_sup"])
    # A number cell, as Excel keeps "0007" typed into a General column: 7.
    upload(xlsx_bytes([[7, "赵六", "区/区财政局", None, "科长", None, None]]), "r.xlsx")
    html = page_text(client.get("/roster/preview"))
    assert "only when leading zeros are ignored" in html
    before = counts()
    post("/roster/confirm", token_page="/roster/preview")
    assert counts() == before
    assert _cadres("0007")[0].rank is None  # not updated either
    # Written as text, in full, the row is that cadre.
    upload(xlsx_bytes([["0007", "赵六", "区/区财政局", None, "科长", None, None]]), "r.xlsx")
    post("/roster/confirm", token_page="/roster/preview")
    assert counts() == before
    assert _cadres("0007")[0].rank == "科长"


def test_offline_entry_finds_the_one_cadre_by_any_variant(client, login, post, district):
    login(district["root_sup"])
    response = post("/offline/new", {**TRAINING, "personnel_numbers": "ｗｙ０００３\u3000"})
    assert response.status_code == 302, page_text(response)[:2000]
    records = list(db.session.scalars(select(OfflineTraining)))
    assert [r.user_id for r in records] == [district["real"].id]
    client.post("/logout", data={"csrf_token": _token(client)})
    # The finance bureau's supervisor cannot reach WY0003 by a variant either.
    login(district["finance_sup"])
    response = post("/offline/new", {**TRAINING, "personnel_numbers": "wy0003"})
    assert response.status_code == 400
    assert "No cadre in your units has these personnel numbers: wy0003" in page_text(response)
    assert db.session.scalar(select(func.count(OfflineTraining.id))) == 1


def test_search_finds_a_cadre_by_a_width_variant(client, login, district):
    login(district["root_sup"])
    root = district["root"].id
    assert "王五" in page_text(client.get(f"/org/units/{root}?q=ｗｙ０００３"))
    assert "王五" not in page_text(client.get(f"/org/units/{root}?q=ｗｙ０００４"))


def _token(client):
    return csrf_token(client, "/account")


def test_the_api_login_takes_a_width_variant_of_the_username(client, make_user, district):
    # The roster makes the personnel number the username: typed full-width, it is the same.
    make_user("WY0005", unit=district["education"])
    response = client.post(
        "/api/v1/auth/token", json={"username": "ｗｙ０００５", "password": "secret-pass-1"}
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    token = response.get_json()["token"]
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).get_json()
    assert me["username"] == "WY0005"


def test_two_imports_of_variants_at_once_make_one_cadre(
    app, client, district, make_user, categories
):
    """PostgreSQL: two supervisors confirm `wy0007` and `ＷＹ０００７` at the same moment."""
    # ``client`` makes app.test_client() give clients that run each request in a context
    # of its own (tests/conftest.py), so the two logins do not share Flask-Login's cache.
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite runs one writer at a time: the confirms cannot overlap")
    other_sup = make_user("cz_sup2", roles=["supervisor"], unit=district["finance"])
    sessions = []
    for supervisor, written in ((district["finance_sup"], "wy0007"), (other_sup, "ＷＹ０００７")):
        browser = app.test_client()  # one per supervisor: each keeps its login and upload
        browser.post(
            "/login",
            data={
                "username": supervisor.username,
                "password": "secret-pass-1",
                "csrf_token": csrf_token(browser),
            },
        )
        row = [written, "钱七", "区/区财政局", "", "", "", ""]
        response = browser.post(
            "/roster/",
            data={
                "csrf_token": csrf_token(browser, "/roster/"),
                "file": (io.BytesIO(csv_bytes([row])), "r.csv"),
            },
            content_type="multipart/form-data",
        )
        assert response.status_code == 302
        token = csrf_token(browser, "/roster/preview")
        sessions.append((browser.get_cookie("session").value, token))
    # Both reach their first insert before either makes it; one then waits for the other.
    barrier = threading.Barrier(2, timeout=10)

    def wait_for_the_other(_conn, _cursor, statement, *_args):
        if statement.lstrip().upper().startswith('INSERT INTO "USER"'):
            barrier.wait()

    def confirm(cookie, token, results):
        other = app.test_client()
        other.set_cookie("session", cookie)
        with app.app_context():
            response = other.post("/roster/confirm", data={"csrf_token": token})
            results.append(page_text(other.get(response.headers["Location"])))

    results = []
    event.listen(db.engine, "before_cursor_execute", wait_for_the_other)
    try:
        threads = [
            threading.Thread(target=confirm, args=(cookie, token, results))
            for cookie, token in sessions
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
    finally:
        event.remove(db.engine, "before_cursor_execute", wait_for_the_other)
    assert len(results) == 2
    assert sum("Roster imported: 1 created" in page for page in results) == 1
    assert sum("The data changed while importing" in page for page in results) == 1
    assert len(_cadres("wy0007")) == 1
