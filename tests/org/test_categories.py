"""Admins edit the cadre categories: add, edit, deactivate and activate; codes are unique."""

from sqlalchemy import func, select

from lms.extensions import db
from lms.org.categories import create_category
from lms.org.models import Cadre, CadreCategory


def _text(response):
    return response.get_data(as_text=True)


def _category(code):
    return db.session.scalar(select(CadreCategory).where(CadreCategory.code == code))


def test_list_shows_categories_with_their_cadre_counts(client, login, admin, tree, make_cadre):
    civil = create_category("civil_servant", "公务员", "Civil servant", 2)
    create_category("village", "村干部", "Village cadre", 1)
    make_cadre(tree.section_a1, category=civil)
    make_cadre(tree.section_b1, category=civil)
    db.session.commit()
    login(admin)
    response = client.get("/org/categories")
    html = _text(response)
    assert response.status_code == 200
    assert html.index("village") < html.index("civil_servant")  # by order
    row = html[html.index("<code>civil_servant</code>") :].split("</tr>")[0]
    assert "公务员" in row and "Civil servant" in row
    assert '<td class="num">2</td>' in row
    assert "Active" in row


def test_empty_list_says_so(client, login, admin):
    login(admin)
    assert "There are no cadre categories yet." in _text(client.get("/org/categories"))


def test_admin_adds_a_category(client, login, post, admin):
    login(admin)
    response = post(
        "/org/categories/new",
        {"code": "reserve_pool", "name_zh": "后备干部", "name_en": "Reserve pool", "sort_order": 4},
    )
    assert response.status_code == 302
    category = _category("reserve_pool")
    assert (category.name_zh, category.name_en, category.sort_order) == (
        "后备干部",
        "Reserve pool",
        4,
    )
    assert category.is_active


def test_duplicate_or_malformed_code_is_refused(client, login, post, admin):
    create_category("village", "村干部", "Village cadre")
    db.session.commit()
    login(admin)
    response = post(
        "/org/categories/new",
        {"code": "village", "name_zh": "村干部二", "name_en": "Village 2", "sort_order": 0},
    )
    assert response.status_code == 400
    assert "The category code village is already in use." in _text(response)
    for code in ("Village", "with space", "dash-code", ""):
        response = post(
            "/org/categories/new",
            {"code": code, "name_zh": "新", "name_en": "New", "sort_order": 0},
        )
        assert response.status_code == 400, code
    assert db.session.scalar(select(func.count(CadreCategory.id))) == 1


def test_admin_edits_a_category(client, login, post, admin):
    category = create_category("village", "村干部", "Village cadre")
    create_category("civil_servant", "公务员", "Civil servant")
    db.session.commit()
    category_id = category.id
    login(admin)
    url = f"/org/categories/{category_id}/edit"
    form = _text(client.get(url))
    assert 'value="village"' in form and 'value="Village cadre"' in form
    data = {"code": "village", "name_zh": "村干部", "name_en": "Village cadres", "sort_order": 9}
    assert post(url, data).status_code == 302
    assert db.session.get(CadreCategory, category_id).name_en == "Village cadres"
    response = post(url, {**data, "code": "civil_servant"})
    assert response.status_code == 400
    assert "already in use" in _text(response)
    assert db.session.get(CadreCategory, category_id).code == "village"
    assert client.get("/org/categories/9999/edit").status_code == 404


def test_deactivate_and_activate(client, login, post, admin, tree, make_cadre):
    category = create_category("village", "村干部", "Village cadre")
    cadre = make_cadre(tree.section_a1, category=category)
    db.session.commit()
    category_id, cadre_id = category.id, cadre.id
    login(admin)
    html = _text(client.get("/org/categories"))
    assert "data-confirm=" in html and f"/org/categories/{category_id}/deactivate" in html
    assert post(f"/org/categories/{category_id}/deactivate").status_code == 302
    assert db.session.get(CadreCategory, category_id).is_active is False
    html = _text(client.get("/org/categories"))
    assert "Inactive" in html and f"/org/categories/{category_id}/activate" in html
    # The cadre keeps the category, shown as such on the unit page's filter.
    page = _text(client.get(f"/org/units/{tree.bureau_a.id}"))
    assert "Village cadre (inactive)" in page
    assert db.session.get(Cadre, cadre_id).category_id == category_id
    assert post(f"/org/categories/{category_id}/activate").status_code == 302
    assert db.session.get(CadreCategory, category_id).is_active is True
