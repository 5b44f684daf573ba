"""A published course taught by an instructor, a bank with one question of each kind, quizzes."""

import pytest

from lms.banks.models import Bank, Option, Question
from lms.courses.models import Course, Lesson, LessonStatus
from lms.extensions import db
from lms.quizzes.attempts import save_answer, start_or_resume, submit_attempt
from lms.quizzes.models import Quiz, QuizQuestion

SECRET_EXPLANATION = "EXPLANATION-SECRET-7431"
SECRET_BLANK = "BLANKANSWER-SECRET-9124"


@pytest.fixture
def teacher(make_user):
    return make_user("teacher", roles=["instructor"])


@pytest.fixture
def cadre(make_user, make_unit):
    return make_user("cadre_a", unit=make_unit("District/Bureau"))


@pytest.fixture
def course(app, teacher):
    course = Course(title="Party spirit", is_published=True)
    course.instructors = [teacher]
    lesson = Lesson(
        course=course,
        title="Lecture 1",
        kind="video",
        status=LessonStatus.READY.value,
        duration_seconds=600.0,
    )
    db.session.add_all([course, lesson])
    db.session.commit()
    return course


def _choice(bank, kind, text, options, correct, points=1.0, partial=False, position=0):
    question = Question(
        bank=bank,
        kind=kind,
        text=text,
        points=points,
        explanation=f"{SECRET_EXPLANATION} {text}",
        is_partial_credit=partial,
        position=position,
    )
    question.options = [
        Option(text=option, is_correct=i in correct, position=i) for i, option in enumerate(options)
    ]
    return question


@pytest.fixture
def bank(app, course, teacher):
    """Four questions: single (2 points), multiple with partial credit (3), true/false, blank."""
    bank = Bank(title="Party history", course_id=course.id, owner_id=teacher.id)
    db.session.add(bank)
    questions = [
        _choice(bank, "single", "Founded in?", ["1919", "1921", "1949", "1978"], {1}, 2.0),
        _choice(
            bank,
            "multiple",
            "Which are rivers?",
            ["Yellow", "Yangtze", "Tai", "Pearl"],
            {0, 1, 3},
            3.0,
            partial=True,
            position=1,
        ),
        _choice(bank, "true_false", "Beijing is the capital.", ["对", "错"], {0}, position=2),
        Question(
            bank=bank,
            kind="fill_blank",
            text="Serve the ____.",
            points=1.0,
            explanation=f"{SECRET_EXPLANATION} blank",
            accepted_answers=[SECRET_BLANK, "人民"],
            position=3,
        ),
    ]
    db.session.add_all(questions)
    db.session.commit()
    return bank


@pytest.fixture
def make_quiz(app, course, bank, teacher):
    """``make_quiz(time_limit_minutes=5, ...)``: a published course test of the bank's questions."""

    def _make(**settings):
        settings.setdefault("title", "Final test")
        settings.setdefault("is_published", True)
        quiz = Quiz(course_id=course.id, created_by_id=teacher.id, **settings)
        quiz.fixed_questions = [
            QuizQuestion(question_id=q.id, position=i) for i, q in enumerate(bank.questions)
        ]
        db.session.add(quiz)
        db.session.commit()
        return quiz

    return _make


def questions_by_kind(bank) -> dict[str, Question]:
    return {q.kind: q for q in bank.questions}


def correct_ids(question) -> list[int]:
    return [o.id for o in question.options if o.is_correct]


def wrong_ids(question) -> list[int]:
    return [o.id for o in question.options if not o.is_correct]


# --- graded attempts for the results pages --------------------------------------------

# Which questions each cadre answers correctly (the rest are left blank, scoring 0).
# Points: single 2, multiple 3, true/false 1, blank 1 (7 in all).
FIRST_ATTEMPTS = {
    "c1": {"single", "multiple", "true_false"},  # 6/7 = 85.71%
    "c2": {"single", "multiple"},  # 5/7 = 71.43%
    "c3": {"single", "true_false"},  # 3/7 = 42.86%
    "c4": {"fill_blank", "true_false"},  # 2/7 = 28.57%
    "c5": {"fill_blank"},  # 1/7 = 14.29%, then a second attempt with everything right
}


def take(user, quiz, bank, right: set[str]):
    """A graded attempt through the real services, answering ``right`` correctly."""
    attempt, _created = start_or_resume(user, quiz)
    questions = questions_by_kind(bank)
    for kind in right:
        question = questions[kind]
        answer = {"text": "人民"} if kind == "fill_blank" else correct_ids(question)
        save_answer(attempt, question.id, answer)
    submit_attempt(attempt)
    db.session.commit()
    return attempt


@pytest.fixture
def units(make_unit):
    return {"a": make_unit("District/Bureau A"), "b": make_unit("District/Bureau B")}


@pytest.fixture
def graded(app, make_quiz, bank, make_user, units, teacher):
    """Five cadres (c1-c3 in bureau A, c4-c5 in B), six graded attempts, and a preview."""
    quiz = make_quiz(pass_percent=60.0, counting_rule="highest")
    cadres = {}
    for name, right in FIRST_ATTEMPTS.items():
        unit = units["a"] if name in ("c1", "c2", "c3") else units["b"]
        cadres[name] = make_user(name, unit=unit, display_name=f"Cadre {name}")
        take(cadres[name], quiz, bank, right)
    take(cadres["c5"], quiz, bank, {"single", "multiple", "true_false", "fill_blank"})
    take(teacher, quiz, bank, set())  # the editor's preview counts for nothing
    return quiz, cadres
