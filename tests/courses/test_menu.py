"""The course menu, a course's page and My courses, as cadres use them."""

import pytest
from flask import url_for
from sqlalchemy import event, func, select

from lms.courses.models import ContentCategory, Enrollment
from lms.extensions import db


def _text(response):
    return response.get_data(as_text=True)


def _category(code):
    return db.session.scalar(select(ContentCategory).where(ContentCategory.code == code))


# --- visibility --------------------------------------------------------------------------


def test_drafts_are_invisible_to_cadres(client, login, cadre, instructor, make_course):
    make_course("Open course", instructors=[instructor], lessons=1, published=True)
    draft = make_course("Secret draft", instructors=[instructor], lessons=1)
    login(cadre)
    menu = _text(client.get("/courses/"))
    assert "Open course" in menu and "Secret draft" not in menu
    assert client.get(f"/courses/{draft.id}").status_code == 404
    assert client.get("/courses/999999").status_code == 404


def test_drafts_are_visible_to_their_instructors_but_not_other_instructors(
    client, login, instructor, other_instructor, make_course
):
    draft = make_course("Draft", instructors=[instructor], lessons=1)
    login(other_instructor)
    assert client.get(f"/courses/{draft.id}").status_code == 404


def test_an_instructor_sees_their_draft_but_the_menu_shows_only_published(
    client, login, instructor, make_course
):
    draft = make_course("My draft", instructors=[instructor], lessons=1)
    login(instructor)
    response = client.get(f"/courses/{draft.id}")
    assert response.status_code == 200
    assert "Draft" in _text(response)
    assert "My draft" not in _text(client.get("/courses/"))


def test_empty_menu(client, login, cadre):
    login(cadre)
    assert "No courses are published yet." in _text(client.get("/courses/"))


def test_course_page_shows_lessons_instructors_and_length(
    client, login, cadre, instructor, make_course
):
    course = make_course("Deep", instructors=[instructor], lessons=2, published=True, seconds=5400)
    course.lessons[1].kind = "audio"
    course.lessons[1].duration_seconds = 600
    course.lessons[1].status = "ready"
    db.session.commit()
    login(cadre)
    html = _text(client.get(f"/courses/{course.id}"))
    assert "Chen Teacher" in html
    assert "Deep lesson 1" in html and "Deep lesson 2" in html
    assert "1.5 h" in html and "10 min" in html
    assert "Audio" in html
    assert "Add to My courses" in html


# --- the menu's cards, search, filters and pages -----------------------------------------


def test_card_shows_what_a_cadre_needs(client, login, cadre, instructor, make_course):
    make_course(
        "Party history",
        instructors=[instructor],
        lessons=3,
        published=True,
        seconds=2 * 3600 + 360,
        category=_category("party_spirit"),
        summary="A short summary",
    )
    login(cadre)
    html = _text(client.get("/courses/"))
    card = html[html.index("Party history") :].split("</li>")[0]
    assert "A short summary" in card
    assert "Chen Teacher" in card
    assert "Party spirit" in card
    assert "2.1 h" in card
    assert "<dd>3</dd>" in card
    assert "Add to My courses" in card


def test_search_by_title_and_instructor_name(
    client, login, cadre, instructor, other_instructor, make_course
):
    make_course("Rural revitalization", instructors=[instructor], lessons=1, published=True)
    make_course("Digital government", instructors=[other_instructor], lessons=1, published=True)
    login(cadre)
    by_title = _text(client.get("/courses/?q=rural"))
    assert "Rural revitalization" in by_title and "Digital government" not in by_title
    by_name = _text(client.get("/courses/?q=Li+Prof"))
    assert "Digital government" in by_name and "Rural revitalization" not in by_name
    nothing = _text(client.get("/courses/?q=zzz"))
    assert "No course matches your search." in nothing


