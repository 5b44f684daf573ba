"""Bank pages: list and edit banks, the question editor, retiring, filters."""

import pytest
from sqlalchemy import func, select

from lms.banks.models import Bank, Question
from lms.courses.models import Course
from lms.extensions import db
from lms.quizzes.models import AttemptQuestion, DrawRule, Quiz, QuizAttempt
from tests.banks.conftest import add_question, question_count


def page(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def course(instructor):
    course = Course(title="Grassroots governance", instructors=[instructor])
    db.session.add(course)
    db.session.commit()
    return course


def test_list_shows_own_banks_and_banks_of_taught_courses_only(
    client, instructor, course, make_user
):
    other = make_user("other_teacher", roles=["instructor"])
    foreign_course = Course(title="Someone else's", instructors=[other])
    db.session.add_all(
        [
            Bank(title="Mine", owner=instructor),
            Bank(title="Course bank by a colleague", owner=other, course=course),
            Bank(title="Not mine", owner=other),
            Bank(title="Foreign course bank", owner=other, course=foreign_course),
        ]
    )
    db.session.commit()
    html = page(client.get("/banks/"))
    assert "Mine" in html and "Course bank by a colleague" in html
    assert "Not mine" not in html and "Foreign course bank" not in html
    searched = page(client.get("/banks/?q=colleague"))
    assert "Course bank by a colleague" in searched and ">Mine<" not in searched


def test_admin_sees_every_bank(client, make_user, login):
    owner = make_user("someone", roles=["instructor"])
    db.session.add(Bank(title="Somebody's bank", owner=owner))
    db.session.commit()
    login(make_user("root", roles=["admin"]))
    assert "Somebody&#39;s bank" in page(client.get("/banks/"))


def test_empty_list_invites_to_create(client, instructor):
    assert "You have no question banks yet" in page(client.get("/banks/"))


def test_create_bank_for_a_taught_course(client, post, instructor, course):
    response = post("/banks/new", {"title": "End-of-course test", "course_id": str(course.id)})
    assert response.status_code == 302
    bank = db.session.scalar(select(Bank))
    assert (bank.title, bank.course_id, bank.owner_id) == (
        "End-of-course test",
        course.id,
        instructor.id,
    )


def test_create_bank_refuses_a_course_not_taught_and_keeps_the_title(
    client, post, instructor, make_user
):
    other = make_user("other_teacher", roles=["instructor"])
    foreign = Course(title="Foreign", instructors=[other])
    db.session.add(foreign)
    db.session.commit()
    response = post("/banks/new", {"title": "Sneaky", "course_id": str(foreign.id)})
    assert response.status_code == 400
    assert 'value="Sneaky"' in page(response)
    assert db.session.scalar(select(Bank)) is None


def test_a_second_bank_of_the_same_title_is_refused(client, post, instructor, course, bank):
    """Issue 14: two banks of one owner named alike cannot be told apart where quizzes pick
    them; a rename onto another's title is refused too."""
    response = post("/banks/new", {"title": f" {bank.title.upper()} "})
    assert response.status_code == 400
    assert f"There is already a bank named {bank.title.upper()}." in page(response)
    assert db.session.scalar(select(func.count(Bank.id))) == 1
    assert post("/banks/new", {"title": "Another"}).status_code == 302
    other = db.session.scalar(select(Bank).where(Bank.title == "Another"))
    assert post(f"/banks/{other.id}/edit", {"title": bank.title}).status_code == 400
    assert post(f"/banks/{other.id}/edit", {"title": "Another"}).status_code == 302


def test_create_bank_needs_a_title(client, post, instructor):
    response = post("/banks/new", {"title": "  "})
    assert response.status_code == 400
    assert db.session.scalar(select(Bank)) is None


def test_edit_and_delete_a_bank_with_confirmation(client, post, bank):
    add_question(bank)
    bank_id = bank.id
    assert post(f"/banks/{bank_id}/edit", {"title": "Renamed"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Bank, bank_id).title == "Renamed"
    confirm_page = page(client.get(f"/banks/{bank_id}/delete"))
    assert "all its questions (1 in use, 0 retired)" in confirm_page
    # Posting without the confirmation field only shows the question again.
    assert post(f"/banks/{bank_id}/delete").status_code == 200
    assert db.session.get(Bank, bank_id) is not None
    assert post(f"/banks/{bank_id}/delete", {"confirm": "yes"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Bank, bank_id) is None
    assert question_count() == 0


# --- the question editor -----------------------------------------------------------------

BASE = {"points": "2", "difficulty": "2", "tags": "党史、理论", "explanation": "Because."}


def options(*texts) -> dict:
    return {f"options-{i}": text for i, text in enumerate(texts)}


def only_question() -> Question:
    db.session.expire_all()
    return db.session.scalar(select(Question))


def test_write_a_single_choice_question(post, bank):
    data = {**BASE, "text": "Capital of China?", **options("Beijing", "Shanghai"), "correct": "0"}
    response = post(f"/banks/{bank.id}/questions/new?kind=single", data)
    assert response.status_code == 302
    q = only_question()
    assert (q.kind, q.text, q.points, q.tags) == (
        "single",
        "Capital of China?",
        2.0,
        ["党史", "理论"],
    )
    assert [(o.text, o.is_correct) for o in q.options] == [("Beijing", True), ("Shanghai", False)]


def test_multiple_choice_with_partial_credit(post, bank):
    data = {
        **BASE,
        "text": "Pick",
        **options("a", "b", "c"),
        "correct": ["0", "2"],
        "is_partial_credit": "y",
    }
    assert post(f"/banks/{bank.id}/questions/new?kind=multiple", data).status_code == 302
    q = only_question()
    assert [o.is_correct for o in q.options] == [True, False, True]
    assert q.is_partial_credit is True


def test_true_false_gets_localized_options(post, bank):
    data = {**BASE, "text": "The sky is blue.", "statement": "false"}
    assert post(f"/banks/{bank.id}/questions/new?kind=true_false", data).status_code == 302
    q = only_question()
    assert [(o.text, o.is_correct) for o in q.options] == [("True", False), ("False", True)]


def test_fill_blank_accepted_answers_one_per_line(post, bank):
    data = {**BASE, "text": "Hours a year: ____", "accepted_answers": "70\n\n七十\n70\n"}
    assert post(f"/banks/{bank.id}/questions/new?kind=fill_blank", data).status_code == 302
    q = only_question()
    assert q.accepted_answers == ["70", "七十"]
    assert q.options == []


@pytest.mark.parametrize(
    ("kind", "data", "message"),
    [
        ("single", {"text": "Q", **options("a", "b")}, "No correct option is marked."),
        (
            "single",
            {"text": "Q", **options("a", "b"), "correct": ["0", "1"]},
            "exactly one correct",
        ),
        ("single", {"text": "Q", **options("a"), "correct": "0"}, "at least two options"),
        ("multiple", {"text": "Q", **options("a", "", "c"), "correct": "0"}, "An option is empty."),
        (
            "single",
            {"text": "", **options("a", "b"), "correct": "0"},
            "The question text is empty.",
        ),
        ("true_false", {"text": "Q"}, "No correct option is marked."),
        ("fill_blank", {"text": "Q", "accepted_answers": "  \n"}, "at least one accepted answer"),
    ],
)
def test_editor_errors_keep_what_was_typed(post, bank, kind, data, message):
    data = {**BASE, **data, "points": "3.5", "tags": "my tag"}
    response = post(f"/banks/{bank.id}/questions/new?kind={kind}", data)
    assert response.status_code == 400
    html = page(response)
    assert message in html
    assert 'value="3.5"' in html and 'value="my tag"' in html
    if data.get("options-0"):
        assert 'value="a"' in html
    assert question_count() == 0


def test_bad_points_are_explained_and_kept(post, bank):
    data = {**BASE, "text": "Q", **options("a", "b"), "correct": "0", "points": "lots"}
    response = post(f"/banks/{bank.id}/questions/new?kind=single", data)
    assert response.status_code == 400
    assert "Points must be a number above 0" in page(response)
    assert 'value="lots"' in page(response)
    zero = post(f"/banks/{bank.id}/questions/new?kind=single", {**data, "points": "0"})
    assert zero.status_code == 400
    assert question_count() == 0


def test_the_same_question_twice_is_refused(post, bank):
    add_question(bank, "1 + 1 = ?", options=(("2", True), ("3", False)))
    data = {**BASE, "text": "1 + 1 = ?", **options("2", "3"), "correct": "1"}
    response = post(f"/banks/{bank.id}/questions/new?kind=single", data)
    assert response.status_code == 400
    assert "already has this question" in page(response)
    assert question_count() == 1


def test_edit_a_question_keeps_option_rows(client, post, bank):
    question = add_question(bank, options=(("2", True), ("3", False), ("4", False)))
    option_ids = [o.id for o in question.options]
    form = page(client.get(f"/banks/{bank.id}/questions/{question.id}"))
    assert 'value="2"' in form and "checked" in form
    data = {**BASE, "text": "1 + 1 = ?", **options("two", "three"), "correct": "0"}
    assert post(f"/banks/{bank.id}/questions/{question.id}", data).status_code == 302
    q = only_question()
    assert [(o.id, o.text) for o in q.options] == [(option_ids[0], "two"), (option_ids[1], "three")]


def test_retire_restore_and_delete(client, post, bank):
    question = add_question(bank)
    post(f"/banks/{bank.id}/questions/{question.id}/retire")
    assert only_question().is_retired is True
    assert "every question of this bank is retired" in page(client.get(f"/banks/{bank.id}"))
    assert "1 + 1 = ?" in page(client.get(f"/banks/{bank.id}?state=retired"))
    post(f"/banks/{bank.id}/questions/{question.id}/restore")
    assert only_question().is_retired is False
    post(f"/banks/{bank.id}/questions/{question.id}/delete")
    assert question_count() == 0


def test_reorder(post, bank):
    first, second = add_question(bank, "first"), add_question(bank, "second")
    post(f"/banks/{bank.id}/questions/{second.id}/up")
    db.session.expire_all()
    assert [q.text for q in db.session.get(Bank, bank.id).questions] == ["second", "first"]
    post(f"/banks/{bank.id}/questions/{second.id}/down")
    db.session.expire_all()
    assert [q.text for q in db.session.get(Bank, bank.id).questions] == ["first", "second"]
    assert first.id


def test_filters_by_type_difficulty_and_tag(client, bank):
    easy = add_question(bank, "easy single")
    easy.difficulty, easy.tags = 1, ["history"]
    hard = add_question(
        bank, "hard truth", kind="true_false", options=(("对", True), ("错", False))
    )
    hard.difficulty, hard.tags = 3, ["law"]
    db.session.commit()
    url = f"/banks/{bank.id}"
    by_type = page(client.get(f"{url}?kind=true_false"))
    assert "hard truth" in by_type and "easy single" not in by_type
    by_level = page(client.get(f"{url}?difficulty=1"))
    assert "easy single" in by_level and "hard truth" not in by_level
    by_tag = page(client.get(f"{url}?tag=LAW"))
    assert "hard truth" in by_tag and "easy single" not in by_tag
    assert "No question matches these filters." in page(client.get(f"{url}?tag=none"))


# --- questions in use by quizzes ----------------------------------------------------------


def _quiz(title="End-of-course test"):
    quiz = Quiz(title=title)
    db.session.add(quiz)
    return quiz


def test_a_bank_a_quiz_draws_from_cannot_be_deleted(client, post, bank):
    add_question(bank)
    db.session.add(DrawRule(quiz=_quiz(), bank_id=bank.id, count=1))
    db.session.commit()
    confirm_page = page(client.get(f"/banks/{bank.id}/delete"))
    assert "quizzes use it" in confirm_page and "End-of-course test" in confirm_page
    response = post(f"/banks/{bank.id}/delete", {"confirm": "yes"})
    assert response.status_code == 400
    assert "Quizzes use it: End-of-course test." in page(response)
    assert question_count(bank.id) == 1


def test_an_answered_question_is_retired_not_deleted(client, post, bank, instructor):
    question = add_question(bank, options=(("2", True), ("3", False), ("4", False)))
    attempt = QuizAttempt(quiz=_quiz(), user_id=instructor.id)
    db.session.add(AttemptQuestion(attempt=attempt, question_id=question.id))
    db.session.commit()
    response = post(f"/banks/{bank.id}/questions/{question.id}/delete")
    assert "retire questions instead" in page(client.get(response.headers["Location"]))
    assert question_count() == 1
    # Its options stay: attempts point at them.
    data = {**BASE, "text": "1 + 1 = ?", **options("2", "3"), "correct": "0"}
    response = post(f"/banks/{bank.id}/questions/{question.id}", data)
    assert response.status_code == 400
    assert "its options cannot be removed" in page(response)
    assert len(only_question().options) == 3
    # Rewording keeps every option and is allowed.
    data = {**data, **options("two", "three", "four")}
    assert post(f"/banks/{bank.id}/questions/{question.id}", data).status_code == 302
    assert post(f"/banks/{bank.id}/delete", {"confirm": "yes"}).status_code == 400
    assert question_count() == 1


def test_moving_skips_retired_questions_hidden_from_the_list(post, bank):
    first, hidden, last = (add_question(bank, text) for text in ("first", "hidden", "last"))
    hidden.is_retired = True
    for question in (first, hidden, last):
        question.position = 0  # as if written without positions: the move numbers them
    db.session.commit()
    post(f"/banks/{bank.id}/questions/{last.id}/up")
    db.session.expire_all()
    in_use = [q.text for q in db.session.get(Bank, bank.id).questions if not q.is_retired]
    assert in_use == ["last", "first"]
