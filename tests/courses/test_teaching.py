"""Instructors build their own courses and lessons; admins may edit every course."""

import io

import pytest
from flask import url_for
from sqlalchemy import func, select

from lms.courses.models import ContentCategory, Course, Enrollment, Lesson
from lms.extensions import db
from lms.org.categories import ensure_default_categories

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _text(response):
    return response.get_data(as_text=True)


def _course(title):
    return db.session.scalar(select(Course).where(Course.title == title))


def _titles(course):
    db.session.expire_all()
    return [lesson.title for lesson in db.session.get(Course, course.id).lessons]


# --- who may edit ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    ["/courses/teaching", "/courses/new"],
)
def test_cadres_cannot_reach_teaching_pages(client, login, cadre, url):
    login(cadre)
    assert client.get(url).status_code == 403


def test_an_instructor_cannot_edit_another_instructors_course(
    client, login, post, instructor, other_instructor, make_course
):
    theirs = make_course("Theirs", instructors=[other_instructor], lessons=1)
    lesson = theirs.lessons[0]
    login(instructor)
    assert client.get(f"/courses/{theirs.id}/edit").status_code == 404
    assert post(f"/courses/{theirs.id}/edit", {"title": "Hacked"}).status_code == 404
    assert post(f"/courses/{theirs.id}/publish").status_code == 404
    assert post(f"/courses/{theirs.id}/lessons/{lesson.id}/delete").status_code == 404
    assert (
        post(f"/courses/{theirs.id}/lessons/new", {"title": "X", "kind": "video"}).status_code
        == 404
    )
    db.session.expire_all()
    assert _course("Theirs").title == "Theirs"
    assert _course("Theirs").is_published is False
    assert db.session.scalar(select(func.count(Lesson.id))) == 1
    # Nor is it on their teaching page.
    assert "Theirs" not in _text(client.get("/courses/teaching"))


def test_an_admin_edits_every_course(client, login, post, admin, other_instructor, make_course):
    course = make_course("Theirs", instructors=[other_instructor])
    login(admin)
    assert "Theirs" in _text(client.get("/courses/teaching"))
    response = post(
        f"/courses/{course.id}/edit",
        {
            "title": "Renamed by admin",
            "teaching_method": "lecture",
            "content_category_id": "",
            "instructor_ids": [str(other_instructor.id)],
        },
    )
    assert response.status_code == 302, _text(response)[:2000]
    db.session.expire_all()
    assert db.session.get(Course, course.id).title == "Renamed by admin"


def test_a_lesson_of_another_course_is_not_found(
    client, login, post, instructor, other_instructor, make_course
):
    mine = make_course("Mine", instructors=[instructor], lessons=1)
    theirs = make_course("Theirs", instructors=[other_instructor], lessons=1)
    login(instructor)
    url = f"/courses/{mine.id}/lessons/{theirs.lessons[0].id}/delete"
    assert post(url).status_code == 404
    assert db.session.scalar(select(func.count(Lesson.id))) == 2


# --- the teaching page and creating courses ----------------------------------------------


def test_teaching_page_empty_state(client, login, instructor):
    login(instructor)
    html = _text(client.get("/courses/teaching"))
    assert "You have no courses yet." in html
    assert 'href="/courses/new"' in html


def test_teaching_page_lists_own_courses_with_counts_and_status(
    client, login, instructor, make_course
):
    make_course("Draft one", instructors=[instructor], lessons=2)
    make_course("Live one", instructors=[instructor], lessons=3, published=True)
    login(instructor)
    html = _text(client.get("/courses/teaching"))
    draft_row = html[html.index("Draft one") :].split("</tr>")[0]
    live_row = html[html.index("Live one") :].split("</tr>")[0]
    assert "Draft" in draft_row and '<td class="num">2</td>' in draft_row
    assert "Published" in live_row and '<td class="num">3</td>' in live_row


def test_instructor_creates_a_course_and_teaches_it(
    client, login, post, instructor, other_instructor, app
):
    ensure_default_categories()
    db.session.commit()
    from lms.courses.categories import ensure_default_content_categories

    ensure_default_content_categories()
    db.session.commit()
    theory = db.session.scalar(select(ContentCategory).where(ContentCategory.code == "theory"))
    login(instructor)
    page = _text(client.get("/courses/new"))
    assert "Theory" in page and "Li Professor" in page and "Civil servant" in page
    response = post(
        "/courses/new",
        {
            "title": "New thinking",
            "summary": "Short",
            "description": "<p>Long <script>x</script></p>",
            "content_category_id": str(theory.id),
            "teaching_method": "case_study",
            "instructor_ids": [str(other_instructor.id)],
        },
        token_page="/courses/new",
    )
    assert response.status_code == 302, _text(response)[:3000]
    course = _course("New thinking")
    assert response.headers["Location"].endswith(f"/courses/{course.id}/edit")
    assert course.is_published is False
    assert course.content_category.code == "theory"
    assert course.teaching_method == "case_study"
    assert {u.username for u in course.instructors} == {"teacher", "other"}
    assert course.created_by_id == instructor.id


