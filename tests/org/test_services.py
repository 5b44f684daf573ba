"""The unit tree services: creating, renaming, moving, deleting units and supervisors' scope."""

import pytest
from sqlalchemy import select

from lms.accounts.models import User
from lms.extensions import db
from lms.org.categories import (
    category_cadre_counts,
    create_category,
    set_category_active,
    update_category,
)
from lms.org.models import Cadre, CadreCategory, Unit
from lms.org.tree import (
    OrgError,
    create_unit,
    delete_unit,
    ensure_unit_path,
    move_unit,
    rename_unit,
    tree_path_ids,
)
from lms.org.visibility import (
    cadres_in_scope,
    can_see_person,
    can_see_unit,
    subtree_cadre_counts,
    unit_scope_clause,
    unit_tree,
)


@pytest.fixture(autouse=True)
def _request_context(app):
    # Service messages are translated: read them in English, as a browser asking for it would.
    with app.test_request_context(headers={"Accept-Language": "en"}):
        yield


def _unit(path):
    return db.session.scalar(select(Unit).where(Unit.name_path == path))


def _visible_paths(user):
    return set(db.session.scalars(select(Unit.name_path).where(unit_scope_clause(user))))


# --- creating ----------------------------------------------------------------------------


def test_create_unit_sets_paths_and_depth(app):
    root = create_unit("District")
    child = create_unit("  Finance Bureau ", root)
    db.session.commit()
    assert (root.tree_path, root.depth, root.name_path) == (f"/{root.id}/", 0, "District")
    assert child.name == "Finance Bureau"
    assert child.tree_path == f"/{root.id}/{child.id}/"
    assert (child.depth, child.name_path) == (1, "District/Finance Bureau")
    assert child.parent_id == root.id


@pytest.mark.parametrize("name", ["", "   ", "A/B", "x" * 101])
def test_create_unit_refuses_bad_names(app, name):
    with pytest.raises(OrgError):
        create_unit(name)
    assert db.session.scalar(select(Unit.id)) is None


def test_create_unit_refuses_a_sibling_with_the_same_name(app):
    root = create_unit("District")
    create_unit("Bureau", root)
    with pytest.raises(OrgError, match="already exists"):
        create_unit("Bureau", root)
    # The same name elsewhere in the tree is fine.
    other = create_unit("Other")
    assert create_unit("Bureau", other).name_path == "Other/Bureau"


def test_ensure_unit_path_creates_only_what_is_missing(app):
    unit, created = ensure_unit_path("District / Bureau A/Section 1")
    assert unit.name_path == "District/Bureau A/Section 1"
    assert [u.name for u in created] == ["District", "Bureau A", "Section 1"]
    again, created = ensure_unit_path("District/Bureau A/Section 2")
    assert [u.name for u in created] == ["Section 2"]
    assert again.parent_id == unit.parent_id
    same, created = ensure_unit_path("/District/Bureau A/Section 1/")
    assert same.id == unit.id and created == []
    with pytest.raises(OrgError):
        ensure_unit_path("District//Section")


# --- renaming and moving -----------------------------------------------------------------


def test_rename_unit_rewrites_the_name_paths_below(app, tree):
    rename_unit(tree.bureau_a, "Finance Bureau")
    db.session.commit()
    db.session.expire_all()
    assert tree.bureau_a.name == "Finance Bureau"
    assert tree.bureau_a.name_path == "District/Finance Bureau"
    assert tree.section_a1.name_path == "District/Finance Bureau/Section A1"
    assert tree.section_a2.name_path == "District/Finance Bureau/Section A2"
    assert tree.section_b1.name_path == "District/Bureau B/Section B1"  # untouched
    assert _unit("District/Bureau A") is None


def test_rename_unit_refuses_a_sibling_name(app, tree):
    with pytest.raises(OrgError, match="already exists"):
        rename_unit(tree.bureau_a, "Bureau B")
    db.session.rollback()
    assert tree.bureau_a.name == "Bureau A"
    assert tree.section_a1.name_path == "District/Bureau A/Section A1"


def test_move_unit_rewrites_the_whole_subtree(app, tree):
    leaf = create_unit("Team", tree.section_a1)
    db.session.commit()
    move_unit(tree.section_a1, tree.section_b1)
    db.session.commit()
    section, leaf = db.session.get(Unit, tree.section_a1.id), db.session.get(Unit, leaf.id)
    b1 = tree.section_b1
    assert section.parent_id == b1.id
    assert section.tree_path == f"{b1.tree_path}{section.id}/"
    assert section.depth == 3
    assert section.name_path == "District/Bureau B/Section B1/Section A1"
    assert leaf.tree_path == f"{section.tree_path}{leaf.id}/"
    assert leaf.depth == 4
    assert leaf.name_path == "District/Bureau B/Section B1/Section A1/Team"
    assert [c.name for c in tree.bureau_a.children] == ["Section A2"]


