"""GET /api/v1/courses and /api/v1/courses/<id>: what the caller may see, in a stable shape."""

from lms.api.services import issue_token
from lms.extensions import db


def _bearer(user):
    raw, _token = issue_token(user)
    db.session.commit()
    return {"Authorization": f"Bearer {raw}"}


def test_list_shape_and_visibility(client, cadre, instructor, make_course):
    course = make_course("Open", instructors=[instructor], lessons=2, published=True)
    course.lessons[1].kind = "audio"
    course.lessons[1].status = "ready"
    course.lessons[1].duration_seconds = 61.5
    db.session.commit()
    make_course("Draft", instructors=[instructor], lessons=1)
    response = client.get("/api/v1/courses", headers=_bearer(cadre))
    assert response.status_code == 200
    body = response.get_json()
    assert (body["page"], body["pages"], body["total"]) == (1, 1, 1)
    [item] = body["courses"]
    assert set(item) == {"id", "title", "lessons"}
    assert item["title"] == "Open"
    assert item["lessons"] == [
        {
            "id": course.lessons[0].id,
            "title": "Open lesson 1",
            "kind": "video",
            "duration_seconds": None,
            "status": "empty",
        },
        {
            "id": course.lessons[1].id,
            "title": "Open lesson 2",
            "kind": "audio",
            "duration_seconds": 61.5,
            "status": "ready",
        },
    ]


def test_instructors_and_admins_also_see_drafts(
    client, make_user, instructor, other_instructor, make_course
):
    make_course("Open", instructors=[other_instructor], lessons=1, published=True)
    make_course("My draft", instructors=[instructor], lessons=1)
    make_course("Their draft", instructors=[other_instructor], lessons=1)

    def titles(user):
        body = client.get("/api/v1/courses", headers=_bearer(user)).get_json()
        return {course["title"] for course in body["courses"]}

    assert titles(instructor) == {"Open", "My draft"}
    assert titles(make_user("boss", roles=["admin"])) == {"Open", "My draft", "Their draft"}


def test_pagination(client, cadre, instructor, make_course):
    for n in range(5):
        make_course(f"C{n}", instructors=[instructor], lessons=1, published=True)
    headers = _bearer(cadre)
    body = client.get("/api/v1/courses?page=2&per_page=2", headers=headers).get_json()
    assert (body["page"], body["pages"], body["total"]) == (2, 3, 5)
    assert [c["title"] for c in body["courses"]] == ["C2", "C3"]
    too_many = client.get("/api/v1/courses?per_page=101", headers=headers)
    assert too_many.status_code == 400
    assert too_many.get_json()["error"]["code"] == "bad_request"


def test_one_course(client, cadre, instructor, other_instructor, make_course):
    course = make_course(
        "Open", instructors=[instructor, other_instructor], lessons=1, published=True, summary="S"
    )
    body = client.get(f"/api/v1/courses/{course.id}", headers=_bearer(cadre)).get_json()
    assert body["id"] == course.id and body["title"] == "Open" and body["summary"] == "S"
    assert sorted(body["instructors"]) == ["Chen Teacher", "Li Professor"]
    assert [lesson["title"] for lesson in body["lessons"]] == ["Open lesson 1"]
    assert set(body["lessons"][0]) == {"id", "title", "kind", "duration_seconds", "status"}


def test_a_draft_is_a_json_404_for_cadres(client, cadre, instructor, make_course):
    draft = make_course("Draft", instructors=[instructor], lessons=1)
    headers = _bearer(cadre)
    for url in (f"/api/v1/courses/{draft.id}", "/api/v1/courses/999999"):
        response = client.get(url, headers=headers)
        assert response.status_code == 404
        assert response.get_json()["error"]["code"] == "not_found"
    assert client.get("/api/v1/courses", headers=headers).get_json()["total"] == 0


def test_anonymous_callers_get_401(client):
    response = client.get("/api/v1/courses")
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"
