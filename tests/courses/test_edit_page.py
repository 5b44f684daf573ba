"""The instructor's course page, as issue 14's walkthrough found it: each label names its own
input, a test can be added from it, and the lesson media page leads back to it."""

import re
from collections import Counter

EN = {"Accept-Language": "en"}


def test_the_edit_page_has_unique_ids_and_labels_that_name_their_input(
    client, login, instructor, make_course
):
    course = make_course("Weekend class", instructors=[instructor], lessons=1)
    login(instructor)
    html = client.get(f"/courses/{course.id}/edit", headers=EN).get_data(as_text=True)
    ids = Counter(re.findall(r'\sid="([^"]+)"', html))
    assert [name for name, count in ids.items() if count > 1] == []
    # The course's name and the new lesson's title are two inputs, each with its label.
    assert re.search(r'<label for="title">Title</label>\s*<input[^>]*id="title"', html)
    assert re.search(r'<label for="lesson-title">Lesson title</label>', html)
    assert re.search(r'<input[^>]*id="lesson-title"[^>]*name="title"', html) or re.search(
        r'<input[^>]*name="title"[^>]*id="lesson-title"', html
    )


def test_a_lesson_added_from_the_edit_page_keeps_its_title(
    client, login, post, instructor, make_course
):
    course = make_course("Weekend class", instructors=[instructor])
    login(instructor)
    response = post(f"/courses/{course.id}/lessons/new", {"title": "On the rules", "kind": "audio"})
    assert response.status_code in (302, 303)
    html = client.get(f"/courses/{course.id}/edit", headers=EN).get_data(as_text=True)
    assert "On the rules" in html


def test_the_edit_page_offers_a_new_test(client, login, instructor, make_course):
    course = make_course("Weekend class", instructors=[instructor])
    login(instructor)
    html = client.get(f"/courses/{course.id}/edit", headers=EN).get_data(as_text=True)
    assert "This course has no test yet." in html
    assert f'href="/quizzes/new?course_id={course.id}"' in html
    assert client.get(f"/quizzes/new?course_id={course.id}").status_code == 200


def test_the_lesson_media_page_leads_back_to_the_edit_page(client, login, instructor, make_course):
    course = make_course("Weekend class", instructors=[instructor], lessons=1)
    login(instructor)
    html = client.get(f"/media/lessons/{course.lessons[0].id}", headers=EN).get_data(as_text=True)
    assert f'<a href="/courses/{course.id}/edit">‹ Weekend class</a>' in html
