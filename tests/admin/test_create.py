import re

from sqlalchemy import func, select

from lms.accounts.models import Role, User
from lms.extensions import db
from lms.org.categories import active_categories, ensure_default_categories
from lms.org.models import Cadre
from tests.admin.conftest import form_data, log_in

ONE_TIME_RE = re.compile(r'<code id="one-time-password">([^<]+)</code>')


def _users_named(name):
    return db.session.scalars(select(User).where(func.lower(User.username) == name.lower())).all()


def test_new_user_form_lists_units_and_categories(client, admin, make_unit):
    make_unit("District/Finance Bureau")
    ensure_default_categories()
    db.session.commit()
    html = client.get("/admin/users/new").get_data(as_text=True)
    assert "District/Finance Bureau" in html
    assert "No unit" in html
    assert "District-management cadre" in html or "区管干部" in html


def test_create_with_password_then_the_user_logs_in(app, client, admin, post, make_unit):
    unit = make_unit("District/Finance Bureau")
    response = post(
        "/admin/users/new",
        form_data(
            username="Sup1",
            display_name="Sue Pervisor",
            email="sue@example.org",
            roles=["supervisor", "instructor"],
            unit_id=str(unit.id),
            password="a-good-password",
            preferred_language="en",
        ),
    )
    user = db.session.scalar(select(User).where(User.username == "Sup1"))
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/admin/users/{user.id}")
    assert user.roles == {Role.SUPERVISOR, Role.INSTRUCTOR}
    assert user.unit_id == unit.id
    assert user.email == "sue@example.org"
    assert user.preferred_language == "en"
    assert not user.must_change_password
    assert user.cadre is None

    other = app.test_client()
    assert log_in(other, "sup1", "a-good-password").status_code == 302
    assert other.get("/").status_code == 200


def test_create_without_password_shows_a_one_time_password_once(app, client, admin, post):
    response = post("/admin/users/new", form_data(username="teach"))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    password = ONE_TIME_RE.search(html).group(1)
    assert len(password) >= 12
    assert "shown only this once" in html
    user = _users_named("teach")[0]
    assert user.must_change_password
    # Not in any URL, and not on the user's page afterwards.
    assert password not in response.headers.get("Location", "")
    assert password not in client.get(f"/admin/users/{user.id}").get_data(as_text=True)

    other = app.test_client()
    assert log_in(other, "teach", password).status_code == 302
    forced = other.get("/")
    assert forced.status_code == 302
    assert forced.headers["Location"].endswith("/account/password")


def test_duplicate_username_is_refused_case_insensitively(client, admin, post, make_user):
    make_user("Teacher", roles=["instructor"])
    response = post("/admin/users/new", form_data(username="tEACHER", display_name="Other"))
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "already taken" in html
    assert [u.display_name for u in _users_named("teacher")] == ["Teacher"]


def test_at_least_one_role_is_required(client, admin, post):
    data = form_data(username="norole")
    del data["roles"]
    response = post("/admin/users/new", data)
    assert response.status_code == 400
    assert "Choose at least one role." in response.get_data(as_text=True)
    assert _users_named("norole") == []


def test_supervisor_needs_a_unit(client, admin, post):
    response = post("/admin/users/new", form_data(username="sup", roles=["supervisor"]))
    assert response.status_code == 400
    assert "Supervisors and cadres must belong to a unit." in response.get_data(as_text=True)
    assert _users_named("sup") == []


def test_cadre_without_personnel_number_is_refused(client, admin, post, make_unit):
    unit = make_unit()
    response = post(
        "/admin/users/new", form_data(username="cad", roles=["cadre"], unit_id=str(unit.id))
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "A cadre needs a personnel number." in html
    assert 'value="cad"' in html  # the form keeps what was typed
    assert _users_named("cad") == []
    assert db.session.scalar(select(func.count(Cadre.id))) == 0


def test_cadre_is_created_with_a_personnel_record(client, admin, post, make_unit):
    unit = make_unit("District/Finance Bureau")
    ensure_default_categories()
    db.session.commit()
    category = active_categories()[0]
    response = post(
        "/admin/users/new",
        form_data(
            username="cad",
            display_name="Cai Dong",
            roles=["cadre"],
            unit_id=str(unit.id),
            password="a-good-password",
            personnel_number=" A-0001 ",
            category_id=str(category.id),
            rank="Section chief",
            position="Budget officer",
        ),
    )
    assert response.status_code == 302
    cadre = _users_named("cad")[0].cadre
    assert cadre.personnel_number == "A-0001"
    assert cadre.category_id == category.id
    assert (cadre.rank, cadre.position) == ("Section chief", "Budget officer")
    html = client.get(f"/admin/users/{cadre.user_id}").get_data(as_text=True)
    assert "A-0001" in html and "Budget officer" in html


def test_duplicate_personnel_number_is_refused(client, admin, post, make_user, make_unit):
    unit = make_unit()
    existing = make_user("first", unit=unit)
    number = existing.cadre.personnel_number
    response = post(
        "/admin/users/new",
        form_data(
            username="second",
            roles=["cadre"],
            unit_id=str(unit.id),
            personnel_number=number.lower(),
        ),
    )
    assert response.status_code == 400
    assert "belongs to another cadre" in response.get_data(as_text=True)
    assert _users_named("second") == []


def test_bad_input_is_refused_with_field_errors(client, admin, post, make_unit):
    make_unit()
    cases = [
        form_data(username="has space"),
        form_data(username=""),
        form_data(display_name=""),
        form_data(unit_id="999999"),
        form_data(roles=["pope"]),
        form_data(password="short"),
        form_data(preferred_language="xx"),
    ]
    for data in cases:
        response = post("/admin/users/new", data)
        assert response.status_code == 400, data
        assert 'class="error"' in response.get_data(as_text=True), data
    assert db.session.scalar(select(func.count(User.id))) == 1
