"""A standalone exam's results page for the instructor who made and edits it (issue 14's
walkthrough found it a 404)."""

from sqlalchemy import select

from lms.extensions import db
from lms.quizzes.models import Quiz


def test_the_instructor_who_made_an_exam_opens_its_results(client, login, post, teacher):
    login(teacher)
    response = post(
        "/quizzes/new",
        {
            "title": "Annual theory exam",
            "counting_rule": "highest",
            "pass_percent": "60",
            "reveal": "after_close",
        },
    )
    assert response.status_code == 302
    exam = db.session.scalar(select(Quiz).where(Quiz.title == "Annual theory exam"))
    assert exam.is_exam and exam.course_id is None
    edit = client.get(f"/quizzes/{exam.id}/edit", headers={"Accept-Language": "en"})
    assert edit.status_code == 200
    detail = client.get(f"/quizzes/{exam.id}", headers={"Accept-Language": "en"})
    assert detail.status_code == 200
    assert f"/quizzes/{exam.id}/results" in detail.get_data(as_text=True)
    results = client.get(f"/quizzes/{exam.id}/results", headers={"Accept-Language": "en"})
    assert results.status_code == 200


def test_the_bank_pickers_tell_banks_of_one_title_apart(client, login, make_quiz, make_user, bank):
    """Two owners may each have a bank named "Party history": the quiz page's pickers name
    each with its course or category and its owner."""
    from lms.banks.models import Bank

    quiz = make_quiz()
    other = make_user("other_teacher", roles=["instructor"], display_name="Li Ming")
    db.session.add(Bank(title="Party history", owner_id=other.id))
    db.session.commit()
    login(make_user("root", roles=["admin"]))
    html = client.get(f"/quizzes/{quiz.id}/edit", headers={"Accept-Language": "en"}).get_data(
        as_text=True
    )
    picker = html[
        html.index('id="pick-bank"') : html.index("</select>", html.index('id="pick-bank"'))
    ]
    labels = [label.strip() for label in picker.split("</option>")[:-1]]
    assert any(
        label.endswith(f"Party history · Party spirit · {bank.owner.display_name}")
        for label in labels
    )
    assert any(label.endswith("Party history · Li Ming") for label in labels)
    draw_picker = html[html.index('id="bank_id"') :]
    assert "Party history · Li Ming" in draw_picker[: draw_picker.index("</select>")]