def test_move_unit_to_the_top_level(app, tree):
    move_unit(tree.bureau_b, None)
    db.session.commit()
    bureau, section = tree.bureau_b, tree.section_b1
    assert (bureau.parent_id, bureau.depth, bureau.tree_path) == (None, 0, f"/{bureau.id}/")
    assert bureau.name_path == "Bureau B"
    assert (section.depth, section.name_path) == (1, "Bureau B/Section B1")
    assert section.tree_path == f"/{bureau.id}/{section.id}/"


@pytest.mark.parametrize("target", ["bureau_a", "section_a1"])
def test_move_unit_never_below_itself(app, tree, target):
    before = {u.id: (u.tree_path, u.name_path, u.depth) for u in db.session.scalars(select(Unit))}
    with pytest.raises(OrgError, match="below itself"):
        move_unit(tree.bureau_a, getattr(tree, target))
    db.session.rollback()
    after = {u.id: (u.tree_path, u.name_path, u.depth) for u in db.session.scalars(select(Unit))}
    assert after == before


def test_move_unit_refuses_a_name_taken_at_the_target(app, tree):
    create_unit("Section A1", tree.bureau_b)
    with pytest.raises(OrgError, match="already exists"):
        move_unit(tree.section_a1, tree.bureau_b)


# --- deleting ----------------------------------------------------------------------------


def test_delete_unit_refuses_units_with_sub_units_or_people(app, tree, make_user):
    with pytest.raises(OrgError, match="sub-units"):
        delete_unit(tree.bureau_a)
    make_user("sam", roles=["supervisor"], unit=tree.section_a2)
    with pytest.raises(OrgError, match="people"):
        delete_unit(tree.section_a2)
    delete_unit(tree.section_a1)
    db.session.commit()
    assert _unit("District/Bureau A/Section A1") is None
    assert _unit("District/Bureau A/Section A2") is not None


# --- scope -------------------------------------------------------------------------------


def test_admin_sees_every_unit_and_person(app, tree, make_user, admin):
    outsider = make_user("nobody_unit")
    assert len(_visible_paths(admin)) == 6
    assert can_see_unit(admin, tree.section_b1)
    assert can_see_unit(admin, None)
    assert can_see_person(admin, outsider)


def test_supervisor_sees_only_their_subtree(app, tree, make_user, supervisor_a):
    assert _visible_paths(supervisor_a) == {
        "District/Bureau A",
        "District/Bureau A/Section A1",
        "District/Bureau A/Section A2",
    }
    assert can_see_unit(supervisor_a, tree.section_a2)
    assert not can_see_unit(supervisor_a, tree.district)  # the parent
    assert not can_see_unit(supervisor_a, tree.bureau_b)  # a sibling
    assert not can_see_unit(supervisor_a, tree.section_b1)
    assert not can_see_unit(supervisor_a, None)
    in_a = make_user("in_a", unit=tree.section_a1)
    in_b = make_user("in_b", unit=tree.section_b1)
    no_unit = make_user("floating")
    assert can_see_person(supervisor_a, in_a)
    assert not can_see_person(supervisor_a, in_b)
    assert not can_see_person(supervisor_a, no_unit)
    assert can_see_person(supervisor_a, supervisor_a)


def test_sibling_whose_id_shares_a_prefix_is_not_in_scope(app, make_unit, make_user):
    # tree_path "/1/2/" must not match "/1/23/": the trailing separator matters.
    district = make_unit("D")
    units = [make_unit(f"D/U{n}") for n in range(25)]
    first = units[0]
    lookalike = next(u for u in units if str(u.id).startswith(str(first.id)) and u is not first)
    sup = make_user("sup", roles=["supervisor"], unit=first)
    assert district.id not in {first.id, lookalike.id}
    assert not can_see_unit(sup, lookalike)
    assert _visible_paths(sup) == {first.name_path}


