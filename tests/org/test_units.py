"""The unit tree page, a unit's page with its cadres, a cadre's page and admins' unit actions."""

import re

import pytest
from sqlalchemy import event, func, select

from lms.accounts.services import create_user
from lms.extensions import db
from lms.org.categories import create_category
from lms.org.models import Cadre, Unit
from lms.org.tree import ensure_unit_path


def _text(response):
    return response.get_data(as_text=True)


def _unit(path):
    return db.session.scalar(select(Unit).where(Unit.name_path == path))


def _tree_entry(html, name):
    """The cadre count shown next to a unit's link in the tree."""
    match = re.search(rf">{re.escape(name)}</a>\s*<span[^>]*>(\d+) cadres?</span>", html)
    assert match, f"{name} not in the tree"
    return int(match.group(1))


# --- the tree ----------------------------------------------------------------------------


def test_tree_counts_active_cadres_of_each_subtree(client, login, admin, tree, make_cadre):
    for _ in range(3):
        make_cadre(tree.section_a1)
    for _ in range(2):
        make_cadre(tree.bureau_a)
    make_cadre(tree.bureau_a, active=False)  # inactive accounts are not counted
    make_cadre(tree.section_b1)
    login(admin)
    response = client.get("/org/units")
    html = _text(response)
    assert response.status_code == 200
    assert '<ul class="tree">' in html
    assert _tree_entry(html, "Section A1") == 3
    assert _tree_entry(html, "Bureau A") == 5
    assert _tree_entry(html, "Section A2") == 0
    assert _tree_entry(html, "Bureau B") == 1
    assert _tree_entry(html, "District") == 6
    assert f'href="/org/units/{tree.section_a1.id}"' in html


def test_supervisor_tree_shows_only_their_subtree(client, login, supervisor_a, tree, make_cadre):
    make_cadre(tree.section_a2)
    make_cadre(tree.section_b1)
    login(supervisor_a)
    html = _text(client.get("/org/units"))
    assert _tree_entry(html, "Bureau A") == 1
    assert _tree_entry(html, "Section A2") == 1
    assert "Bureau B" not in html
    assert "Section B1" not in html
    assert ">District</a>" not in html
    assert "Add a unit" not in html  # admins only


def test_supervisor_without_a_unit_sees_a_message(client, login, make_user, tree):
    login(make_user("lost", roles=["supervisor"], preferred_language="en"))
    response = client.get("/org/units")
    assert response.status_code == 200
    assert "not assigned to a unit" in _text(response)
    assert "Bureau A" not in _text(response)


def test_tree_page_makes_the_same_number_of_queries_for_5_and_50_units(client, login, admin):
    def count_queries():
        statements = []

        def _count(*_args):
            statements.append(1)

        event.listen(db.engine, "before_cursor_execute", _count)
        try:
            assert client.get("/org/units").status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", _count)
        return len(statements)

    def grow_to(total):
        n = db.session.scalar(select(func.count(Unit.id)))
        while n < total:
            unit, _ = ensure_unit_path(f"District/Bureau {n % 7}/Section {n}")
            # No password: hashing one per cadre would make this test slow.
            user = create_user(f"cadre{n}", f"Cadre {n}", ["cadre"], unit=unit)
            db.session.add(Cadre(user=user, personnel_number=f"C{n:04d}"))
            n = db.session.scalar(select(func.count(Unit.id)))
        db.session.commit()

    login(admin)
    grow_to(5)
    small = count_queries()
    grow_to(50)
    large = count_queries()
    assert db.session.scalar(select(func.count(Unit.id))) >= 50
    assert small == large
    assert large < 10


# --- one unit ----------------------------------------------------------------------------


def test_unit_page_shows_breadcrumbs_sub_units_and_cadres(client, login, admin, tree, make_cadre):
    category = create_category("civil_servant", "公务员", "Civil servant")
    make_cadre(
        tree.section_a1,
        "Wang Wei",
        number="WY0001",
        category=category,
        rank="Section chief",
        position="Director",
        is_reserve=True,
    )
    login(admin)
    response = client.get(f"/org/units/{tree.bureau_a.id}")
    html = _text(response)
    assert response.status_code == 200
    assert f'<a href="/org/units/{tree.district.id}">District</a>' in html
    assert f'href="/org/units/{tree.section_a2.id}">Section A2</a>' in html  # a sub-unit
    assert "Wang Wei" in html and "WY0001" in html
    assert "District/Bureau A/Section A1" in html
    assert "Civil servant" in html
    assert "Section chief / Director" in html
    assert "Reserve" in html
    assert re.search(r'href="/org/cadres/\d+">Wang Wei</a>', html)


def test_supervisor_breadcrumbs_link_only_what_they_may_see(client, login, supervisor_a, tree):
    login(supervisor_a)
    html = _text(client.get(f"/org/units/{tree.section_a1.id}"))
    assert "<span>District</span>" in html
    assert f'href="/org/units/{tree.district.id}"' not in html
    assert f'<a href="/org/units/{tree.bureau_a.id}">Bureau A</a>' in html
    assert "Manage this unit" not in html  # admins only


