"""Attempts through the API: start or resume, autosave, deadline, limits, secrecy, ownership."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from lms.api.services import issue_token
from lms.core.timeutil import utcnow
from lms.extensions import db
from lms.quizzes import tasks
from lms.quizzes.models import QuizAttempt, QuizResult
from tests.quizzes.conftest import (
    SECRET_BLANK,
    SECRET_EXPLANATION,
    correct_ids,
    questions_by_kind,
    wrong_ids,
)


@pytest.fixture
def bearer(app):
    def _headers(user):
        raw, _token = issue_token(user)
        db.session.commit()
        return {"Authorization": f"Bearer {raw}"}

    return _headers


def _start(client, quiz, headers):
    return client.post(f"/api/v1/quizzes/{quiz.id}/attempts", headers=headers)


def _answer(client, attempt_id, question_id, answer, headers):
    return client.put(
        f"/api/v1/attempts/{attempt_id}/answers/{question_id}",
        json={"answer": answer},
        headers=headers,
    )


def _answer_all_correctly(client, attempt_id, bank, headers):
    q = questions_by_kind(bank)
    for kind in ("single", "multiple", "true_false"):
        assert (
            _answer(client, attempt_id, q[kind].id, correct_ids(q[kind]), headers).status_code
            == 200
        )
    assert (
        _answer(client, attempt_id, q["fill_blank"].id, {"text": "人 民。"}, headers).status_code
        == 200
    )


def test_start_returns_questions_without_correctness_data(client, make_quiz, bank, cadre, bearer):
    quiz = make_quiz(time_limit_minutes=10)
    response = _start(client, quiz, bearer(cadre))
    assert response.status_code == 201
    body = response.get_json()
    assert body["status"] == "open"
    assert body["deadline_at"].endswith("Z")
    assert 590 <= body["remaining_seconds"] <= 600
    assert len(body["questions"]) == 4
    raw = response.get_data(as_text=True)
    for secret in (
        "is_correct",
        "correct_option_ids",
        "accepted_answers",
        "explanation",
        SECRET_EXPLANATION,
        SECRET_BLANK,
        "awarded_points",
        '"score"',
        '"passed"',
    ):
        assert secret not in raw
    for question in body["questions"]:
        assert set(question) == {"id", "position", "kind", "text", "points", "options", "answer"}
        for option in question["options"]:
            assert set(option) == {"id", "text"}


def test_resume_returns_the_same_attempt_order_and_saved_answers(
    client, make_quiz, bank, cadre, bearer
):
    quiz = make_quiz(shuffle_questions=True, shuffle_options=True)
    headers = bearer(cadre)
    first = _start(client, quiz, headers).get_json()
    single = questions_by_kind(bank)["single"]
    assert (
        _answer(client, first["id"], single.id, [wrong_ids(single)[0]], headers).status_code == 200
    )
    for _ in range(3):
        again = _start(client, quiz, headers)
        assert again.status_code == 200  # resumed, not created
        body = again.get_json()
        assert body["id"] == first["id"]
        assert [q["id"] for q in body["questions"]] == [q["id"] for q in first["questions"]]
        assert [[o["id"] for o in q["options"]] for q in body["questions"]] == [
            [o["id"] for o in q["options"]] for q in first["questions"]
        ]
        saved = {q["id"]: q["answer"] for q in body["questions"]}
        assert saved[single.id] == [wrong_ids(single)[0]]
    assert db.session.scalar(select(db.func.count(QuizAttempt.id))) == 1


def test_shuffle_differs_between_attempts_but_is_fixed_within_one(
    client, make_quiz, bank, cadre, bearer
):
    quiz = make_quiz(shuffle_questions=True, shuffle_options=True, max_attempts=None)
    headers = bearer(cadre)
    orders = set()
    for _ in range(8):
        body = _start(client, quiz, headers).get_json()
        orders.add(tuple(q["id"] for q in body["questions"]))
        assert (
            client.post(f"/api/v1/attempts/{body['id']}/submit", headers=headers).status_code == 200
        )
    assert len(orders) > 1  # 8 attempts of 4 questions all in one order: (1/24)^7


def test_submit_grades_and_reveals_after_attempt(client, make_quiz, bank, cadre, bearer):
    quiz = make_quiz(reveal="after_attempt", pass_percent=60)
    headers = bearer(cadre)
    attempt_id = _start(client, quiz, headers).get_json()["id"]
    _answer_all_correctly(client, attempt_id, bank, headers)
    response = client.post(f"/api/v1/attempts/{attempt_id}/submit", headers=headers)
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "graded"
    assert body["score"] == 7.0 and body["max_score"] == 7.0
    assert body["percent"] == 100.0 and body["passed"] is True
    assert body["review"] is True
    assert SECRET_EXPLANATION in response.get_data(as_text=True)
    # Submitting again is refused and changes nothing.
    again = client.post(f"/api/v1/attempts/{attempt_id}/submit", headers=headers)
    assert again.status_code == 409
    assert client.get(f"/api/v1/attempts/{attempt_id}", headers=headers).get_json()["score"] == 7.0
    # So is an answer to a closed attempt.
    single = questions_by_kind(bank)["single"]
    late = _answer(client, attempt_id, single.id, [wrong_ids(single)[0]], headers)
    assert late.status_code == 409
    assert client.get(f"/api/v1/attempts/{attempt_id}", headers=headers).get_json()["score"] == 7.0


def test_partial_credit_and_wrong_answers_are_scored(client, make_quiz, bank, cadre, bearer):
    quiz = make_quiz(pass_percent=60)
    headers = bearer(cadre)
    attempt_id = _start(client, quiz, headers).get_json()["id"]
    q = questions_by_kind(bank)
    multiple = q["multiple"]
    # Two of three rivers and the lake: (2 - 1) / 3 of 3 points.
    chosen = correct_ids(multiple)[:2] + wrong_ids(multiple)
    assert _answer(client, attempt_id, multiple.id, chosen, headers).status_code == 200
    assert (
        _answer(client, attempt_id, q["single"].id, correct_ids(q["single"]), headers).status_code
        == 200
    )
    body = client.post(f"/api/v1/attempts/{attempt_id}/submit", headers=headers).get_json()
    assert body["score"] == pytest.approx(3.0)
    assert body["percent"] == pytest.approx(42.86)
    assert body["passed"] is False


def test_never_reveal_keeps_answers_secret_after_grading(client, make_quiz, bank, cadre, bearer):
    quiz = make_quiz(reveal="never")
    headers = bearer(cadre)
    attempt_id = _start(client, quiz, headers).get_json()["id"]
    response = client.post(f"/api/v1/attempts/{attempt_id}/submit", headers=headers)
    raw = response.get_data(as_text=True)
    assert response.get_json()["review"] is False
    assert SECRET_EXPLANATION not in raw and SECRET_BLANK not in raw
    assert "correct_option_ids" not in raw


def test_bad_answers_are_refused(client, make_quiz, bank, cadre, bearer):
    quiz = make_quiz()
    headers = bearer(cadre)
    attempt_id = _start(client, quiz, headers).get_json()["id"]
    q = questions_by_kind(bank)
    other = questions_by_kind(bank)["multiple"]
    # An option of another question, two options of a single-choice question, text for a choice.
    assert (
        _answer(client, attempt_id, q["single"].id, [other.options[0].id], headers).status_code
        == 400
    )
    assert (
        _answer(
            client, attempt_id, q["single"].id, [o.id for o in q["single"].options[:2]], headers
        ).status_code
        == 400
    )
    assert _answer(client, attempt_id, q["single"].id, {"text": "x"}, headers).status_code == 400
    assert (
        _answer(client, attempt_id, q["fill_blank"].id, {"text": "x" * 501}, headers).status_code
        == 400
    )
    # A question not in the attempt.
    assert _answer(client, attempt_id, 999999, [1], headers).status_code == 404
    bad_body = client.put(
        f"/api/v1/attempts/{attempt_id}/answers/{q['single'].id}", data="nope", headers=headers
    )
    assert bad_body.status_code == 400
    saved = client.get(f"/api/v1/attempts/{attempt_id}", headers=headers).get_json()
    assert all(question["answer"] is None for question in saved["questions"])


def test_another_users_attempt_is_not_found(client, make_quiz, bank, cadre, make_user, bearer):
    quiz = make_quiz()
    attempt_id = _start(client, quiz, bearer(cadre)).get_json()["id"]
    other = bearer(make_user("cadre_b"))
    single = questions_by_kind(bank)["single"]
    assert client.get(f"/api/v1/attempts/{attempt_id}", headers=other).status_code == 404
    assert _answer(client, attempt_id, single.id, correct_ids(single), other).status_code == 404
    assert client.post(f"/api/v1/attempts/{attempt_id}/submit", headers=other).status_code == 404
    attempt = db.session.get(QuizAttempt, attempt_id)
    assert attempt.is_open and all(item.answer is None for item in attempt.items)


def test_answer_after_deadline_is_refused_and_attempt_graded(
    client, make_quiz, bank, cadre, bearer
):
    quiz = make_quiz(time_limit_minutes=5)
    headers = bearer(cadre)
    attempt_id = _start(client, quiz, headers).get_json()["id"]
    single = questions_by_kind(bank)["single"]
    assert _answer(client, attempt_id, single.id, correct_ids(single), headers).status_code == 200
    attempt = db.session.get(QuizAttempt, attempt_id)
    # Within the grace the answer still counts; after it, it is refused.
    attempt.deadline_at = utcnow() - timedelta(seconds=5)
    db.session.commit()
    tf = questions_by_kind(bank)["true_false"]
    assert _answer(client, attempt_id, tf.id, correct_ids(tf), headers).status_code == 200
    attempt.deadline_at = utcnow() - timedelta(seconds=30)
    db.session.commit()
    late = _answer(client, attempt_id, questions_by_kind(bank)["multiple"].id, [], headers)
    assert late.status_code == 409
    assert "Time is up" in late.get_json()["error"]["message"]
    body = client.get(f"/api/v1/attempts/{attempt_id}", headers=headers).get_json()
    assert body["status"] == "graded" and body["is_expired"] is True
    assert body["score"] == 3.0  # the single (2) and true/false (1) saved in time


def test_abandoned_attempt_is_closed_by_the_job(app, client, make_quiz, bank, cadre, bearer):
    quiz = make_quiz(time_limit_minutes=5)
    headers = bearer(cadre)
    attempt_id = _start(client, quiz, headers).get_json()["id"]
    single = questions_by_kind(bank)["single"]
    _answer(client, attempt_id, single.id, correct_ids(single), headers)
    fresh = _start(client, make_quiz(title="Other"), headers).get_json()["id"]
    attempt = db.session.get(QuizAttempt, attempt_id)
    attempt.deadline_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    assert tasks.close_expired_attempts() == 1
    assert tasks.close_expired_attempts() == 0  # safe to run twice
    db.session.expire_all()
    closed = db.session.get(QuizAttempt, attempt_id)
    assert closed.status == "graded" and closed.is_expired and closed.score == 2.0
    assert closed.submitted_at == closed.deadline_at
    assert db.session.get(QuizAttempt, fresh).is_open
    result = db.session.scalar(select(QuizResult).where(QuizResult.quiz_id == quiz.id))
    assert result.percent == pytest.approx(28.57) and result.attempt_count == 1
    # The job is registered to run every minute.
    assert "close_expired" in app.extensions["quiz_tasks"]


def test_attempts_limit(client, make_quiz, bank, cadre, bearer):
    quiz = make_quiz(max_attempts=2)
    headers = bearer(cadre)
    for _ in range(2):
        attempt_id = _start(client, quiz, headers).get_json()["id"]
        client.post(f"/api/v1/attempts/{attempt_id}/submit", headers=headers)
    third = _start(client, quiz, headers)
    assert third.status_code == 409
    assert "attempts allowed (2)" in third.get_json()["error"]["message"]
    assert db.session.scalar(select(db.func.count(QuizAttempt.id))) == 2


@pytest.mark.parametrize(
    ("rule", "expected"), [("highest", 100.0), ("last", 0.0), ("average", 50.0)]
)
def test_counting_rules_decide_the_result(client, make_quiz, bank, cadre, bearer, rule, expected):
    quiz = make_quiz(counting_rule=rule, pass_percent=50)
    headers = bearer(cadre)
    first = _start(client, quiz, headers).get_json()["id"]
    _answer_all_correctly(client, first, bank, headers)
    client.post(f"/api/v1/attempts/{first}/submit", headers=headers)
    second = _start(client, quiz, headers).get_json()["id"]
    client.post(f"/api/v1/attempts/{second}/submit", headers=headers)
    result = db.session.scalar(select(QuizResult).where(QuizResult.user_id == cadre.id))
    assert result.percent == expected
    assert result.is_passed is (expected >= 50)
    assert result.attempt_count == 2
    assert result.year == utcnow().year or result.year == utcnow().year + 1


def test_window_and_draft_rules(client, make_quiz, bank, cadre, bearer):
    headers = bearer(cadre)
    later = make_quiz(opens_at=utcnow() + timedelta(days=1))
    assert _start(client, later, headers).status_code == 409
    closed = make_quiz(closes_at=utcnow() - timedelta(minutes=1))
    assert _start(client, closed, headers).status_code == 409
    draft = make_quiz(is_published=False)
    assert _start(client, draft, headers).status_code == 404
    assert client.post("/api/v1/quizzes/999999/attempts", headers=headers).status_code == 404


def test_deadline_never_passes_the_closing_time(client, make_quiz, bank, cadre, bearer):
    closes = utcnow() + timedelta(minutes=3)
    quiz = make_quiz(time_limit_minutes=60, closes_at=closes)
    body = _start(client, quiz, bearer(cadre)).get_json()
    assert body["remaining_seconds"] <= 180


def test_lessons_must_be_completed_first(client, make_quiz, bank, cadre, bearer):
    quiz = make_quiz(requires_lessons_completed=True)
    response = _start(client, quiz, bearer(cadre))
    assert response.status_code == 409
    assert "Complete every lesson" in response.get_json()["error"]["message"]


def test_course_api_lists_the_quizzes(client, make_quiz, course, cadre, bearer):
    quiz = make_quiz()
    make_quiz(title="Hidden draft", is_published=False)
    body = client.get(f"/api/v1/courses/{course.id}", headers=bearer(cadre)).get_json()
    assert body["quizzes"] == [{"id": quiz.id, "title": "Final test", "is_required": False}]


def test_session_writes_need_the_csrf_header(client, login, make_quiz, cadre):
    quiz = make_quiz()
    login(cadre)
    assert client.post(f"/api/v1/quizzes/{quiz.id}/attempts").status_code == 400


def test_reading_an_expired_attempt_closes_it(client, login, make_quiz, bank, cadre, bearer):
    quiz = make_quiz(time_limit_minutes=5)
    headers = bearer(cadre)
    first = _start(client, quiz, headers).get_json()["id"]
    second_quiz = make_quiz(title="Second", time_limit_minutes=5)
    second = _start(client, second_quiz, headers).get_json()["id"]
    for attempt_id in (first, second):
        db.session.get(QuizAttempt, attempt_id).deadline_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    body = client.get(f"/api/v1/attempts/{first}", headers=headers).get_json()
    assert body["status"] == "graded" and body["is_expired"] is True
    login(cadre)
    page = client.get(f"/quizzes/attempts/{second}").get_data(as_text=True)
    assert "Time is up" in page and "Score: 0 of 7 points" in page
    db.session.expire_all()
    assert db.session.get(QuizAttempt, second).status == "graded"
