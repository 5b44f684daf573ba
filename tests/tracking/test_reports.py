"""The audience page for a lesson's instructors, and a cadre's lessons and viewing sessions
for supervisors: right numbers, right people, local times."""

import json
import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import event

from lms.courses.models import Course, Lesson, LessonStatus
from lms.extensions import db
from lms.tracking import beats, viewing
from lms.tracking.models import LessonProgress

T0 = datetime(2026, 6, 6, 2, 0, 0)  # 10:00 in Shanghai


def _watch(user, lesson, start, end, opened_at, user_agent="TestBrowser/1.0", address="10.1.2.3"):
    """Play ``[start, end]`` in real time through the real service, one beat per 15 s."""
    view = viewing.open_view(user, lesson, user_agent=user_agent, address=address)
    view.opened_at = opened_at
    now, position, seq = opened_at, start, 0
    while position < end:
        seq += 1
        now += timedelta(seconds=15)
        upto = min(end, position + 15)
        beat = viewing.parse_beat({"seq": seq, "segments": [[position, upto]], "position": upto})
        beats.record_beat(view, beat, now=now)
        position = upto
    db.session.commit()
    return view


@pytest.fixture
def teacher(make_user):
    return make_user("teacher", roles=["instructor"])


@pytest.fixture
def bureau(make_unit):
    return make_unit("District/Bureau A")


@pytest.fixture
def watched(make_lesson, make_user, teacher, bureau):
    """A 100 s lesson: ann played all of it, bob its first 30 s."""
    lesson = make_lesson(duration=100.0, instructors=[teacher])
    ann = make_user("ann", unit=bureau)
    bob = make_user("bob", unit=bureau)
    _watch(ann, lesson, 0, 100, T0)
    _watch(bob, lesson, 0, 30, T0)
    return {"lesson": lesson, "ann": ann, "bob": bob}


def _chart(html):
    match = re.search(r'<script type="application/json">(.*?)</script>', html, re.S)
    assert match, "no chart configuration on the page"
    return json.loads(match.group(1))


# --- the audience page -------------------------------------------------------------------


def test_the_instructor_sees_the_audience_of_their_lesson(client, login, teacher, watched):
    login(teacher)
    lesson = watched["lesson"]
    edit = client.get(f"/courses/{lesson.course_id}/edit").get_data(as_text=True)
    assert f"/learning/lessons/{lesson.id}/audience" in edit  # linked from lesson management

    response = client.get(f"/learning/lessons/{lesson.id}/audience")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
    assert "2 viewers" in text
    assert "1 completed (50%)" in text
    assert "65% average coverage" in text  # (100 + 30) / 200
    chart = _chart(html)
    data = chart["data"]["datasets"][0]["data"]
    assert len(data) == 100 and chart["data"]["labels"][30] == "0:30"
    assert data[0] == 2 and data[29] == 2 and data[30] == 1 and data[99] == 1
    # The table alternative says the same.
    assert "0:29–0:30 2.0 100%" in text
    assert "0:30–0:31 1.0 50%" in text
    assert "vendor/chartjs/chart.umd.min.js" in html and "js/charts.js" in html
    assert "<script>" not in html  # no inline scripts: configuration is JSON data


def test_partial_coverage_rows_give_the_same_numbers(client, login, make_lesson, make_user):
    admin = make_user("root", roles=["admin"])
    lesson = make_lesson(duration=10.0)
    for index, coverage in enumerate([[[0, 10]], [[0, 5]], [[2, 4], [6, 8]]]):
        viewer = make_user(f"viewer{index}")
        db.session.add(
            LessonProgress(
                user_id=viewer.id,
                lesson_id=lesson.id,
                coverage=coverage,
                credited_seconds=sum(e - s for s, e in coverage),
                completed_at=T0 if index == 0 else None,
            )
        )
    db.session.commit()
    login(admin)
    html = client.get(f"/learning/lessons/{lesson.id}/audience").get_data(as_text=True)
    data = _chart(html)["data"]["datasets"][0]["data"]
    assert data == [2, 2, 3, 3, 2, 1, 2, 2, 1, 1]
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
    assert "3 viewers" in text and "1 completed (33%)" in text
    assert "63% average coverage" in text  # 19 of 30 seconds


def test_nobody_watched_yet(client, login, make_lesson, teacher):
    lesson = make_lesson(instructors=[teacher])
    login(teacher)
    html = client.get(f"/learning/lessons/{lesson.id}/audience").get_data(as_text=True)
    assert "Nobody has watched this lesson yet." in html
    assert "data-chart" not in html and "chart.umd.min.js" not in html


