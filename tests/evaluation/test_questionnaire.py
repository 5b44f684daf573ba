"""Administrators edit the questionnaire; each saved change is a new version and answers keep
the version they answered."""

from sqlalchemy import func, select

from lms.evaluation.models import EvaluationResponse, Questionnaire
from lms.evaluation.questionnaires import current_questionnaire
from lms.extensions import db


def _form(rows):
    data = {}
    for index, (kind, aspect, zh, en) in enumerate(rows):
        data.update(
            {
                f"kind-{index}": kind,
                f"aspect-{index}": aspect,
                f"text_zh-{index}": zh,
                f"text_en-{index}": en,
            }
        )
    return data


def _rows_now():
    return [(q.kind, q.aspect, q.text_zh, q.text_en) for q in current_questionnaire().questions]


def _versions():
    return db.session.scalar(select(func.count()).select_from(Questionnaire))


def test_the_default_questionnaire(client, login, make_user):
    login(make_user("boss", roles=["admin"]))
    page = client.get("/evaluation/questionnaire").get_data(as_text=True)
    assert "Version 1, in use" in page
    assert [(kind, aspect) for kind, aspect, _zh, _en in _rows_now()] == [
        ("rating", "relevance"),
        ("rating", "clarity"),
        ("rating", "teacher"),
        ("text", "other"),
    ]


def test_an_edit_makes_a_new_version_and_answers_keep_theirs(
    client, login, post, make_user, course, teacher, evaluated, app
):
    app.config["EVALUATION_MIN_RESPONDENTS"] = 2
    evaluated(2, ratings=(3, 3, 3))
    first = current_questionnaire()
    login(make_user("boss", roles=["admin"]))
    rows = _rows_now()
    rows[1] = ("rating", "clarity", "案例贴近基层", "Cases close to the grassroots")
    response = post("/evaluation/questionnaire", _form(rows))
    assert response.status_code == 302
    assert _versions() == 2
    assert current_questionnaire().version == 2
    assert current_questionnaire().questions[1].text_en == "Cases close to the grassroots"
    # The first version is as it was, and so are the answers given to it.
    db.session.expire_all()
    assert (
        db.session.get(Questionnaire, first.id).questions[1].text_en == "Clear and easy to follow"
    )
    assert set(db.session.scalars(select(EvaluationResponse.questionnaire_id))) == {first.id}

    # Saving the same questions again makes no version.
    assert post("/evaluation/questionnaire", _form(rows)).status_code == 302
    assert _versions() == 2

    post("/logout")
    evaluated(2, ratings=(5, 5, 5))
    login(teacher)
    page = client.get(f"/evaluation/courses/{course.id}/results").get_data(as_text=True)
    assert "Questionnaire version 2: 2 respondents" in page
    assert "Questionnaire version 1: 2 respondents" in page
    assert "Cases close to the grassroots" in page and "Clear and easy to follow" in page


def test_a_refused_questionnaire_keeps_the_typed_rows_and_saves_nothing(
    client, login, post, make_user
):
    login(make_user("boss", roles=["admin"]))
    client.get("/evaluation/questionnaire")
    rows = [("rating", "no-such-aspect", "新问题", "A new question")]
    response = post("/evaluation/questionnaire", _form(rows))
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Question 1: choose a kind and an aspect." in html
    assert 'value="A new question"' in html
    assert _versions() == 1

    empty = post("/evaluation/questionnaire", _form([("rating", "other", "", "")]))
    assert empty.status_code == 400
    assert "at least one question" in empty.get_data(as_text=True)
    assert _versions() == 1


def test_removing_a_question_by_emptying_it(client, login, post, make_user):
    login(make_user("boss", roles=["admin"]))
    rows = _rows_now()
    rows[2] = ("rating", "teacher", "", "")
    assert post("/evaluation/questionnaire", _form(rows)).status_code == 302
    assert [aspect for _k, aspect, _zh, _en in _rows_now()] == ["relevance", "clarity", "other"]


def test_only_administrators_edit_it(client, login, make_user):
    login(make_user("sup", roles=["supervisor"]))
    assert client.get("/evaluation/questionnaire").status_code == 403