@pytest.mark.parametrize("roles", [["instructor"], ["cadre"], ["supervisor"]])
def test_others_see_no_units(app, tree, make_user, roles):
    # A supervisor without a unit has no scope at all, like instructors and cadres.
    unit = None if roles == ["supervisor"] else tree.bureau_a
    user = make_user("someone", roles=roles, unit=unit)
    colleague = make_user("colleague", unit=tree.bureau_a)
    assert _visible_paths(user) == set()
    assert not can_see_unit(user, tree.bureau_a)
    assert not can_see_person(user, colleague)
    assert can_see_person(user, user)  # everyone may see themselves


def test_cadres_in_scope_filters_by_scope_unit_and_search(app, tree, make_cadre, supervisor_a):
    make_cadre(tree.section_a1, "Wang Wei", number="WY0001")
    make_cadre(tree.section_a2, "Li Na", number="WY0002")
    make_cadre(tree.bureau_a, "Zhang Min", number="WY0003")
    make_cadre(tree.section_b1, "Wang Fang", number="WY0004")

    def names(user, unit=None, search=None):
        rows = db.session.execute(cadres_in_scope(user, unit, search)).all()
        return [row.User.display_name for row in rows]

    assert names(supervisor_a) == ["Zhang Min", "Wang Wei", "Li Na"]  # by unit path, then name
    assert names(supervisor_a, tree.section_a1) == ["Wang Wei"]
    assert names(supervisor_a, search="wang") == ["Wang Wei"]  # never Wang Fang of Bureau B
    assert names(supervisor_a, search="WY0002") == ["Li Na"]
    assert names(supervisor_a, tree.bureau_b) == []
    admin = User(username="x", display_name="x")
    admin.set_roles(["admin"])
    assert sorted(names(admin, search="wang")) == ["Wang Fang", "Wang Wei"]


# --- counts and the tree -----------------------------------------------------------------


def test_subtree_counts_roll_up_and_skip_inactive_people(app, tree, make_cadre, admin):
    for _ in range(3):
        make_cadre(tree.section_a1)
    for _ in range(2):
        make_cadre(tree.bureau_a)
    make_cadre(tree.bureau_a, active=False)
    make_cadre(tree.section_b1)
    counts = subtree_cadre_counts(admin)
    assert counts[tree.section_a1.id] == 3
    assert counts[tree.bureau_a.id] == 5
    assert counts[tree.bureau_b.id] == 1
    assert counts[tree.district.id] == 6
    assert tree.section_a2.id not in counts
    within = subtree_cadre_counts(admin, within=tree.bureau_a)
    assert within[tree.bureau_a.id] == 5
    assert tree.bureau_b.id not in within


def test_unit_tree_nests_units_in_scope(app, tree, make_cadre, admin, supervisor_a):
    make_cadre(tree.section_a2)
    (district,) = unit_tree(admin)
    assert district.name == "District"
    assert [n.name for n in district.children] == ["Bureau A", "Bureau B"]
    assert [n.name for n in district.children[0].children] == ["Section A1", "Section A2"]
    assert district.cadre_count == 1
    (bureau,) = unit_tree(supervisor_a)
    assert bureau.name == "Bureau A"
    assert [(n.name, n.cadre_count) for n in bureau.children] == [
        ("Section A1", 0),
        ("Section A2", 1),
    ]


def test_tree_path_ids():
    assert tree_path_ids("/1/4/9/") == [1, 4, 9]
    assert tree_path_ids("/7/") == [7]


# --- categories --------------------------------------------------------------------------


def test_categories_have_unique_well_formed_codes(app):
    village = create_category("village", "村干部", "Village cadre", 3)
    with pytest.raises(OrgError, match="already in use"):
        create_category("village", "村干部2", "Village 2")
    with pytest.raises(OrgError, match="lowercase"):
        create_category("Village-Cadre", "x", "y")
    with pytest.raises(OrgError, match="name"):
        create_category("village2", "村干部", "Other")
    update_category(village, "village", "村干部", "Village cadres", 5)  # its own code is fine
    assert (village.name_en, village.sort_order) == ("Village cadres", 5)
    other = create_category("other", "其他", "Other")
    with pytest.raises(OrgError, match="already in use"):
        update_category(other, "village", "其他", "Other", 0)


def test_category_counts_and_deactivation(app, tree, make_cadre):
    category = create_category("civil_servant", "公务员", "Civil servant")
    make_cadre(tree.section_a1, category=category)
    make_cadre(tree.section_a1, category=category, active=False)
    make_cadre(tree.section_a1)
    assert category_cadre_counts([category.id]) == {category.id: 2}
    set_category_active(category, False)
    db.session.commit()
    assert db.session.get(CadreCategory, category.id).is_active is False
    assert db.session.scalar(select(Cadre.category_id).where(Cadre.category_id == category.id))
