"""POST /api/v1/courses/<id>/evaluation: a cadre who completed the course, once; 409
otherwise; 4xx on bad input, which changes nothing."""

import threading
import time

import pytest
from sqlalchemy import func, select

from lms.accounts.models import User
from lms.api.services import issue_token
from lms.courses.models import Course
from lms.evaluation.answering import submit_evaluation
from lms.evaluation.errors import EvaluationError
from lms.evaluation.models import EvaluationResponse, EvaluationSubmission
from lms.evaluation.questionnaires import current_questionnaire
from lms.extensions import db
from tests.conftest import PG_URL
from tests.evaluation.conftest import answers_of


def _stored():
    return (
        db.session.scalar(select(func.count()).select_from(EvaluationSubmission)),
        db.session.scalar(select(func.count()).select_from(EvaluationResponse)),
    )


def _bearer(user):
    raw, _token = issue_token(user)
    db.session.commit()
    return {"Authorization": f"Bearer {raw}"}


def _body(ratings=(5, 4, 3), text="Useful"):
    return {"answers": {str(k): v for k, v in answers_of(ratings, text).items()}}


def test_a_cadre_evaluates_a_completed_course_once(client, course, completer):
    headers = _bearer(completer())
    url = f"/api/v1/courses/{course.id}/evaluation"
    created = client.post(url, json=_body(), headers=headers)
    assert created.status_code == 201, created.get_json()
    assert created.get_json() == {"course_id": course.id, "version": 1}
    again = client.post(url, json=_body(), headers=headers)
    assert again.status_code == 409
    assert again.get_json()["error"]["code"] == "conflict"
    assert _stored() == (1, 1)


def test_a_course_not_completed_is_409(client, course, make_user, bureau):
    headers = _bearer(make_user(unit=bureau))
    response = client.post(f"/api/v1/courses/{course.id}/evaluation", json=_body(), headers=headers)
    assert response.status_code == 409
    assert _stored() == (0, 0)


@pytest.mark.parametrize(
    "body",
    [
        None,
        [],
        {"answers": []},
        {"answers": {}},  # ratings are required
        "ratings",
        {"answers": {"999999": 3}},
        {"answers": "5"},
    ],
)
def test_bad_input_is_a_4xx_and_changes_nothing(client, course, completer, body):
    headers = _bearer(completer())
    response = client.post(f"/api/v1/courses/{course.id}/evaluation", json=body, headers=headers)
    assert 400 <= response.status_code < 500
    assert "error" in response.get_json()
    assert _stored() == (0, 0)


@pytest.mark.parametrize("bad", [0, 6, 3.5, True, "five", None, -1, 10**20])
def test_a_rating_outside_1_to_5_is_refused(client, course, completer, bad):
    headers = _bearer(completer())
    body = _body()
    first = next(iter(body["answers"]))
    body["answers"][first] = bad
    response = client.post(f"/api/v1/courses/{course.id}/evaluation", json=body, headers=headers)
    assert response.status_code == 400
    assert _stored() == (0, 0)


def test_an_older_version_is_409(client, course, completer):
    headers = _bearer(completer())
    response = client.post(
        f"/api/v1/courses/{course.id}/evaluation",
        json={**_body(), "version": 7},
        headers=headers,
    )
    assert response.status_code == 409
    assert _stored() == (0, 0)


def test_a_cookie_session_needs_the_csrf_token(client, login, course, completer):
    login(completer())
    response = client.post(f"/api/v1/courses/{course.id}/evaluation", json=_body())
    assert response.status_code == 400
    assert _stored() == (0, 0)


@pytest.mark.skipif(not PG_URL, reason="needs LMS_TEST_DATABASE_URL (PostgreSQL)")
def test_a_second_submission_at_the_same_moment_waits_and_is_refused(app, course, completer):
    """On PostgreSQL: while one submission of a cadre is not yet committed, a second one waits
    on the unique (user, course) index and is refused with 409 once the first commits."""
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("the race is run on PostgreSQL")
    user_id, course_id = completer().id, course.id
    answers = answers_of()
    db.session.commit()
    first_flushed, may_commit = threading.Event(), threading.Event()
    outcomes, errors = {}, []

    def submit(name, hold):
        try:
            with app.app_context():
                user = db.session.get(User, user_id)
                target = db.session.get(Course, course_id)
                try:
                    submit_evaluation(user, target, current_questionnaire(), answers)
                    outcomes[name] = "kept"
                except EvaluationError as exc:
                    outcomes[name] = exc.status
                if hold:
                    first_flushed.set()
                    may_commit.wait(timeout=30)
                db.session.commit()
        except Exception as exc:  # asserted below
            errors.append(exc)
            first_flushed.set()

    first = threading.Thread(target=submit, args=("first", True))
    first.start()
    assert first_flushed.wait(timeout=30)
    second = threading.Thread(target=submit, args=("second", False))
    second.start()
    time.sleep(1.0)
    assert second.is_alive()  # it waits for the first on the unique index
    may_commit.set()
    first.join(timeout=30)
    second.join(timeout=30)
    assert not errors, errors
    assert outcomes == {"first": "kept", "second": 409}
    db.session.expire_all()
    assert _stored() == (1, 1)
