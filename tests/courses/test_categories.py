"""Admins edit the content categories: list, add, edit, deactivate; codes are unique."""

import pytest
from sqlalchemy import func, select

from lms.courses.categories import (
    DEFAULT_CONTENT_CATEGORIES,
    create_content_category,
    ensure_default_content_categories,
)
from lms.courses.models import ContentCategory, Course
from lms.extensions import db


def _text(response):
    return response.get_data(as_text=True)


def _category(code):
    return db.session.scalar(select(ContentCategory).where(ContentCategory.code == code))


def test_defaults_are_seeded_once(app):
    ensure_default_content_categories()
    ensure_default_content_categories()
    db.session.commit()
    codes = list(
        db.session.scalars(select(ContentCategory.code).order_by(ContentCategory.sort_order))
    )
    assert codes == [code for code, _zh, _en in DEFAULT_CONTENT_CATEGORIES]
    assert _category("party_spirit").name_zh == "党性教育"


def test_list_shows_categories_and_course_counts(client, login, admin, instructor, make_course):
    make_course("A", instructors=[instructor], category=_category("theory"))
    make_course("B", instructors=[instructor], category=_category("theory"))
    login(admin)
    html = _text(client.get("/courses/categories"))
    row = html[html.index("<code>theory</code>") :].split("</tr>")[0]
    assert "理论教育" in row and "Theory" in row and '<td class="num">2</td>' in row


def test_admin_adds_edits_and_deactivates(client, login, post, admin):
    login(admin)
    response = post(
        "/courses/categories/new",
        {"code": "history", "name_zh": "党史", "name_en": "Party history", "sort_order": 9},
    )
    assert response.status_code == 302
    category = _category("history")
    assert (category.name_zh, category.name_en, category.sort_order) == ("党史", "Party history", 9)
    response = post(
        f"/courses/categories/{category.id}/edit",
        {
            "code": "party_history",
            "name_zh": "党史学习",
            "name_en": "Party history",
            "sort_order": 1,
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(ContentCategory, category.id).code == "party_history"
    assert post(f"/courses/categories/{category.id}/deactivate").status_code == 302
    db.session.expire_all()
    assert db.session.get(ContentCategory, category.id).is_active is False
    assert "Inactive" in _text(client.get("/courses/categories"))
    assert post(f"/courses/categories/{category.id}/activate").status_code == 302
    db.session.expire_all()
    assert db.session.get(ContentCategory, category.id).is_active is True


@pytest.mark.parametrize(
    "data",
    [
        {"code": "Theory", "name_zh": "x", "name_en": "x", "sort_order": 0},  # uppercase
        {"code": "has space", "name_zh": "x", "name_en": "x", "sort_order": 0},
        {"code": "theory", "name_zh": "x", "name_en": "x", "sort_order": 0},  # taken
        {"code": "fine", "name_zh": "", "name_en": "x", "sort_order": 0},
    ],
)
def test_bad_categories_are_refused(client, login, post, admin, data):
    ensure_default_content_categories()
    db.session.commit()
    before = db.session.scalar(select(func.count(ContentCategory.id)))
    login(admin)
    assert post("/courses/categories/new", data).status_code == 400
    assert db.session.scalar(select(func.count(ContentCategory.id))) == before


def test_inactive_categories_are_not_offered(client, login, admin, cadre, instructor):
    ensure_default_content_categories()
    _category("policy_law").is_active = False
    db.session.commit()
    login(instructor)
    assert "Policy and law" not in _text(client.get("/courses/new"))
    assert "Strategic thinking" in _text(client.get("/courses/new"))


@pytest.mark.parametrize("who", ["instructor", "cadre"])
def test_only_admins_edit_categories(client, login, request, who):
    login(request.getfixturevalue(who))
    assert client.get("/courses/categories").status_code == 403


def test_a_course_keeps_its_deactivated_category_when_edited(
    client, login, post, instructor, make_course
):
    ensure_default_content_categories()
    old = _category("policy_law")
    course = make_course("Kept", instructors=[instructor], category=old)
    old.is_active = False
    db.session.commit()
    login(instructor)
    page = _text(client.get(f"/courses/{course.id}/edit"))
    assert f'<option selected value="{old.id}">Policy and law</option>' in page
    response = post(
        f"/courses/{course.id}/edit",
        {
            "title": "Kept",
            "teaching_method": "lecture",
            "content_category_id": str(old.id),
            "instructor_ids": [str(instructor.id)],
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(ContentCategory, old.id).is_active is False
    assert _category("policy_law").id == old.id
    assert db.session.get(Course, course.id).content_category_id == old.id


def test_admin_adds_the_missing_standard_categories(client, login, post, admin):
    create_content_category("theory", "理论", "Theory (ours)", 0)
    db.session.commit()
    login(admin)
    assert "Add the standard categories" in _text(client.get("/courses/categories"))
    assert post("/courses/categories/defaults").status_code == 302
    codes = set(db.session.scalars(select(ContentCategory.code)))
    assert codes == {code for code, _zh, _en in DEFAULT_CONTENT_CATEGORIES}
    assert _category("theory").name_en == "Theory (ours)"  # an existing one is left alone
    assert "Add the standard categories" not in _text(client.get("/courses/categories"))
