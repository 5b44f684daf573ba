"""Quiz pages: settings for instructors, taking with the form fallback, results, secrecy."""

import re
from datetime import date

from sqlalchemy import select

from lms.core import statsyear
from lms.extensions import db
from lms.plans.models import Assignment, TrainingYear
from lms.quizzes.models import DrawRule, Quiz, QuizAttempt, QuizQuestion, QuizResult
from tests.quizzes.conftest import (
    SECRET_BLANK,
    SECRET_EXPLANATION,
    correct_ids,
    questions_by_kind,
    wrong_ids,
)


def _start_page(client, post, quiz):
    response = post(f"/quizzes/{quiz.id}/start")
    assert response.status_code == 302
    return response.headers["Location"]


def test_take_page_reveals_nothing_and_keeps_its_order(client, login, post, make_quiz, cadre):
    quiz = make_quiz(time_limit_minutes=20)
    login(cadre)
    location = _start_page(client, post, quiz)
    first = client.get(location).get_data(as_text=True)
    for secret in (SECRET_EXPLANATION, SECRET_BLANK, "is_correct", "correct", "人民"):
        assert secret not in first
    assert 'data-remaining="' in first and "js/quiz.js" in first
    assert 'role="status"' in first
    # Reloading shows the same questions and options in the same order.
    order = re.findall(r'name="q(\d+)" value="(\d+)"', first)
    assert order and order == re.findall(
        r'name="q(\d+)" value="(\d+)"', client.get(location).get_data(as_text=True)
    )
    assert _start_page(client, post, quiz) == location  # resumed


def test_form_fallback_saves_then_submits(client, login, post, make_quiz, bank, cadre):
    quiz = make_quiz(reveal="after_attempt")
    login(cadre)
    location = _start_page(client, post, quiz)
    attempt_id = int(location.rsplit("/", 1)[1])
    q = questions_by_kind(bank)
    data = {
        f"q{q['single'].id}": str(correct_ids(q["single"])[0]),
        f"q{q['fill_blank'].id}": "人民",
        "action": "save",
    }
    response = post(location, data, token_page=location)
    assert response.status_code == 302
    page = client.get(location).get_data(as_text=True)
    assert 'value="人民"' in page
    assert f'value="{correct_ids(q["single"])[0]}" checked' in page
    data.update(
        {f"q{q['multiple'].id}": [str(i) for i in correct_ids(q["multiple"])], "action": "submit"}
    )
    post(location, data, token_page=location)
    attempt = db.session.get(QuizAttempt, attempt_id)
    assert attempt.status == "graded" and attempt.score == 6.0
    result_page = client.get(location).get_data(as_text=True)
    assert "Score: 6 of 7 points" in result_page
    assert SECRET_EXPLANATION in result_page  # revealed after the attempt
    # The course page shows the result and a start button for the next attempt.
    course_page = client.get(f"/courses/{quiz.course_id}").get_data(as_text=True)
    assert "Final test" in course_page and "Your result: 85.71%" in course_page


def test_result_page_hides_answers_when_never_revealed(client, login, post, make_quiz, bank, cadre):
    quiz = make_quiz(reveal="never")
    login(cadre)
    location = _start_page(client, post, quiz)
    single = questions_by_kind(bank)["single"]
    post(
        location,
        {f"q{single.id}": str(wrong_ids(single)[0]), "action": "submit"},
        token_page=location,
    )
    page = client.get(location).get_data(as_text=True)
    assert "Score: 0 of 7 points" in page and "Not passed" in page
    assert SECRET_EXPLANATION not in page and SECRET_BLANK not in page


def test_other_users_attempt_page_is_not_found(client, login, post, make_quiz, cadre, make_user):
    quiz = make_quiz()
    login(cadre)
    location = _start_page(client, post, quiz)
    post("/logout")
    other = make_user("cadre_b")
    login(other)
    assert client.get(location).status_code == 404
    assert post(location, {"action": "submit"}).status_code == 404


def test_instructor_builds_a_quiz(client, login, post, course, bank, teacher):
    login(teacher)
    assert "New test" in client.get(f"/courses/{course.id}").get_data(as_text=True)
    response = post(
        f"/quizzes/new?course_id={course.id}",
        {
            "title": "End of course test",
            "time_limit_minutes": "30",
            "max_attempts": "2",
            "counting_rule": "highest",
            "pass_percent": "60",
            "reveal": "after_close",
            "shuffle_questions": "y",
            "is_required_for_completion": "y",
        },
    )
    assert response.status_code == 302
    quiz = db.session.scalar(select(Quiz).where(Quiz.title == "End of course test"))
    assert quiz.course_id == course.id and quiz.time_limit_minutes == 30
    assert not quiz.shuffle_options and not quiz.is_published
    edit = f"/quizzes/{quiz.id}/edit"
    assert "Party history" in client.get(edit).get_data(as_text=True)
    picked = [q.id for q in bank.questions[:2]]
    post(f"/quizzes/{quiz.id}/questions", {"bank_id": bank.id, "question_id": picked})
    db.session.expire_all()
    assert [item.question_id for item in quiz.fixed_questions] == picked
    # A draw asking for more questions than the bank has is refused with the reason.
    too_many = post(
        f"/quizzes/{quiz.id}/draws", {"bank_id": bank.id, "count": "9"}, token_page=edit
    )
    assert too_many.status_code == 400
    assert "only 4 matching questions" in too_many.get_data(as_text=True)
    assert db.session.scalar(select(DrawRule.id)) is None
    post(
        f"/quizzes/{quiz.id}/draws",
        {"bank_id": bank.id, "count": "1", "difficulty": "2"},
        token_page=edit,
    )
    db.session.expire_all()
    assert [(r.count, r.difficulty) for r in quiz.draw_rules] == [(1, 2)]
    assert "Each attempt gets 3 questions" in client.get(edit).get_data(as_text=True)