def test_supervisor_gets_404_outside_their_subtree(client, login, supervisor_a, tree, make_cadre):
    in_a = make_cadre(tree.section_a1, "Li Na")
    in_b = make_cadre(tree.section_b1, "Wang Fang")
    login(supervisor_a)
    assert client.get(f"/org/units/{tree.section_a1.id}").status_code == 200
    for unit in (tree.bureau_b, tree.section_b1, tree.district):
        response = client.get(f"/org/units/{unit.id}")
        assert response.status_code == 404
        assert "Bureau B" not in _text(response)
    assert client.get(f"/org/cadres/{in_a.id}").status_code == 200
    response = client.get(f"/org/cadres/{in_b.id}")
    assert response.status_code == 404
    assert "Wang Fang" not in _text(response)
    assert client.get("/org/units/99999").status_code == 404
    assert client.get("/org/cadres/99999").status_code == 404
    # Searching from their own unit never reaches Bureau B either.
    assert "Wang Fang" not in _text(client.get(f"/org/units/{tree.bureau_a.id}?q=Wang"))


def test_unit_page_searches_and_filters(client, login, admin, tree, make_cadre):
    civil = create_category("civil_servant", "公务员", "Civil servant")
    village = create_category("village", "村干部", "Village cadre")
    make_cadre(tree.bureau_a, "Zhang Min", number="WY0100", category=village)
    make_cadre(tree.section_a1, "Wang Wei", number="WY0101", category=civil)
    make_cadre(tree.section_a2, "Li Na", number="WY0102", category=civil)
    login(admin)
    url = f"/org/units/{tree.bureau_a.id}"

    def names(query):
        html = _text(client.get(url + query))
        return {n for n in ("Zhang Min", "Wang Wei", "Li Na") if n in html}

    assert names("") == {"Zhang Min", "Wang Wei", "Li Na"}
    assert names("?q=wang") == {"Wang Wei"}
    assert names("?q=WY0102") == {"Li Na"}
    assert names(f"?category={civil.id}") == {"Wang Wei", "Li Na"}
    assert names("?scope=unit") == {"Zhang Min"}
    assert names(f"?scope=unit&category={civil.id}") == set()
    assert "No cadres match." in _text(client.get(url + "?q=nobody"))
    assert names("?category=bogus&scope=bogus") == {"Zhang Min", "Wang Wei", "Li Na"}


def test_unit_page_paginates(app, client, login, admin, tree, make_cadre):
    app.config["PAGE_SIZE"] = 3
    for n in range(7):
        make_cadre(tree.section_a1, f"Person {n}", number=f"N{n:03d}")
    login(admin)
    url = f"/org/units/{tree.bureau_a.id}"
    first = _text(client.get(url + "?q=Person"))
    assert "7 cadres found." in first
    assert "Page 1 of 3" in first
    assert {f"Person {n}" for n in range(3)} <= set(re.findall(r"Person \d", first))
    assert "Person 3" not in first
    assert re.search(r'href="[^"]*page=2[^"]*" rel="next"', first)
    assert "q=Person" in re.search(r'href="([^"]*)" rel="next"', first).group(1)
    third = _text(client.get(url + "?q=Person&page=3"))
    assert "Page 3 of 3" in third
    assert "Person 6" in third and "Person 0" not in third
    assert client.get(url + "?page=99").status_code == 200


# --- one cadre ---------------------------------------------------------------------------


def test_cadre_page_shows_the_record(client, login, supervisor_a, tree, make_cadre):
    from datetime import date

    cadre = make_cadre(
        tree.section_a1,
        "Wang Wei",
        number="WY0001",
        rank="Section chief",
        position="Director",
        date_of_birth=date(1975, 3, 9),
        last_promoted_on=date(2024, 6, 1),
        is_key_position=True,
    )
    login(supervisor_a)
    response = client.get(f"/org/cadres/{cadre.id}")
    html = _text(response)
    assert response.status_code == 200
    for text in (
        "Wang Wei",
        "WY0001",
        "District/Bureau A/Section A1",
        "Section chief",
        "Director",
        "1975-03-09",
        "2024-06-01",
        "Never",
        "No quiz or exam result this year.",
    ):
        assert text in html, text
    assert "No study records yet." not in html  # no placeholder under the lessons
    assert f'href="/org/units/{tree.section_a1.id}"' in html


