"""A timed quiz in a real browser: answers save as they change, survive a closed tab, and count."""

from lms.extensions import db
from lms.quizzes.models import QuizAttempt
from tests.quizzes.conftest import (  # noqa: F401 - fixtures
    bank,
    cadre,
    correct_ids,
    course,
    make_quiz,
    questions_by_kind,
    teacher,
)


def _saved(tab, question_id):
    return tab.locator(f"[data-saved-for='{question_id}']")


def _answer_saved(tab, question_id, action):
    """Do ``action`` and wait for the answer's PUT to be accepted."""
    url = f"/answers/{question_id}"
    with tab.expect_response(lambda r: r.url.endswith(url) and r.request.method == "PUT") as put:
        action()
    assert put.value.status == 200, put.value.text()


def test_timed_quiz_saves_answers_across_a_closed_tab(
    page,
    live_server,
    browser_login,
    make_quiz,  # noqa: F811
    bank,  # noqa: F811
    cadre,  # noqa: F811
):
    quiz = make_quiz(time_limit_minutes=10, shuffle_options=True)
    q = questions_by_kind(bank)
    single, true_false, blank = q["single"], q["true_false"], q["fill_blank"]
    browser_login(cadre)
    page.on("dialog", lambda dialog: dialog.accept())  # "the timer starts now" and "submit?"
    page.goto(f"{live_server}/courses/{quiz.course_id}")
    page.click(f"a[href='/quizzes/{quiz.id}']")  # the quiz's rules, then start
    page.click(f"form[action='/quizzes/{quiz.id}/start'] button")
    page.wait_for_selector("form[data-quiz-attempt]")
    attempt_url = page.url

    # The countdown runs from the server's remaining time (10 minutes).
    timer = page.locator("[data-quiz-timer]")
    first = timer.inner_text()
    assert first.startswith("9:") or first == "10:00"
    page.wait_for_function(
        f"() => document.querySelector('[data-quiz-timer]').textContent != '{first}'"
    )

    _answer_saved(
        page,
        single.id,
        lambda: page.check(f"input[name='q{single.id}'][value='{correct_ids(single)[0]}']"),
    )
    # Keyboard only: focus the true/false option and press Space.
    right = correct_ids(true_false)[0]
    page.focus(f"input[name='q{true_false.id}'][value='{right}']")
    _answer_saved(page, true_false.id, lambda: page.keyboard.press("Space"))
    _answer_saved(page, blank.id, lambda: page.fill(f"#q{blank.id}", "人 民"))
    assert _saved(page, blank.id).inner_text() != ""
    assert page.locator("[data-quiz-status]").inner_text() != ""

    # The tab is closed mid-way; a new one finds the same attempt with the saved answers.
    context = page.context
    page.close()
    tab = context.new_page()
    session = db.session()
    tab.on("request", lambda _request: session.commit())
    tab.on("dialog", lambda dialog: dialog.accept())
    tab.goto(f"{live_server}/quizzes/{quiz.id}")
    tab.click(f"form[action='/quizzes/{quiz.id}/start'] button")  # resume
    tab.wait_for_selector("form[data-quiz-attempt]")
    assert tab.url == attempt_url
    assert tab.is_checked(f"input[name='q{single.id}'][value='{correct_ids(single)[0]}']")
    assert tab.is_checked(f"input[name='q{true_false.id}'][value='{right}']")
    assert tab.input_value(f"#q{blank.id}") == "人 民"

    tab.click("[data-quiz-submit]")
    tab.wait_for_selector("[data-quiz-score]")
    db.session.commit()
    attempt = db.session.query(QuizAttempt).one()
    # Single (2 points), true/false (1) and the blank (1): 4 of 7; the multiple was left blank.
    assert attempt.status == "graded" and attempt.score == 4.0
    assert tab.get_attribute("[data-quiz-score]", "data-quiz-score") == "4"
    assert "%" in tab.inner_text("[data-quiz-score]")
    tab.close()