def test_filters(client, login, cadre, instructor, other_instructor, make_course):
    make_course(
        "Short theory",
        instructors=[instructor],
        lessons=1,
        published=True,
        seconds=1800,
        category=_category("theory"),
        method="lecture",
    )
    make_course(
        "Medium case",
        instructors=[other_instructor],
        lessons=1,
        published=True,
        seconds=2 * 3600,
        category=_category("policy_law"),
        method="case_study",
    )
    make_course(
        "Long field",
        instructors=[instructor],
        lessons=1,
        published=True,
        seconds=4 * 3600,
        category=_category("theory"),
        method="field_investigation",
    )
    login(cadre)

    def shown(query):
        html = _text(client.get("/courses/?" + query))
        return {t for t in ("Short theory", "Medium case", "Long field") if f">{t}</a>" in html}

    assert shown(f"category={_category('theory').id}") == {"Short theory", "Long field"}
    assert shown("method=case_study") == {"Medium case"}
    assert shown("length=short") == {"Short theory"}
    assert shown("length=medium") == {"Medium case"}
    assert shown("length=long") == {"Long field"}
    assert shown(f"instructor={other_instructor.id}") == {"Medium case"}
    assert shown(f"instructor={instructor.id}&length=long") == {"Long field"}
    # Nonsense filter values are ignored rather than failing.
    assert shown("length=huge&method=x&category=abc") == {
        "Short theory",
        "Medium case",
        "Long field",
    }


def test_menu_is_paginated(client, login, cadre, instructor, make_course, app):
    app.config["PAGE_SIZE"] = 3
    for n in range(7):
        make_course(f"Course {n:02d}", instructors=[instructor], lessons=1, published=True)
    login(cadre)
    first = _text(client.get("/courses/"))
    assert "Course 00" in first and "Course 02" in first and "Course 03" not in first
    assert "Page 1 of 3" in first
    last = _text(client.get("/courses/?page=3"))
    assert "Course 06" in last and "Course 05" not in last


def _count_queries(client, url):
    statements = []

    def _record(*_args):
        statements.append(1)

    event.listen(db.engine, "before_cursor_execute", _record)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", _record)
    return len(statements)


def test_menu_query_count_does_not_grow_with_courses(
    client, login, cadre, instructor, other_instructor, make_course
):
    def grow_to(total):
        for i in range(len(created), total):
            course = make_course(
                f"Course {i:03d}",
                instructors=[instructor, other_instructor],
                lessons=2,
                published=True,
                category=_category("theory"),
            )
            if i % 2:
                db.session.add(Enrollment(user_id=cadre.id, course_id=course.id))
            created.append(course)
        db.session.commit()

    created = []
    login(cadre)
    grow_to(5)
    small = _count_queries(client, "/courses/")
    grow_to(40)
    large = _count_queries(client, "/courses/")
    assert small == large
    # The user and their roles, the filters' lists, a count, the page (with categories
    # joined), the instructors (selectin), the page's enrolments, the header's count of
    # unread notifications and the classes open for sign-up (lms/classes).
    assert large <= 18


# --- enrolment ---------------------------------------------------------------------------