def test_cadre_page_lists_the_years_quiz_results(client, login, supervisor_a, tree, make_cadre):
    """The page's results are those of the statistics year it shows (2027 from 1 December
    2026 on); earlier ones are in the learning archive it links."""
    import time_machine

    from lms.quizzes.models import Quiz, QuizResult

    cadre = make_cadre(tree.section_a1, "Wang Wei", number="WY0001")
    exam = Quiz(title="Party rules exam", is_exam=True, is_published=True)
    db.session.add(exam)
    db.session.flush()
    db.session.add_all(
        [
            QuizResult(
                user_id=cadre.user_id, quiz_id=exam.id, year=2027, percent=85.0, is_passed=True
            ),
            QuizResult(user_id=cadre.user_id, quiz_id=exam.id, year=2026, percent=40.0),
        ]
    )
    db.session.commit()
    with time_machine.travel("2026-12-05 10:00 +08:00", tick=False):
        login(supervisor_a)
        html = _text(client.get(f"/org/cadres/{cadre.id}"))
    text = " ".join(re.sub(r"<[^>]+>", "", html).split())
    assert "Party rules exam: 85.0% · passed" in text
    assert "40.0%" not in html
    assert f'href="/archive/cadres/{cadre.user_id}"' in html


# --- admins' unit actions ----------------------------------------------------------------


def test_admin_creates_units(client, login, post, admin, tree):
    login(admin)
    response = post("/org/units/new", {"name": "Section A3", "parent_id": str(tree.bureau_a.id)})
    assert response.status_code == 302
    created = _unit("District/Bureau A/Section A3")
    assert created is not None and created.depth == 2
    assert response.headers["Location"].endswith(f"/org/units/{created.id}")
    assert post("/org/units/new", {"name": "New District", "parent_id": ""}).status_code == 302
    assert _unit("New District").parent_id is None


def test_duplicate_name_is_refused_and_nothing_is_written(client, login, post, admin, tree):
    login(admin)
    before = db.session.scalar(select(func.count(Unit.id)))
    response = post("/org/units/new", {"name": "Bureau B", "parent_id": str(tree.district.id)})
    assert response.status_code == 400
    assert "A unit named Bureau B already exists there." in _text(response)
    response = post(f"/org/units/{tree.bureau_a.id}/rename", {"new_name": "Bureau B"})
    assert response.status_code == 400
    assert "already exists there" in _text(response)
    response = post("/org/units/new", {"name": "", "parent_id": ""})
    assert response.status_code == 400
    response = post("/org/units/new", {"name": "X", "parent_id": "99999"})
    assert response.status_code == 400
    assert db.session.scalar(select(func.count(Unit.id))) == before
    assert _unit("District/Bureau A") is not None


def test_admin_renames_a_unit_and_paths_below_follow(client, login, post, admin, tree):
    login(admin)
    response = post(f"/org/units/{tree.bureau_a.id}/rename", {"new_name": "Finance Bureau"})
    assert response.status_code == 302
    assert _unit("District/Finance Bureau").id == tree.bureau_a.id
    assert _unit("District/Finance Bureau/Section A1").id == tree.section_a1.id
    assert _unit("District/Bureau A") is None
    html = _text(client.get(f"/org/units/{tree.bureau_a.id}"))
    assert "The unit has been renamed." in html


def test_admin_moves_a_unit(client, login, post, admin, tree):
    login(admin)
    response = post(
        f"/org/units/{tree.section_a1.id}/move", {"new_parent_id": str(tree.bureau_b.id)}
    )
    assert response.status_code == 302
    moved = _unit("District/Bureau B/Section A1")
    assert moved.id == tree.section_a1.id
    assert moved.tree_path == f"{tree.bureau_b.tree_path}{moved.id}/"
    # Never below itself: a clear message, 400, nothing changed.
    response = post(
        f"/org/units/{tree.bureau_a.id}/move", {"new_parent_id": str(tree.section_a2.id)}
    )
    assert response.status_code == 400
    assert "A unit cannot be moved below itself." in _text(response)
    assert _unit("District/Bureau A").parent_id == tree.district.id
    # The move form does not offer the unit's own subtree.
    html = _text(client.get(f"/org/units/{tree.bureau_a.id}"))
    move_select = re.search(r'<select[^>]*id="new_parent_id".*?</select>', html, re.S).group(0)
    assert "Section A2" not in move_select and "Bureau B" in move_select


def test_admin_deletes_only_empty_units(client, login, post, admin, tree, make_cadre):
    make_cadre(tree.section_a2)
    login(admin)
    html = _text(client.get(f"/org/units/{tree.section_a1.id}"))
    assert 'data-confirm="Delete the unit Section A1?"' in html
    response = post(f"/org/units/{tree.bureau_a.id}/delete")
    assert response.status_code == 400
    assert "Move or delete the sub-units first." in _text(response)
    response = post(f"/org/units/{tree.section_a2.id}/delete")
    assert response.status_code == 400
    assert "Move the people of this unit first." in _text(response)
    assert _unit("District/Bureau A/Section A2") is not None
    response = post(f"/org/units/{tree.section_a1.id}/delete")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/org/units/{tree.bureau_a.id}")
    assert _unit("District/Bureau A/Section A1") is None


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_pages_render_in_both_languages(client, login, admin, tree, make_cadre, locale):
    cadre = make_cadre(tree.section_a1)
    admin.preferred_language = locale
    db.session.commit()
    login(admin)
    for url in ("/org/units", f"/org/units/{tree.bureau_a.id}", f"/org/cadres/{cadre.id}"):
        assert client.get(url).status_code == 200, url
