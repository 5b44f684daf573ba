"""What quizzes make of a bank's questions: the quizzes that list or draw them and the attempts
that answered them. The banks feature asks (``lms.banks.editing.register_usage_source``)
before deleting a bank or a question, or removing an answered question's options."""

from sqlalchemy import Select, func, select

from lms.banks.editing import Usage
from lms.extensions import db
from lms.quizzes.models import AttemptQuestion, DrawRule, Quiz, QuizQuestion


def usage_of(question_ids: Select, bank_id: int | None) -> Usage:
    """The titles of the quizzes that list the questions ``question_ids`` selects (or draw
    from bank ``bank_id``), and how many attempt items asked them."""
    uses = select(QuizQuestion.quiz_id).where(QuizQuestion.question_id.in_(question_ids))
    if bank_id is not None:
        uses = uses.union(select(DrawRule.quiz_id).where(DrawRule.bank_id == bank_id))
    titles = db.session.scalars(
        select(Quiz.title).where(Quiz.id.in_(uses.scalar_subquery())).order_by(Quiz.title)
    ).all()
    attempts = db.session.scalar(
        select(func.count(AttemptQuestion.id)).where(AttemptQuestion.question_id.in_(question_ids))
    )
    return Usage(list(titles), attempts or 0)
