"""Every role against every URL: who may use each endpoint, and supervisors' unit scope."""

import pytest
from sqlalchemy import select

from lms.api.services import issue_token
from lms.courses.services import seed_demo_courses
from lms.extensions import db
from lms.org.models import CadreCategory
from lms.org.services import ensure_default_categories
from tests.conftest import csrf_token

ROLES = ["admin", "supervisor", "instructor", "cadre"]
ANY = set(ROLES)
STAFF = {"admin", "supervisor"}
ADMIN = {"admin"}
EDITORS = {"admin", "instructor"}
CADRE = {"cadre"}

# Reachable without logging in.
PUBLIC = {"accounts.login", "core.health", "core.set_language", "static", "api.create_token"}

# Who may use each protected endpoint. A new endpoint must be added here, or the first
# test below fails: nothing ships unclassified.
ACCESS = {
    "accounts.change_password": ANY,
    "accounts.logout": ANY,
    "accounts.profile": ANY,
    "accounts.revoke_own_token": ANY,
    "admin_users.create": ADMIN,
    "admin_users.deactivate": ADMIN,
    "admin_users.detail": ADMIN,
    "admin_users.edit": ADMIN,
    "admin_users.index": ADMIN,
    "admin_users.reactivate": ADMIN,
    "admin_users.reset_password": ADMIN,
    "admin_users.revoke_user_token": ADMIN,
    "api.me": ANY,
    "core.home": ANY,
    "courses.activate_category": ADMIN,
    "courses.add_default_categories": ADMIN,
    "courses.add_lesson": EDITORS,
    "courses.categories": ADMIN,
    "courses.cover": ANY,
    "courses.deactivate_category": ADMIN,
    "courses.delete": EDITORS,
    "courses.delete_lesson": EDITORS,
    "courses.detail": ANY,
    "courses.edit": EDITORS,
    "courses.edit_category": ADMIN,
    "courses.enroll": CADRE,
    "courses.menu": ANY,
    "courses.mine": CADRE,
    "courses.move_lesson_down": EDITORS,
    "courses.move_lesson_up": EDITORS,
    "courses.new": EDITORS,
    "courses.new_category": ADMIN,
    "courses.publish": EDITORS,
    "courses.rename_lesson": EDITORS,
    "courses.teaching": EDITORS,
    "courses.unenroll": CADRE,
    "courses.unpublish": EDITORS,
    "courses_api.course": ANY,
    "courses_api.courses": ANY,
    "media.asset_file": ANY,
    "media.caption_file": ANY,
    "media.delete_caption": EDITORS,
    "media.lesson_media": EDITORS,
    "media.lesson_status": EDITORS,
    "media.play": ANY,
    "media.retry_asset": EDITORS,
    "tracking.cadre_learning": STAFF,
    "tracking.cadre_views": STAFF,
    "tracking.lesson_audience": EDITORS,  # instructors of the course (404 for others)
    "tracking.mine": ANY,
    "tracking_api.beat": ANY,
    "tracking_api.my_progress": ANY,
    "tracking_api.open_view": ANY,
    "media.upload": EDITORS,  # tus HEAD/PATCH/DELETE (POST with X-HTTP-Method-Override)
    "media.uploads": EDITORS,  # tus OPTIONS (open to all) and POST (creation)
    "org.activate_category": ADMIN,
    "org.cadre_detail": STAFF,
    "org.categories": ADMIN,
    "org.deactivate_category": ADMIN,
    "org.delete_unit": ADMIN,
    "org.edit_category": ADMIN,
    "org.move_unit": ADMIN,
    "org.new_category": ADMIN,
    "org.new_unit": ADMIN,
    "org.rename_unit": ADMIN,
    "org.unit_detail": STAFF,
    "org.units": STAFF,
    "roster.cancel": STAFF,
    "roster.confirm": STAFF,
    "roster.preview": STAFF,
    "roster.template": STAFF,
    "roster.upload": STAFF,
}


