"""Services the quiz feature uses: the banks a user may use, and questions to draw from."""

from sqlalchemy import select

from lms.banks.access import visible_bank_clause
from lms.banks.editing import questions_for_draw
from lms.banks.models import Bank
from lms.courses.models import Course
from lms.extensions import db
from tests.banks.conftest import add_question


def test_visible_banks_of_each_role(make_user):
    teacher = make_user("teacher", roles=["instructor"])
    colleague = make_user("colleague", roles=["instructor"])
    admin = make_user("root", roles=["admin"])
    cadre = make_user("learner", roles=["cadre"])
    course = Course(title="Taught together", instructors=[teacher, colleague])
    own = Bank(title="A own", owner=teacher)
    shared_course = Bank(title="B course", owner=colleague, course=course)
    foreign = Bank(title="C foreign", owner=colleague)
    db.session.add_all([own, shared_course, foreign])
    db.session.commit()

    def titles(user):
        visible = select(Bank).where(visible_bank_clause(user)).order_by(Bank.title, Bank.id)
        return [bank.title for bank in db.session.scalars(visible)]

    assert titles(teacher) == ["A own", "B course"]
    assert titles(colleague) == ["B course", "C foreign"]
    assert titles(admin) == ["A own", "B course", "C foreign"]
    assert titles(cadre) == []


def test_questions_for_draw_skips_retired_and_filters(make_user):
    owner = make_user("teacher", roles=["instructor"])
    first, second, other = (Bank(title=t, owner=owner) for t in ("first", "second", "other"))
    db.session.add_all([first, second, other])
    db.session.commit()
    easy = add_question(first, "easy")
    easy.difficulty, easy.tags = 1, ["Law", "history"]
    hard = add_question(second, "hard")
    hard.difficulty, hard.tags = 3, ["law"]
    retired = add_question(first, "retired")
    retired.is_retired = True
    add_question(other, "elsewhere")
    db.session.commit()

    def texts(**kwargs):
        return sorted(q.text for q in questions_for_draw([first.id, second.id], **kwargs))

    assert texts() == ["easy", "hard"]
    assert texts(tags=["LAW"]) == ["easy", "hard"]
    assert texts(tags=["history"]) == ["easy"]
    assert texts(difficulty=3) == ["hard"]
    assert texts(difficulty=[1, 2]) == ["easy"]
    assert questions_for_draw([]) == []
