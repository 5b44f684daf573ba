"""A cadre evaluates a completed course through the page: once, anonymously, nothing lost."""

from sqlalchemy import func, inspect, select

from lms.evaluation.models import EvaluationAnswer, EvaluationResponse, EvaluationSubmission
from lms.evaluation.questionnaires import current_questionnaire
from lms.extensions import db


def _counts():
    return (
        db.session.scalar(select(func.count()).select_from(EvaluationSubmission)),
        db.session.scalar(select(func.count()).select_from(EvaluationResponse)),
        db.session.scalar(select(func.count()).select_from(EvaluationAnswer)),
    )


def _form(ratings=(5, 4, 3), text="", version=None):
    questions = current_questionnaire().questions
    data = {"version": str(version or current_questionnaire().version)}
    rated = [q for q in questions if q.is_rating]
    for question, value in zip(rated, ratings, strict=False):
        data[f"q-{question.id}"] = str(value)
    data[f"q-{next(q.id for q in questions if not q.is_rating)}"] = text
    return data


def test_the_course_page_offers_the_evaluation_after_completion(
    client, login, post, make_user, bureau, course, completer
):
    learner = make_user("learner", unit=bureau)
    login(learner)
    page = client.get(f"/courses/{course.id}").get_data(as_text=True)
    assert "Evaluate this course" not in page  # not completed yet
    assert client.get(f"/evaluation/courses/{course.id}").status_code == 409

    post("/logout")
    done = completer()
    login(done)
    page = client.get(f"/courses/{course.id}").get_data(as_text=True)
    assert "Evaluate this course" in page
    assert f"/evaluation/courses/{course.id}" in page
    assert "Evaluation results" not in page  # a cadre never sees results


def test_a_cadre_evaluates_once_and_the_answers_keep_no_name(
    client, login, post, course, completer
):
    cadre = completer()
    login(cadre)
    form = client.get(f"/evaluation/courses/{course.id}").get_data(as_text=True)
    assert "Relevant to my work" in form and "kept without your name" in form

    response = post(f"/evaluation/courses/{course.id}", _form(text="More cases from townships"))
    assert response.status_code == 302
    assert _counts() == (1, 1, 4)
    stored = db.session.scalar(select(EvaluationResponse))
    assert stored.questionnaire_id == current_questionnaire().id
    # What was answered holds no user, no time: nothing ties it to the cadre.
    columns = {c.name for c in inspect(EvaluationResponse).columns}
    columns |= {c.name for c in inspect(EvaluationAnswer).columns}
    assert not {"user_id", "created_at", "submitted_at"} & columns
    texts = db.session.scalars(
        select(EvaluationAnswer.text).where(EvaluationAnswer.text.is_not(None))
    )
    assert list(texts) == ["More cases from townships"]

    page = client.get(f"/courses/{course.id}").get_data(as_text=True)
    assert "You have evaluated this course" in page
    again = post(f"/evaluation/courses/{course.id}", _form(ratings=(1, 1, 1)))
    assert again.status_code == 302
    assert _counts() == (1, 1, 4)  # the second answer changed nothing


def test_a_refused_form_keeps_what_was_typed_and_stores_nothing(
    client, login, post, course, completer
):
    login(completer())
    response = post(
        f"/evaluation/courses/{course.id}", _form(ratings=(5, 9), text="Keep this comment")
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Choose a rating from 1 to 5." in html
    assert "Keep this comment" in html
    assert 'value="5" checked' in html
    assert _counts() == (0, 0, 0)


def test_a_form_of_an_older_version_is_refused(client, login, post, course, completer):
    login(completer())
    response = post(f"/evaluation/courses/{course.id}", _form(version=99))
    assert response.status_code == 400
    assert "questionnaire has changed" in response.get_data(as_text=True)
    assert _counts() == (0, 0, 0)


def test_only_cadres_evaluate(client, login, course, teacher):
    login(teacher)
    assert client.get(f"/evaluation/courses/{course.id}").status_code == 403
