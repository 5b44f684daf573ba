"""Results per course: from LMS_EVALUATION_MIN_RESPONDENTS respondents on, at every place
they appear (page, CSV, XLSX, API, health score), never per person."""

import io

import pytest
from openpyxl import load_workbook

from lms.evaluation.answering import submit_evaluation
from lms.evaluation.questionnaires import current_questionnaire
from lms.extensions import db
from tests.evaluation.conftest import answers_of

COMMENT = '=HYPERLINK("http://x") more village cases'


@pytest.fixture
def staff(make_user, make_unit, bureau):
    return {
        "admin": make_user("boss", roles=["admin"]),
        "supervisor": make_user("sup", roles=["supervisor"], unit=make_unit("District")),
    }


def _nine_then_tenth(evaluated, completer, course):
    users = evaluated(9, ratings=(2, 4, 5), text=COMMENT)
    return users, lambda: (
        submit_evaluation(
            completer(), course, current_questionnaire(), answers_of((4, 4, 5), text=COMMENT)
        ),
        db.session.commit(),
    )


@pytest.mark.parametrize("reader", ["teacher", "admin", "supervisor"])
def test_the_results_page_shows_nothing_below_the_threshold(
    client, login, course, teacher, staff, evaluated, completer, reader
):
    users, tenth = _nine_then_tenth(evaluated, completer, course)
    login(teacher if reader == "teacher" else staff[reader])
    page = client.get(f"/evaluation/courses/{course.id}/results").get_data(as_text=True)
    assert "9 respondents" in page
    assert "data-below-threshold" in page
    assert "data-average" not in page and "more village cases" not in page
    assert "Export CSV" not in page

    tenth()
    page = client.get(f"/evaluation/courses/{course.id}/results").get_data(as_text=True)
    assert "10 respondents" in page and "data-below-threshold" not in page
    assert "2.20" in page  # relevance: nine 2s and one 4
    assert page.count("more village cases") == 10  # free text, without any name
    assert not [u for u in users if u.display_name in page or u.username in page]


def test_exports_hold_the_threshold_and_neutralise_formulas(
    client, login, course, teacher, evaluated, completer
):
    _users, tenth = _nine_then_tenth(evaluated, completer, course)
    login(teacher)
    below = client.get(f"/evaluation/courses/{course.id}/results.csv").get_data(as_text=True)
    assert below.strip().count("\n") == 0  # the header and no row
    xlsx = client.get(f"/evaluation/courses/{course.id}/results.xlsx")
    assert load_workbook(io.BytesIO(xlsx.data)).active.max_row == 1

    tenth()
    csv_text = client.get(f"/evaluation/courses/{course.id}/results.csv").get_data(as_text=True)
    assert "Relevant to my work,10,2.2,0,9,0,1,0," in csv_text
    assert "'=HYPERLINK" in csv_text  # a comment is text, never a formula
    sheet = load_workbook(
        io.BytesIO(client.get(f"/evaluation/courses/{course.id}/results.xlsx").data)
    ).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][:4] == (1, "Relevant to my work", 10, 2.2)
    comments = [row[-1] for row in rows[1:] if row[-1]]
    assert comments and all(c.startswith("=HYPERLINK") for c in comments)
    assert all(sheet.cell(row=r, column=10).data_type == "s" for r in range(5, sheet.max_row + 1))


def test_the_api_answers_null_averages_below_the_threshold(
    client, login, course, teacher, evaluated, completer
):
    _users, tenth = _nine_then_tenth(evaluated, completer, course)
    login(teacher)
    body = client.get(f"/api/v1/courses/{course.id}/evaluation").get_json()
    assert body["respondents"] == 9 and body["threshold"] == 10
    assert [q["average"] for q in body["questions"]] == [None, None, None]

    tenth()
    body = client.get(f"/api/v1/courses/{course.id}/evaluation").get_json()
    assert body["respondents"] == 10
    assert [q["average"] for q in body["questions"]] == [2.2, 4.0, 5.0]
    assert all(q["respondents"] == 10 for q in body["questions"])


def test_the_threshold_is_a_setting(app, client, login, course, teacher, evaluated):
    app.config["EVALUATION_MIN_RESPONDENTS"] = 3
    evaluated(3, ratings=(5, 5, 5))
    login(teacher)
    body = client.get(f"/api/v1/courses/{course.id}/evaluation").get_json()
    assert [q["average"] for q in body["questions"]] == [5.0, 5.0, 5.0]


def test_a_supervisor_sees_response_rates_of_their_units_not_who_answered(
    client, login, course, make_unit, make_user, completer, evaluated
):
    elsewhere = make_unit("Other district")
    answered = evaluated(2)
    completer()  # completed, did not answer
    completer(unit=elsewhere)  # outside the supervisor's units
    supervisor = make_user("sup_b", roles=["supervisor"], unit=make_unit("District"))
    login(supervisor)
    page = client.get(f"/evaluation/courses/{course.id}/results").get_data(as_text=True)
    assert "of the 3 cadres of your units who completed it have evaluated it (2)" in page
    assert "67%" in page
    assert "Bureau" not in page  # no unit, no name, no list of who answered
    assert not [u for u in answered if u.display_name in page]


def test_readers_are_the_course_instructors_supervisors_and_admins(
    client, login, post, course, make_user, completer
):
    other_teacher = make_user("other_teacher", roles=["instructor"])
    login(other_teacher)
    for url in (
        f"/evaluation/courses/{course.id}/results",
        f"/evaluation/courses/{course.id}/results.csv",
        f"/evaluation/courses/{course.id}/health",
        f"/api/v1/courses/{course.id}/evaluation",
    ):
        assert client.get(url).status_code == 404, url
    post("/logout")
    login(completer())
    assert client.get(f"/evaluation/courses/{course.id}/results").status_code == 403
    assert client.get(f"/api/v1/courses/{course.id}/evaluation").status_code == 403
