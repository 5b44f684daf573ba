import pytest
from sqlalchemy import event

from lms.accounts.models import User
from lms.core.timeutil import utcnow
from lms.extensions import db
from tests.admin.conftest import deactivated


def test_list_shows_users_with_roles_unit_status_and_last_login(
    client, admin, make_user, make_unit
):
    unit = make_unit("District/Finance Bureau")
    ann = make_user("ann", roles=["cadre", "instructor"], unit=unit, display_name="Ann Li")
    ann.last_login_at = utcnow()
    deactivated(make_user("bob", roles=["supervisor"], unit=unit))
    db.session.commit()

    response = client.get("/admin/users/")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Ann Li" in html
    assert "District/Finance Bureau" in html
    assert "Instructor" in html and "Cadre" in html and "Supervisor" in html
    assert "Deactivated" in html
    assert f'href="/admin/users/{ann.id}/edit"' in html
    assert f'href="/admin/users/{ann.id}"' in html
    assert "Never" in html  # bob never logged in


@pytest.mark.parametrize(
    "q",
    ["ANN", "Ann Li", "ann@example.org", "138-0000", "p-777"],
)
def test_search_matches_username_name_email_phone_and_personnel_number(
    client, admin, make_user, make_unit, q
):
    unit = make_unit()
    ann = make_user(
        "ann", unit=unit, display_name="Ann Li", email="ann@example.org", phone="138-0000-1111"
    )
    ann.cadre.personnel_number = "P-777"
    make_user("carl", roles=["instructor"], display_name="Carl Wu")
    db.session.commit()

    html = client.get("/admin/users/", query_string={"q": q}).get_data(as_text=True)
    assert ">ann</a>" in html
    assert ">carl</a>" not in html
    assert ">root</a>" not in html


def test_search_wildcards_match_literally(client, admin, make_user):
    make_user("under_score", roles=["instructor"])
    make_user("underxscore", roles=["instructor"])
    html = client.get("/admin/users/", query_string={"q": "under_"}).get_data(as_text=True)
    assert ">under_score</a>" in html
    assert ">underxscore</a>" not in html
    html = client.get("/admin/users/", query_string={"q": "%"}).get_data(as_text=True)
    assert "No users match this search." in html


def test_filter_by_role_and_status(client, admin, make_user, make_unit):
    unit = make_unit()
    make_user("sup", roles=["supervisor"], unit=unit)
    deactivated(make_user("gone", roles=["supervisor"], unit=unit))
    make_user("teach", roles=["instructor"])

    html = client.get("/admin/users/", query_string={"role": "supervisor"}).get_data(as_text=True)
    assert ">sup</a>" in html and ">gone</a>" in html
    assert ">teach</a>" not in html and ">root</a>" not in html

    html = client.get(
        "/admin/users/", query_string={"role": "supervisor", "status": "inactive"}
    ).get_data(as_text=True)
    assert ">gone</a>" in html and ">sup</a>" not in html

    html = client.get("/admin/users/", query_string={"status": "active"}).get_data(as_text=True)
    assert ">sup</a>" in html and ">teach</a>" in html and ">gone</a>" not in html


def test_unknown_filter_values_are_ignored(client, admin, make_user):
    make_user("teach", roles=["instructor"])
    response = client.get("/admin/users/", query_string={"role": "pope", "status": "x"})
    assert response.status_code == 200
    assert ">teach</a>" in response.get_data(as_text=True)


def test_empty_state(client, admin):
    html = client.get("/admin/users/", query_string={"q": "nobody-here"}).get_data(as_text=True)
    assert "No users match this search." in html
    assert "<table" not in html


def test_pagination_keeps_the_filters(app, client, admin, make_user):
    app.config["PAGE_SIZE"] = 2
    for name in ("t1", "t2", "t3", "t4", "t5"):
        make_user(name, roles=["instructor"])

    first = client.get("/admin/users/", query_string={"role": "instructor"}).get_data(as_text=True)
    assert ">t1</a>" in first and ">t2</a>" in first and ">t3</a>" not in first
    assert "Page 1 of 3" in first
    assert "role=instructor" in first and "page=2" in first

    third = client.get("/admin/users/", query_string={"role": "instructor", "page": 3}).get_data(
        as_text=True
    )
    assert ">t5</a>" in third and ">t4</a>" not in third
    assert "Page 3 of 3" in third

    beyond = client.get("/admin/users/", query_string={"page": 99})
    assert beyond.status_code == 200


def _count_queries(client, url):
    statements = []

    def _record(conn, cursor, statement, *args):
        statements.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", _record)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", _record)
    return len(statements)


def test_list_query_count_does_not_grow_with_rows(client, admin, make_user, make_unit):
    unit = make_unit("District/Bureau")
    make_user("a1", unit=unit)
    few = _count_queries(client, "/admin/users/")
    for n in range(8):
        make_user(f"b{n}", roles=["cadre", "supervisor"], unit=make_unit(f"District/U{n}"))
    many = _count_queries(client, "/admin/users/")
    assert db.session.query(User).count() == 10
    assert many == few
