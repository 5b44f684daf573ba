"""A cadre evaluates a completed course in a real browser, from the course page."""

from sqlalchemy import select

from lms.evaluation.models import EvaluationAnswer, EvaluationSubmission
from lms.evaluation.questionnaires import current_questionnaire
from lms.extensions import db
from tests.evaluation.conftest import bureau, complete, course, teacher  # noqa: F401 - fixtures


def test_a_cadre_evaluates_a_completed_course(
    page,
    live_server,
    browser_login,
    make_user,
    course,  # noqa: F811
    bureau,  # noqa: F811
):
    cadre = make_user("learner", unit=bureau)
    complete(cadre, course)
    questions = current_questionnaire().questions
    db.session.commit()
    browser_login(cadre)
    page.goto(f"{live_server}/courses/{course.id}")
    page.click(f"[data-course-evaluation] a[href='/evaluation/courses/{course.id}']")
    page.wait_for_selector("form input[name='version']", state="attached")

    rated = [q for q in questions if q.is_rating]
    comment = next(q for q in questions if not q.is_rating)
    # Two ratings only: the page refuses and keeps what was chosen and written.
    page.check(f"input[name='q-{rated[0].id}'][value='5']")
    page.check(f"input[name='q-{rated[1].id}'][value='4']")
    page.fill(f"#q-{comment.id}", "多讲些基层案例")
    page.click("form button.primary")
    page.wait_for_selector(".has-error")
    assert page.is_checked(f"input[name='q-{rated[0].id}'][value='5']")
    assert page.input_value(f"#q-{comment.id}") == "多讲些基层案例"

    page.check(f"input[name='q-{rated[2].id}'][value='3']")
    page.click("form button.primary")
    page.wait_for_url(f"{live_server}/courses/{course.id}")
    assert "您已评价本课程" in page.inner_text("[data-course-evaluation]")

    db.session.expire_all()
    assert db.session.scalar(select(EvaluationSubmission.user_id)) == cadre.id
    stored = dict(
        db.session.execute(select(EvaluationAnswer.question_id, EvaluationAnswer.rating)).all()
    )
    assert [stored[q.id] for q in rated] == [5, 4, 3]
    assert (
        db.session.scalar(
            select(EvaluationAnswer.text).where(EvaluationAnswer.question_id == comment.id)
        )
        == "多讲些基层案例"
    )