def test_a_lesson_without_media_has_no_audience_link_or_curve(client, login, teacher):
    course = Course(title="Drafts", instructors=[teacher])
    lesson = Lesson(course=course, title="Empty", status=LessonStatus.EMPTY.value)
    db.session.add_all([course, lesson])
    db.session.commit()
    login(teacher)
    assert f"/learning/lessons/{lesson.id}/audience" not in client.get(
        f"/courses/{course.id}/edit"
    ).get_data(as_text=True)
    html = client.get(f"/learning/lessons/{lesson.id}/audience").get_data(as_text=True)
    assert "no playable media yet" in html


def test_an_instructor_not_teaching_the_course_gets_404(client, login, make_user, watched):
    login(make_user("other_teacher", roles=["instructor"]))
    assert client.get(f"/learning/lessons/{watched['lesson'].id}/audience").status_code == 404
    assert client.get("/learning/lessons/999999/audience").status_code == 404


@pytest.mark.parametrize("roles", [["cadre"], ["supervisor"]])
def test_cadres_and_supervisors_may_not_see_an_audience(
    client, login, make_user, watched, bureau, roles
):
    login(make_user("nosy", roles=roles, unit=bureau))
    assert client.get(f"/learning/lessons/{watched['lesson'].id}/audience").status_code == 403


# --- a cadre's learning, for supervisors -------------------------------------------------


def test_the_cadre_page_lists_the_lessons_played(client, login, make_user, make_unit, watched):
    supervisor = make_user("district_sup", roles=["supervisor"], unit=make_unit("District"))
    login(supervisor)
    ann, lesson = watched["ann"], watched["lesson"]
    html = client.get(f"/org/cadres/{ann.cadre.id}").get_data(as_text=True)
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
    assert "Learning" in text
    assert "Lecture 1 Party spirit 1:40 100% Completed" in text
    assert f"/learning/cadres/{ann.cadre.id}/lessons/{lesson.id}" in html
    assert "All 1 lessons" not in text  # everything is already shown


def test_a_cadre_who_played_nothing(client, login, make_user, bureau):
    admin = make_user("root", roles=["admin"])
    idle = make_user("idle", unit=bureau)
    login(admin)
    html = client.get(f"/org/cadres/{idle.cadre.id}").get_data(as_text=True)
    assert "This cadre has not played any lesson yet." in html
    html = client.get(f"/learning/cadres/{idle.cadre.id}").get_data(as_text=True)
    assert "This cadre has not played any lesson yet." in html


