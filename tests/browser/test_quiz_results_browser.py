"""A quiz's results page in a real browser: the distribution chart draws, flags show."""

from tests.quizzes.conftest import (  # noqa: F401 - fixtures
    bank,
    course,
    graded,
    make_quiz,
    teacher,
    units,
)


def test_results_page_draws_the_distribution(
    page,
    live_server,
    browser_login,
    graded,  # noqa: F811
    teacher,  # noqa: F811
):
    quiz, _cadres = graded
    browser_login(teacher)
    page.goto(f"{live_server}/quizzes/{quiz.id}/results")
    page.wait_for_selector("canvas[data-chart][data-chart-ready]")
    flagged = page.locator("tr.flagged")
    assert flagged.count() == 1
    assert "成绩差的考生反而比成绩好的考生答得好" in flagged.inner_text()
    page.screenshot(path="/tmp/h5_results.png", full_page=True)
