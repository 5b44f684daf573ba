import re

import pytest

from lms.accounts import services
from lms.accounts.models import Role, User
from lms.extensions import db
from lms.org.categories import active_categories, ensure_default_categories
from tests.admin.conftest import deactivated, form_data


def _edit_data(user, **overrides):
    data = form_data(
        username=user.username,
        display_name=user.display_name,
        roles=sorted(r.value for r in user.roles),
        unit_id=str(user.unit_id or ""),
    )
    if user.cadre:
        data["personnel_number"] = user.cadre.personnel_number
    del data["password"]
    data.update(overrides)
    return data


def test_edit_form_is_filled_in_and_has_no_password(client, admin, make_user, make_unit):
    unit = make_unit("District/Finance Bureau")
    user = make_user("ann", roles=["cadre"], unit=unit, display_name="Ann Li")
    response = client.get(f"/admin/users/{user.id}/edit")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'value="Ann Li"' in html
    assert f'<option selected value="{unit.id}">' in html
    checked = re.findall(r'<input checked [^>]*name="roles"[^>]*value="(\w+)"', html)
    assert checked == ["cadre"]
    assert user.cadre.personnel_number in html
    assert 'name="password"' not in html


def test_edit_changes_profile_roles_unit_and_cadre_record(
    client, admin, post, make_user, make_unit
):
    old_unit = make_unit("District/Old")
    new_unit = make_unit("District/New")
    ensure_default_categories()
    db.session.commit()
    category = active_categories()[1]
    user = make_user("ann", roles=["cadre"], unit=old_unit)
    response = post(
        f"/admin/users/{user.id}/edit",
        _edit_data(
            user,
            username="Ann.Li",
            display_name="Ann Li",
            phone="123",
            roles=["cadre", "supervisor"],
            unit_id=str(new_unit.id),
            personnel_number="NEW-1",
            category_id=str(category.id),
            position="Director",
        ),
    )
    assert response.status_code == 302
    db.session.expire_all()
    user = db.session.get(User, user.id)
    assert user.username == "Ann.Li" and user.display_name == "Ann Li" and user.phone == "123"
    assert user.roles == {Role.CADRE, Role.SUPERVISOR}
    assert user.unit_id == new_unit.id
    assert user.cadre.personnel_number == "NEW-1"
    assert user.cadre.category_id == category.id
    assert user.cadre.position == "Director"
    assert user.check_password("secret-pass-1")  # the password is untouched


def test_username_may_change_only_to_a_free_one(client, admin, post, make_user):
    make_user("taken", roles=["instructor"])
    user = make_user("ann", roles=["instructor"])
    response = post(f"/admin/users/{user.id}/edit", _edit_data(user, username="TAKEN"))
    assert response.status_code == 400
    assert "already taken" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, user.id).username == "ann"
    # Changing only the case of one's own name is fine.
    response = post(f"/admin/users/{user.id}/edit", _edit_data(user, username="ANN"))
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, user.id).username == "ANN"


def test_bad_edit_writes_nothing(client, admin, post, make_user, make_unit):
    unit = make_unit()
    user = make_user("ann", roles=["cadre"], unit=unit, display_name="Ann")
    response = post(
        f"/admin/users/{user.id}/edit",
        _edit_data(user, display_name="Changed", personnel_number=""),
    )
    assert response.status_code == 400
    assert "A cadre needs a personnel number." in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, user.id).display_name == "Ann"


def test_former_cadre_keeps_the_record(client, admin, post, make_user, make_unit):
    unit = make_unit()
    user = make_user("ann", roles=["cadre"], unit=unit)
    number = user.cadre.personnel_number
    response = post(f"/admin/users/{user.id}/edit", _edit_data(user, roles=["instructor"]))
    assert response.status_code == 302
    db.session.expire_all()
    user = db.session.get(User, user.id)
    assert user.roles == {Role.INSTRUCTOR}
    assert user.cadre.personnel_number == number


def test_admin_cannot_remove_own_admin_role(client, admin, post, make_user):
    make_user("second", roles=["admin"])  # not the last admin: the self rule alone applies
    response = post(f"/admin/users/{admin.id}/edit", _edit_data(admin, roles=["instructor"]))
    assert response.status_code == 400
    assert "You cannot remove your own administrator role." in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, admin.id).has_role(Role.ADMIN)


def test_admin_can_remove_another_admins_role(client, admin, post, make_user):
    other = make_user("second", roles=["admin"])
    response = post(f"/admin/users/{other.id}/edit", _edit_data(other, roles=["instructor"]))
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, other.id).roles == {Role.INSTRUCTOR}


def test_admin_edits_own_profile(client, admin, post):
    response = post(f"/admin/users/{admin.id}/edit", _edit_data(admin, display_name="Boss"))
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, admin.id).display_name == "Boss"


def test_the_last_active_admin_keeps_the_role_and_stays_active(app, make_user):
    only = make_user("only", roles=["admin", "instructor"])
    deactivated(make_user("sleeping", roles=["admin"]))
    details = services.UserDetails(username="only", display_name="Only", roles={"instructor"})
    with app.test_request_context():
        with pytest.raises(services.UserFieldErrors) as refused:
            services.update_user(only, details)
        assert "last active administrator" in refused.value.errors["roles"]
        with pytest.raises(services.AccountError, match="last active administrator"):
            services.deactivate_user(only)
    db.session.rollback()
    assert only.has_role(Role.ADMIN) and only.is_active


def test_an_inactive_admin_may_lose_the_role(app, make_user):
    make_user("active", roles=["admin"])
    sleeping = deactivated(make_user("sleeping", roles=["admin"]))
    details = services.UserDetails(username="sleeping", display_name="S", roles={"instructor"})
    with app.test_request_context():
        services.update_user(sleeping, details)
    db.session.commit()
    assert sleeping.roles == {Role.INSTRUCTOR}


def test_unknown_user_is_404(client, admin, post):
    assert client.get("/admin/users/999999").status_code == 404
    assert client.get("/admin/users/999999/edit").status_code == 404
    assert post("/admin/users/999999/edit", form_data()).status_code == 404