def test_cadre_adds_an_elective_and_removes_it(client, login, post, cadre, instructor, make_course):
    course = make_course("Elective", instructors=[instructor], lessons=2, published=True)
    login(cadre)
    response = post(f"/courses/{course.id}/enroll", {"next": "/courses/?q=Elec"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/courses/?q=Elec")
    enrollment = db.session.scalar(select(Enrollment))
    assert (enrollment.user_id, enrollment.course_id, enrollment.is_required) == (
        cadre.id,
        course.id,
        False,
    )
    assert "In My courses" in _text(client.get("/courses/"))
    # Adding twice changes nothing.
    post(f"/courses/{course.id}/enroll")
    assert db.session.scalar(select(func.count(Enrollment.id))) == 1
    mine = _text(client.get("/courses/mine"))
    assert "Elective" in mine and "Remove" in mine
    assert post(f"/courses/{course.id}/unenroll").status_code == 302
    assert db.session.scalar(select(func.count(Enrollment.id))) == 0


def test_a_required_course_cannot_be_dropped(client, login, post, cadre, instructor, make_course):
    course = make_course("Assigned", instructors=[instructor], lessons=1, published=True)
    db.session.add(Enrollment(user_id=cadre.id, course_id=course.id, is_required=True))
    db.session.commit()
    login(cadre)
    response = post(f"/courses/{course.id}/unenroll")
    assert response.status_code == 400
    assert "This course is required for you and cannot be removed." in _text(response)
    assert db.session.scalar(select(func.count(Enrollment.id))) == 1
    assert "Remove" not in _text(client.get("/courses/mine")).split("<main")[1]


def test_drafts_cannot_be_enrolled(client, login, post, cadre, instructor, make_course):
    draft = make_course("Draft", instructors=[instructor], lessons=1)
    login(cadre)
    assert post(f"/courses/{draft.id}/enroll").status_code == 404
    assert db.session.scalar(select(func.count(Enrollment.id))) == 0


@pytest.mark.parametrize("role", ["instructor", "supervisor", "admin"])
def test_only_cadres_enroll(client, login, post, make_user, instructor, make_course, role):
    course = make_course("C", instructors=[instructor], lessons=1, published=True)
    login(make_user("someone", roles=[role]))
    assert post(f"/courses/{course.id}/enroll").status_code == 403
    assert "Add to My courses" not in _text(client.get("/courses/"))


def test_my_courses_lists_required_first_then_electives(
    client, login, cadre, instructor, make_course
):
    elective = make_course("A elective", instructors=[instructor], lessons=2, published=True)
    required = make_course("Z required", instructors=[instructor], lessons=1, published=True)
    make_course("Not mine", instructors=[instructor], lessons=1, published=True)
    db.session.add_all(
        [
            Enrollment(user_id=cadre.id, course_id=elective.id),
            Enrollment(user_id=cadre.id, course_id=required.id, is_required=True),
        ]
    )
    db.session.commit()
    login(cadre)
    html = _text(client.get("/courses/mine"))
    assert html.index("Z required") < html.index("A elective")
    assert "Not mine" not in html
    assert "Required" in html and "Elective" in html


def test_my_courses_empty_state_links_to_the_menu(client, login, cadre):
    login(cadre)
    html = _text(client.get("/courses/mine"))
    assert "You have no courses yet." in html
    assert 'href="/courses/"' in html


def test_only_ready_lessons_link_to_the_player(client, login, cadre, instructor, make_course, app):
    course = make_course("Play", instructors=[instructor], lessons=2, published=True)
    ready, empty = course.lessons
    ready.status, ready.duration_seconds = "ready", 90
    db.session.commit()
    with app.test_request_context():
        ready_link = url_for("media.play", lesson_id=ready.id)
        empty_link = url_for("media.play", lesson_id=empty.id)
    login(cadre)
    html = _text(client.get(f"/courses/{course.id}"))
    assert f'href="{ready_link}"' in html
    assert f'href="{empty_link}"' not in html
    assert "No media yet" in html


def test_every_card_has_a_cover_drawn_when_none_was_uploaded(
    client, login, cadre, instructor, make_course
):
    course = make_course("<依法>行政", instructors=[instructor], lessons=1, published=True)
    login(cadre)
    html = _text(client.get("/courses/"))
    assert f'<img class="card-cover" src="/courses/{course.id}/cover"' in html
    response = client.get(f"/courses/{course.id}/cover")
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    svg = response.get_data(as_text=True)
    assert svg.startswith("<svg") and "&lt;</text>" in svg  # the title's first character, escaped
    draft = make_course("Draft", instructors=[instructor], lessons=1)
    assert client.get(f"/courses/{draft.id}/cover").status_code == 404
