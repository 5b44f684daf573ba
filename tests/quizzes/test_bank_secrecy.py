"""A bank an instructor may not open (404) is not offered, nor usable, in their quizzes."""

from sqlalchemy import select

from lms.banks.models import Bank, Option, Question
from lms.extensions import db
from lms.quizzes.models import DrawRule, Quiz, QuizQuestion

ANSWER_KEY = "ANNUAL-EXAM-KEY-5521"


def _annual_exam_bank(admin):
    """A shared bank (no course) of an administrator: the annual exam's questions."""
    bank = Bank(title="Annual exam 2026", owner_id=admin.id)
    question = Question(bank=bank, kind="single", text="Annual question?", points=1.0)
    question.options = [
        Option(text=ANSWER_KEY, is_correct=True, position=0),
        Option(text="Wrong", is_correct=False, position=1),
    ]
    db.session.add_all([bank, question])
    db.session.commit()
    return bank, question


def test_a_bank_the_instructor_gets_404_for_is_not_in_their_picker(
    client, login, post, make_user, course, bank, teacher
):
    exam_bank, exam_question = _annual_exam_bank(make_user("root", roles=["admin"]))
    quiz = Quiz(course_id=course.id, created_by_id=teacher.id, title="Mine")
    db.session.add(quiz)
    db.session.commit()
    login(teacher)
    assert client.get(f"/banks/{exam_bank.id}").status_code == 404
    edit = client.get(f"/quizzes/{quiz.id}/edit").get_data(as_text=True)
    assert "Party history" in edit  # the course's own bank is offered
    assert "Annual exam 2026" not in edit
    picker = client.get(f"/quizzes/{quiz.id}/questions?bank_id={exam_bank.id}")
    assert picker.status_code == 404
    assert ANSWER_KEY not in picker.get_data(as_text=True)
    added = post(
        f"/quizzes/{quiz.id}/questions",
        {"bank_id": exam_bank.id, "question_id": exam_question.id},
        token_page=f"/quizzes/{quiz.id}/edit",
    )
    assert added.status_code == 404
    drawn = post(
        f"/quizzes/{quiz.id}/draws",
        {"bank_id": exam_bank.id, "count": "1"},
        token_page=f"/quizzes/{quiz.id}/edit",
    )
    assert drawn.status_code == 400
    assert db.session.scalar(select(QuizQuestion.id)) is None
    assert db.session.scalar(select(DrawRule.id)) is None
    # The quiz's preview (its manager takes it) shows nothing of the annual exam.
    preview = client.post(
        f"/quizzes/{quiz.id}/start",
        data={"csrf_token": _token(client, f"/quizzes/{quiz.id}")},
        follow_redirects=True,
    )
    assert ANSWER_KEY not in preview.get_data(as_text=True)


def test_the_admin_still_picks_from_every_bank(client, login, post, make_user, course, teacher):
    admin = make_user("root", roles=["admin"])
    exam_bank, exam_question = _annual_exam_bank(admin)
    quiz = Quiz(course_id=course.id, created_by_id=teacher.id, title="Mine")
    db.session.add(quiz)
    db.session.commit()
    login(admin)
    assert "Annual exam 2026" in client.get(f"/quizzes/{quiz.id}/edit").get_data(as_text=True)
    post(
        f"/quizzes/{quiz.id}/questions",
        {"bank_id": exam_bank.id, "question_id": exam_question.id},
        token_page=f"/quizzes/{quiz.id}/edit",
    )
    assert db.session.scalars(select(QuizQuestion.question_id)).all() == [exam_question.id]


def _token(client, path):
    from tests.conftest import csrf_token

    return csrf_token(client, path)