def test_every_endpoint_is_classified(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    unclassified = endpoints - PUBLIC - set(ACCESS)
    assert not unclassified, f"add these endpoints to ACCESS: {sorted(unclassified)}"
    assert not set(ACCESS) - endpoints, "ACCESS lists endpoints that no longer exist"


@pytest.fixture
def world(app, make_unit, make_user):
    """A district with two bureaus, a user of each role, and objects to point URLs at."""
    ensure_default_categories()
    district = make_unit("District")
    bureau_a = make_unit("District/Bureau A")
    bureau_b = make_unit("District/Bureau B")
    spare = make_unit("District/Spare")
    users = {
        "admin": make_user("the_admin", roles=["admin"]),
        "supervisor": make_user("the_supervisor", roles=["supervisor"], unit=district),
        "instructor": make_user("the_instructor", roles=["instructor"]),
        "cadre": make_user("the_cadre", roles=["cadre"], unit=bureau_a),
        "supervisor_a": make_user("supervisor_a", roles=["supervisor"], unit=bureau_a),
    }
    victim = make_user("victim", roles=["cadre"], unit=bureau_b)
    _raw, token = issue_token(victim)
    db.session.commit()
    return {
        "users": users,
        "units": {"district": district, "a": bureau_a, "b": bureau_b},
        "args": {
            "user_id": victim.id,
            "token_id": token.id,
            "cadre_id": victim.cadre.id,
            "unit_id": spare.id,
            "category_id": db.session.scalar(select(CadreCategory.id)),
            "code": "en",
            "ext": "csv",
            "course_id": (demo_courses := seed_demo_courses())[0].id,
            "lesson_id": demo_courses[0].lessons[0].id,
            "content_category_id": demo_courses[0].content_category_id,
            "asset_id": 999999,
            "caption_id": 999999,
            "filename": "master.m3u8",
            "upload_id": "no-such-upload",
            "view_id": "no-such-view",
        },
        "victim": victim,
    }


def _requests(app, args):
    """(endpoint, method, url) for every protected rule, reads first and deletions last."""
    found = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if rule.endpoint in PUBLIC:
                continue
            method = "GET" if "GET" in rule.methods else "POST"
            values = {name: args[name] for name in rule.arguments}
            url = app.url_map.bind("localhost").build(rule.endpoint, values)
            found.append((rule.endpoint, method, url))
    # Logging out ends the walk, so it goes last, after deletions.
    return sorted(
        found, key=lambda r: (r[0] == "accounts.logout", r[1] == "POST", "delete" in r[0], r[0])
    )


def _send(client, method, url, token_page="/account"):
    if method == "GET":
        return client.get(url)
    return client.post(url, data={"csrf_token": csrf_token(client, token_page)})


def test_anonymous_callers_are_sent_to_login(app, client, world):
    for endpoint, method, url in _requests(app, world["args"]):
        response = _send(client, method, url, token_page="/login")
        if url.startswith("/api/"):
            assert response.status_code == 401, endpoint
            assert response.get_json()["error"]["code"] == "unauthorized"
        else:
            assert response.status_code == 302, endpoint
            assert "/login" in response.headers["Location"], endpoint


@pytest.mark.parametrize("role", ROLES)
def test_each_role_reaches_exactly_its_endpoints(app, client, login, world, role):
    login(world["users"][role])
    for endpoint, method, url in _requests(app, world["args"]):
        response = _send(client, method, url)
        if role in ACCESS[endpoint]:
            assert response.status_code not in (401, 403), (endpoint, response.status_code)
            location = response.headers.get("Location", "")
            assert "/login?next=" not in location, (endpoint, location)
            assert response.status_code < 500, endpoint
        else:
            assert response.status_code == 403, (endpoint, role, response.status_code)
            if url.startswith("/api/"):
                assert response.get_json()["error"]["code"] == "forbidden"


def test_a_supervisor_sees_nothing_outside_their_subtree(client, login, world):
    login(world["users"]["supervisor_a"])
    units, victim = world["units"], world["victim"]
    # Their own subtree is there.
    assert client.get(f"/org/units/{units['a'].id}").status_code == 200
    assert world["users"]["cadre"].display_name in client.get(
        f"/org/units/{units['a'].id}"
    ).get_data(as_text=True)
    # A sibling bureau, the district above, and a cadre over there: as if they did not exist.
    assert client.get(f"/org/units/{units['b'].id}").status_code == 404
    assert client.get(f"/org/units/{units['district'].id}").status_code == 404
    assert client.get(f"/org/cadres/{victim.cadre.id}").status_code == 404
    tree = client.get("/org/units").get_data(as_text=True)
    assert "Bureau A" in tree
    assert "Bureau B" not in tree and "Spare" not in tree
    # Admin pages stay closed.
    assert client.get(f"/admin/users/{victim.id}").status_code == 403