def test_a_course_needs_a_title(client, login, post, instructor):
    login(instructor)
    response = post("/courses/new", {"title": " ", "teaching_method": "lecture"})
    assert response.status_code == 400
    assert db.session.scalar(select(func.count(Course.id))) == 0


def test_target_categories_and_instructors_are_saved(
    client, login, post, instructor, other_instructor, make_course
):
    ensure_default_categories()
    db.session.commit()
    from lms.org.models import CadreCategory

    village = db.session.scalar(select(CadreCategory).where(CadreCategory.code == "village"))
    course = make_course("C", instructors=[instructor])
    login(instructor)
    response = post(
        f"/courses/{course.id}/edit",
        {
            "title": "C",
            "teaching_method": "simulation",
            "content_category_id": "",
            "target_category_ids": [str(village.id)],
            "instructor_ids": [str(instructor.id), str(other_instructor.id)],
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    course = db.session.get(Course, course.id)
    assert [c.code for c in course.target_categories] == ["village"]
    assert {u.username for u in course.instructors} == {"teacher", "other"}


def test_the_description_is_shown_sanitized(client, login, post, instructor, cadre, make_course):
    course = make_course("Safe", instructors=[instructor], lessons=1, published=True)
    course.description = (
        '<p>Good <strong>bold</strong></p><script>alert(1)</script><a href="javascript:x()">l</a>'
    )
    db.session.commit()
    login(cadre)
    html = _text(client.get(f"/courses/{course.id}"))
    assert "<strong>bold</strong>" in html
    assert "alert(1)" not in html and "javascript:x()" not in html


# --- cover images ------------------------------------------------------------------------


def test_cover_upload_checks_the_bytes_and_is_served(
    client, login, post, instructor, cadre, make_course, app
):
    course = make_course("Covered", instructors=[instructor], lessons=1, published=True)
    login(instructor)
    fields = {
        "title": "Covered",
        "teaching_method": "lecture",
        "instructor_ids": [str(instructor.id)],
    }
    bad = post(
        f"/courses/{course.id}/edit",
        {**fields, "cover": (io.BytesIO(b"<svg onload=alert(1)>"), "cover.png")},
        content_type="multipart/form-data",
    )
    assert bad.status_code == 400
    assert "A cover image must be a JPEG, PNG or WebP picture." in _text(bad)
    db.session.expire_all()
    assert db.session.get(Course, course.id).cover_path is None
    good = post(
        f"/courses/{course.id}/edit",
        {**fields, "cover": (io.BytesIO(PNG), "anything.svg")},
        content_type="multipart/form-data",
    )
    assert good.status_code == 302
    db.session.expire_all()
    stored = db.session.get(Course, course.id).cover_path
    assert stored.startswith("covers/") and stored.endswith(".png")
    assert "anything" not in stored


def test_cover_is_only_served_to_those_who_see_the_course(
    client, login, instructor, cadre, make_course, app, tmp_path
):
    from pathlib import Path

    course = make_course("Hidden", instructors=[instructor], lessons=1)
    folder = Path(app.config["MEDIA_ROOT"]) / "covers"
    folder.mkdir(parents=True)
    (folder / "abc.png").write_bytes(PNG)
    course.cover_path = "covers/abc.png"
    db.session.commit()
    login(cadre)
    assert client.get(f"/courses/{course.id}/cover").status_code == 404
    course.is_published = True
    db.session.commit()
    response = client.get(f"/courses/{course.id}/cover")
    assert response.status_code == 200
    assert response.data == PNG


# --- publishing and deleting -------------------------------------------------------------


def test_publishing_needs_a_lesson(client, login, post, instructor, make_course):
    course = make_course("Empty", instructors=[instructor])
    login(instructor)
    response = post(f"/courses/{course.id}/publish")
    assert response.status_code == 400
    assert "Add at least one lesson before publishing the course." in _text(response)
    db.session.expire_all()
    assert db.session.get(Course, course.id).is_published is False


def test_publish_and_unpublish(client, login, post, instructor, make_course):
    course = make_course("Ready", instructors=[instructor], lessons=1)
    login(instructor)
    assert post(f"/courses/{course.id}/publish").status_code == 302
    db.session.expire_all()
    assert db.session.get(Course, course.id).is_published is True
    assert post(f"/courses/{course.id}/unpublish").status_code == 302
    db.session.expire_all()
    assert db.session.get(Course, course.id).is_published is False


def test_delete_a_draft(client, login, post, instructor, make_course):
    course = make_course("Gone", instructors=[instructor], lessons=2)
    login(instructor)
    edit = _text(client.get(f"/courses/{course.id}/edit"))
    assert f'action="/courses/{course.id}/delete"' in edit and "data-confirm" in edit
    response = post(f"/courses/{course.id}/delete")
    assert response.status_code == 302
    assert db.session.scalar(select(func.count(Course.id))) == 0
    assert db.session.scalar(select(func.count(Lesson.id))) == 0


def test_a_published_course_or_one_with_enrolments_is_not_deleted(
    client, login, post, instructor, cadre, make_course
):
    live = make_course("Live", instructors=[instructor], lessons=1, published=True)
    chosen = make_course("Chosen", instructors=[instructor], lessons=1)
    db.session.add(Enrollment(user_id=cadre.id, course_id=chosen.id))
    db.session.commit()
    login(instructor)
    assert post(f"/courses/{live.id}/delete").status_code == 400
    response = post(f"/courses/{chosen.id}/delete")
    assert response.status_code == 400
    assert "cannot be deleted" in _text(response)
    assert db.session.scalar(select(func.count(Course.id))) == 2


# --- lessons -----------------------------------------------------------------------------


def test_add_rename_and_delete_lessons(client, login, post, instructor, make_course):
    course = make_course("L", instructors=[instructor])
    login(instructor)
    assert "No lessons yet." in _text(client.get(f"/courses/{course.id}/edit"))
    for title, kind in [("One", "video"), ("Two", "audio"), ("Three", "video")]:
        response = post(f"/courses/{course.id}/lessons/new", {"title": title, "kind": kind})
        assert response.status_code == 302
    assert _titles(course) == ["One", "Two", "Three"]
    two = db.session.scalar(select(Lesson).where(Lesson.title == "Two"))
    assert two.kind == "audio" and two.status == "empty"
    html = _text(client.get(f"/courses/{course.id}/edit"))
    assert "No media yet" in html and "Audio" in html
    assert (
        post(f"/courses/{course.id}/lessons/{two.id}/rename", {"new_title": "Deux"}).status_code
        == 302
    )
    assert _titles(course) == ["One", "Deux", "Three"]
    assert post(f"/courses/{course.id}/lessons/{two.id}/delete").status_code == 302
    assert _titles(course) == ["One", "Three"]
    positions = sorted(db.session.scalars(select(Lesson.position)))
    assert positions == [0, 1]


def test_bad_lesson_input_is_refused(client, login, post, instructor, make_course):
    course = make_course("L", instructors=[instructor], lessons=1)
    login(instructor)
    assert (
        post(f"/courses/{course.id}/lessons/new", {"title": "", "kind": "video"}).status_code == 400
    )
    assert (
        post(f"/courses/{course.id}/lessons/new", {"title": "X", "kind": "pdf"}).status_code == 400
    )
    lesson = course.lessons[0]
    assert (
        post(f"/courses/{course.id}/lessons/{lesson.id}/rename", {"new_title": " "}).status_code
        == 400
    )
    assert _titles(course) == ["L lesson 1"]


def test_lessons_move_up_and_down(client, login, post, instructor, make_course):
    course = make_course("M", instructors=[instructor], lessons=3)
    first, second, third = course.lessons
    login(instructor)
    assert post(f"/courses/{course.id}/lessons/{third.id}/up").status_code == 302
    assert _titles(course) == ["M lesson 1", "M lesson 3", "M lesson 2"]
    post(f"/courses/{course.id}/lessons/{first.id}/down")
    assert _titles(course) == ["M lesson 3", "M lesson 1", "M lesson 2"]
    # The ends do not wrap around.
    post(f"/courses/{course.id}/lessons/{third.id}/up")
    post(f"/courses/{course.id}/lessons/{second.id}/down")
    assert _titles(course) == ["M lesson 3", "M lesson 1", "M lesson 2"]
    assert sorted(db.session.scalars(select(Lesson.position))) == [0, 1, 2]


def test_the_last_lesson_of_a_published_course_stays(client, login, post, instructor, make_course):
    course = make_course("P", instructors=[instructor], lessons=1, published=True)
    login(instructor)
    response = post(f"/courses/{course.id}/lessons/{course.lessons[0].id}/delete")
    assert response.status_code == 400
    assert db.session.scalar(select(func.count(Lesson.id))) == 1


def test_each_lesson_links_to_its_media_page(client, login, instructor, make_course, app):
    course = make_course("Media", instructors=[instructor], lessons=2)
    login(instructor)
    html = _text(client.get(f"/courses/{course.id}/edit"))
    with app.test_request_context():
        links = [url_for("media.lesson_media", lesson_id=lesson.id) for lesson in course.lessons]
    for link in links:
        assert f'href="{link}"' in html


def test_a_cover_over_5_mb_is_refused(client, login, post, instructor, make_course):
    course = make_course("Big", instructors=[instructor], lessons=1)
    login(instructor)
    big = PNG + b"\x00" * (5 * 1024 * 1024)
    response = post(
        f"/courses/{course.id}/edit",
        {
            "title": "Big",
            "teaching_method": "lecture",
            "instructor_ids": [str(instructor.id)],
            "cover": (io.BytesIO(big), "big.png"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert "A cover image can be at most 5 MB." in _text(response)
    db.session.expire_all()
    assert db.session.get(Course, course.id).cover_path is None
