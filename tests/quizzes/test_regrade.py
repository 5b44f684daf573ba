"""Regrading past attempts after an editor corrects a question's wrong answer key."""

import pytest
from sqlalchemy import select

from lms.extensions import db
from lms.quizzes.attempts import save_answer, start_or_resume, submit_attempt
from lms.quizzes.models import Quiz, QuizAttempt, QuizQuestion, QuizResult
from tests.quizzes.conftest import questions_by_kind


def page(response) -> str:
    return response.get_data(as_text=True)


def sit(user, quiz, answers: dict) -> int:
    """A graded attempt through the real services; ``answers`` maps question ids to answers."""
    attempt, _created = start_or_resume(user, quiz)
    for question_id, answer in answers.items():
        save_answer(attempt, question_id, answer)
    submit_attempt(attempt)
    db.session.commit()
    return attempt.id


def result_of(user, quiz) -> QuizResult:
    db.session.expire_all()
    return db.session.scalar(
        select(QuizResult).where(QuizResult.user_id == user.id, QuizResult.quiz_id == quiz.id)
    )


def attempt(attempt_id) -> QuizAttempt:
    db.session.expire_all()
    return db.session.get(QuizAttempt, attempt_id)


@pytest.fixture
def wrong_key(app, course, bank, teacher, cadre, make_user):
    """A true/false question keyed the wrong way ("错" correct for a true statement), two
    cadres who took a test using it, and another quiz not using it."""
    questions = questions_by_kind(bank)
    truth, blank, single = questions["true_false"], questions["fill_blank"], questions["single"]
    true_option, false_option = truth.options
    true_option.is_correct, false_option.is_correct = False, True
    test = Quiz(title="Test with a wrong key", course_id=course.id, created_by_id=teacher.id)
    test.is_published, test.pass_percent = True, 60.0
    test.fixed_questions = [
        QuizQuestion(question_id=truth.id, position=0),
        QuizQuestion(question_id=blank.id, position=1),
    ]
    other = Quiz(title="Other quiz", course_id=course.id, created_by_id=teacher.id)
    other.is_published = True
    other.fixed_questions = [QuizQuestion(question_id=single.id, position=0)]
    db.session.add_all([test, other])
    db.session.commit()
    follower = make_user("cadre_b", unit=cadre.unit)
    right = {truth.id: [true_option.id], blank.id: {"text": "人民"}}
    followed_the_key = {truth.id: [false_option.id], blank.id: {"text": "人民"}}
    return {
        "question": truth,
        "test": test,
        "other": other,
        "follower": follower,
        # The cadre answers rightly (对) and is marked wrong; the follower picks the keyed 错.
        "right": sit(cadre, test, right),
        "followed": sit(follower, test, followed_the_key),
        "untouched": sit(cadre, other, {single.id: [single.options[0].id]}),
    }


def test_wrong_key_fails_the_cadre_and_regrading_fixes_score_and_result(
    client, login, post, wrong_key, bank, teacher, cadre
):
    test, other, question = wrong_key["test"], wrong_key["other"], wrong_key["question"]
    follower = wrong_key["follower"]
    assert attempt(wrong_key["right"]).percent == 50.0
    assert result_of(cadre, test).is_passed is False
    assert result_of(follower, test).percent == 100.0
    other_before = attempt(wrong_key["untouched"])
    other_score = (other_before.score, other_before.percent, other_before.is_passed)
    other_result = result_of(cadre, other).percent

    login(teacher)
    url = f"/banks/{bank.id}/questions/{question.id}"
    form = {"text": question.text, "statement": "true", "points": "1", "difficulty": "2"}
    saved = post(url, form)
    assert saved.status_code == 302 and "key_changed=1" in saved.headers["Location"]
    html = page(client.get(saved.headers["Location"]))
    assert "2 graded attempts used this question" in html
    assert "By the current answer key, 2 of them would score differently." in html
    assert "Regrade 2 attempts" in html
    # Saving the key alone changes no past score.
    assert attempt(wrong_key["right"]).percent == 50.0

    response = post(f"{url}/regrade", follow_redirects=True)
    assert "2 scores changed and 2 cadres&#39; results were updated" in page(response)
    fixed = attempt(wrong_key["right"])
    assert (fixed.score, fixed.percent, fixed.is_passed) == (2.0, 100.0, True)
    assert (result_of(cadre, test).percent, result_of(cadre, test).is_passed) == (100.0, True)
    followed = attempt(wrong_key["followed"])
    assert (followed.percent, followed.is_passed) == (50.0, False)
    assert result_of(follower, test).is_passed is False
    untouched = attempt(wrong_key["untouched"])
    assert (untouched.score, untouched.percent, untouched.is_passed) == other_score
    assert result_of(cadre, other).percent == other_result
    # Nothing is outdated any more: the page no longer offers a regrade.
    assert "Regrade 2 attempts" not in page(client.get(url))

    again = post(f"{url}/regrade", follow_redirects=True)
    assert "0 scores changed and 0 cadres&#39; results were updated" in page(again)
    assert (attempt(wrong_key["right"]).percent, result_of(cadre, test).percent) == (100.0, 100.0)


def test_editing_without_changing_the_key_offers_no_regrade(
    client, login, post, wrong_key, bank, teacher
):
    question = wrong_key["question"]
    login(teacher)
    url = f"/banks/{bank.id}/questions/{question.id}"
    form = {"text": "Beijing is the capital city.", "statement": "false", "points": "1"}
    saved = post(url, {**form, "difficulty": "2"})
    assert saved.status_code == 302 and "key_changed" not in saved.headers["Location"]
    assert "Regrade" not in page(client.get(url))


@pytest.mark.parametrize(("roles", "status"), [(["instructor"], 404), (["cadre"], 403)])
def test_only_editors_of_the_bank_may_regrade(
    login, post, wrong_key, bank, make_user, roles, status
):
    question = wrong_key["question"]
    question.options[0].is_correct, question.options[1].is_correct = True, False
    db.session.commit()
    login(make_user("stranger", roles=roles))
    assert post(f"/banks/{bank.id}/questions/{question.id}/regrade").status_code == status
    assert attempt(wrong_key["right"]).percent == 50.0