def _count_queries():
    statements = []

    def _before(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", _before)
    return statements, lambda: event.remove(db.engine, "before_cursor_execute", _before)


def test_many_lessons_are_limited_paginated_and_cost_no_query_each(
    app, client, login, make_user, make_lesson, bureau
):
    app.config["PAGE_SIZE"] = 5
    admin = make_user("root", roles=["admin"])
    cadre = make_user("busy", unit=bureau)
    login(admin)

    def _page_queries(url):
        statements, stop = _count_queries()
        assert client.get(url).status_code == 200
        stop()
        return len(statements)

    lessons = [make_lesson(duration=60.0) for _ in range(2)]
    for index, lesson in enumerate(lessons):
        _watch(cadre, lesson, 0, 15, T0 + timedelta(minutes=index))
    # Each process reads the plans' cut-offs once (lms/core/statsyear.py keeps them): open
    # the pages once before counting, so the counts compare only what depends on the lessons.
    _page_queries(f"/learning/cadres/{cadre.cadre.id}")
    _page_queries(f"/org/cadres/{cadre.cadre.id}")
    few_list = _page_queries(f"/learning/cadres/{cadre.cadre.id}")
    few_card = _page_queries(f"/org/cadres/{cadre.cadre.id}")

    for index in range(2, 12):
        lesson = make_lesson(duration=60.0)
        lesson.title = f"Lecture {index + 1:02d}"
        lessons.append(lesson)
        _watch(cadre, lesson, 0, 15, T0 + timedelta(minutes=index))
    assert _page_queries(f"/learning/cadres/{cadre.cadre.id}") == few_list
    assert _page_queries(f"/org/cadres/{cadre.cadre.id}") == few_card

    card = client.get(f"/org/cadres/{cadre.cadre.id}").get_data(as_text=True)
    assert card.count("/lessons/") == 10  # the latest ten
    assert "Lecture 12" in card and "Lecture 1<" not in card
    assert "All 12 lessons" in card
    first = client.get(f"/learning/cadres/{cadre.cadre.id}").get_data(as_text=True)
    assert "Lecture 12" in first and "Page 1 of 3" in first
    last = client.get(f"/learning/cadres/{cadre.cadre.id}?page=3").get_data(as_text=True)
    assert last.count("/lessons/") == 2  # the two oldest, both "Lecture 1"
    assert "Lecture 1<" in last and "Lecture 03" not in last


def test_a_cadres_sessions_of_a_lesson(client, login, make_user, make_unit, watched):
    ann, lesson = watched["ann"], watched["lesson"]
    later = T0 + timedelta(days=1)
    _watch(ann, lesson, 40, 70, later, user_agent="PhoneBrowser/2.0", address="10.9.9.9")
    supervisor = make_user("bureau_sup", roles=["supervisor"], unit=make_unit("District/Bureau A"))
    login(supervisor)
    html = client.get(f"/learning/cadres/{ann.cadre.id}/lessons/{lesson.id}").get_data(as_text=True)
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
    assert "2 sessions, newest first." in text
    # The newest session first: replayed 0:40–1:10 (30 s in all), credited nothing new.
    newest, oldest = text.index("PhoneBrowser/2.0"), text.index("TestBrowser/1.0")
    assert newest < oldest
    assert "0:40–1:10 0:30 in all 0:00 1:10 1.0×" in text
    assert "0:00–1:40 1:40 in all 1:40 1:40 1.0×" in text
    assert "10.9.9.9" in text and "10.1.2.3" in text
    # Local time (Asia/Shanghai): opened at 10:00, not the stored 02:00 UTC.
    assert "6/6/26, 10:00" in text and "6/7/26, 10:00" in text
    assert "Credited parts 0:00–1:40" in text


def test_sessions_are_paginated(app, client, login, make_user, watched):
    app.config["PAGE_SIZE"] = 2
    bob, lesson = watched["bob"], watched["lesson"]
    for day in range(1, 4):
        _watch(bob, lesson, 0, 15, T0 + timedelta(days=day), user_agent=f"Agent-day-{day}")
    login(make_user("root", roles=["admin"]))
    url = f"/learning/cadres/{bob.cadre.id}/lessons/{lesson.id}"
    first = client.get(url).get_data(as_text=True)
    assert "4 sessions" in first and "Agent-day-3" in first and "Agent-day-2" in first
    assert "Agent-day-1" not in first and "Page 1 of 2" in first
    second = client.get(url + "?page=2").get_data(as_text=True)
    assert "Agent-day-1" in second and "TestBrowser/1.0" in second


def test_no_sessions_of_a_lesson(client, login, make_user, make_lesson, watched):
    other = make_lesson(duration=50.0)
    login(make_user("root", roles=["admin"]))
    html = client.get(f"/learning/cadres/{watched['ann'].cadre.id}/lessons/{other.id}")
    assert "This cadre has not opened this lesson." in html.get_data(as_text=True)


def test_supervisors_see_only_cadres_in_their_subtree(client, login, make_user, make_unit, watched):
    ann, lesson = watched["ann"], watched["lesson"]
    login(make_user("sup_b", roles=["supervisor"], unit=make_unit("District/Bureau B")))
    assert client.get(f"/org/cadres/{ann.cadre.id}").status_code == 404
    assert client.get(f"/learning/cadres/{ann.cadre.id}").status_code == 404
    assert client.get(f"/learning/cadres/{ann.cadre.id}/lessons/{lesson.id}").status_code == 404
    assert client.get("/learning/cadres/999999").status_code == 404


def test_missing_lesson_is_404(client, login, make_user, watched):
    login(make_user("root", roles=["admin"]))
    url = f"/learning/cadres/{watched['ann'].cadre.id}/lessons/999999"
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("roles", [["cadre"], ["instructor"]])
def test_cadres_and_instructors_may_not_open_a_cadres_sessions(
    client, login, make_user, watched, bureau, roles
):
    ann, lesson = watched["ann"], watched["lesson"]
    login(make_user("nosy", roles=roles, unit=bureau))
    assert client.get(f"/learning/cadres/{ann.cadre.id}").status_code == 403
    assert client.get(f"/learning/cadres/{ann.cadre.id}/lessons/{lesson.id}").status_code == 403
