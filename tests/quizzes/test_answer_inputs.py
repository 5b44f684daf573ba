"""Odd JSON on the answers endpoint is a 400 that saves nothing, never a 500."""

import pytest

from lms.api.services import issue_token
from lms.extensions import db
from lms.quizzes.models import AttemptQuestion
from tests.quizzes.conftest import questions_by_kind


@pytest.fixture
def started(client, make_quiz, bank, cadre):
    raw, _token = issue_token(cadre)
    db.session.commit()
    headers = {"Authorization": f"Bearer {raw}"}
    quiz = make_quiz()
    attempt = client.post(f"/api/v1/quizzes/{quiz.id}/attempts", headers=headers).get_json()
    question = questions_by_kind(bank)["fill_blank"]
    return f"/api/v1/attempts/{attempt['id']}/answers/{question.id}", headers


def _put(client, url, headers, body):
    return client.put(url, data=body, content_type="application/json", headers=headers)


@pytest.mark.parametrize("depth", [40, 100_000])
def test_deeply_nested_answers_are_400(client, started, depth):
    url, headers = started
    body = '{"answer": ' + "[" * depth + "]" * depth + "}"
    response = _put(client, url, headers, body)
    assert response.status_code == 400
    assert response.get_json()["error"]["message"] == "The JSON is nested too deeply."
    assert all(item.answer is None for item in db.session.query(AttemptQuestion))


def test_a_lone_surrogate_in_an_answer_is_400(client, started):
    url, headers = started
    response = _put(client, url, headers, '{"answer": {"text": "\\ud800"}}')
    assert response.status_code == 400
    assert "not valid Unicode" in response.get_json()["error"]["message"]
    assert _put(client, url, headers, '{"answer": {"text": "人民"}}').status_code == 200


def test_ids_beyond_the_columns_are_404_on_answers(client, started):
    _url, headers = started
    for path in (
        f"/api/v1/attempts/{2**64}/answers/1",
        f"/api/v1/attempts/1/answers/{2**63}",
        f"/api/v1/attempts/{2**31}/submit",
    ):
        method = client.put if "answers" in path else client.post
        response = method(path, json={"answer": None}, headers=headers)
        assert response.status_code == 404, path
        assert response.get_json()["error"]["code"] == "not_found"