def test_bad_settings_are_refused(client, login, post, course, teacher):
    login(teacher)
    response = post(
        f"/quizzes/new?course_id={course.id}",
        {
            "title": "Bad",
            "counting_rule": "highest",
            "pass_percent": "60",
            "reveal": "never",
            "opens_at": "2026-05-02T10:00",
            "closes_at": "2026-05-01T10:00",
        },
    )
    assert response.status_code == 200
    assert "closing time must be after" in response.get_data(as_text=True)
    assert db.session.scalar(select(Quiz.id)) is None


def test_instructor_of_another_course_cannot_edit(client, login, make_quiz, make_user):
    quiz = make_quiz()
    login(make_user("stranger", roles=["instructor"]))
    assert client.get(f"/quizzes/{quiz.id}/edit").status_code == 404
    assert client.get(f"/quizzes/new?course_id={quiz.course_id}").status_code == 404


def test_standalone_exam_is_hidden_until_assigned(client, login, teacher, cadre, bank):
    exam = Quiz(
        title="Annual theory exam", is_exam=True, is_published=True, created_by_id=teacher.id
    )
    db.session.add(exam)
    db.session.commit()
    login(cadre)
    assert client.get(f"/quizzes/{exam.id}").status_code == 404
    assert "Annual theory exam" not in client.get("/quizzes/").get_data(as_text=True)


def test_passed_required_test_completes_the_course(client, make_quiz, cadre, bank):
    from lms.quizzes import filing

    quiz = make_quiz(is_required_for_completion=True)
    assert filing.courses_awaiting_test(cadre.id, [quiz.course_id]) == {quiz.course_id}
    db.session.add(
        QuizResult(user_id=cadre.id, quiz_id=quiz.id, year=2026, percent=90, is_passed=True)
    )
    db.session.commit()
    assert filing.courses_awaiting_test(cadre.id, [quiz.course_id]) == set()


def test_quiz_page_shows_rules_attempts_and_blocker(client, login, post, make_quiz, cadre):
    quiz = make_quiz(max_attempts=1, time_limit_minutes=15, counting_rule="average")
    login(cadre)
    page = client.get(f"/quizzes/{quiz.id}").get_data(as_text=True)
    assert "15 minutes" in page and "Average of attempts" in page and "Start attempt" in page
    location = _start_page(client, post, quiz)
    assert "Resume attempt" in client.get(f"/quizzes/{quiz.id}").get_data(as_text=True)
    post(location, {"action": "submit"}, token_page=location)
    page = client.get(f"/quizzes/{quiz.id}").get_data(as_text=True)
    assert "You have used all the attempts allowed (1)." in page and "Start attempt" not in page
    assert "Your result: 0%" in page
    listing = client.get("/quizzes/").get_data(as_text=True)
    assert "Final test" in listing  # among My results


def test_exam_assigned_in_the_plan_is_visible_to_its_audience(
    client, login, post, teacher, cadre, make_user, make_unit, bank
):
    year = statsyear.current_year()
    exam = Quiz(title="Annual theory exam", is_exam=True, is_published=True)
    exam.fixed_questions = [QuizQuestion(question_id=bank.questions[0].id)]
    plan = TrainingYear(year=year)
    db.session.add_all([exam, plan])
    db.session.flush()
    db.session.add(
        Assignment(
            training_year_id=plan.id,
            quiz_id=exam.id,
            unit_id=cadre.unit_id,
            due_on=date(year, 11, 30),
        )
    )
    db.session.commit()
    login(make_user("outsider", unit=make_unit("Elsewhere")))
    assert client.get(f"/quizzes/{exam.id}").status_code == 404
    post("/logout")
    login(cadre)
    assert "Annual theory exam" in client.get("/quizzes/").get_data(as_text=True)
    assert _start_page(client, post, exam).startswith("/quizzes/attempts/")


def test_an_open_attempt_is_resumed_in_chinese_words(client, login, post, make_quiz, cadre):
    """Issue 14: 继续作答 (not the upload word 续传); （判断题，1 分） in Chinese punctuation."""
    cadre.preferred_language = "zh_CN"
    db.session.commit()
    quiz = make_quiz()
    login(cadre)
    location = _start_page(client, post, quiz)
    take = client.get(location).get_data(as_text=True)
    assert "（判断题，1 分）" in take and "(判断题, 1 分)" not in take
    course = client.get(f"/courses/{quiz.course_id}").get_data(as_text=True)
    assert re.search(r">继续作答<span class=\"visually-hidden\">", course)
    assert "续传" not in course
