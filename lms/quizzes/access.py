"""Who may manage or take a quiz, and which banks a quiz may use."""

from sqlalchemy import or_, select

from lms.accounts.models import Role
from lms.banks.access import visible_bank_clause
from lms.banks.models import Bank
from lms.courses import access as course_services
from lms.courses.models import Course
from lms.extensions import db
from lms.quizzes.assignments import assigned_quiz_ids
from lms.quizzes.models import (
    Quiz,
)


def can_manage_quiz(user, quiz: Quiz | None) -> bool:
    """Admins manage every quiz; instructors course tests of courses they teach and their exams."""
    if quiz is None:
        return False
    if user.is_admin:
        return True
    if not user.has_role(Role.INSTRUCTOR):
        return False
    if quiz.course is not None:
        return course_services.teaches(user, quiz.course)
    return quiz.created_by_id == user.id


def can_take_quiz(user, quiz: Quiz | None) -> bool:
    """Published course tests of visible courses; published exams assigned to the user.

    Their managers may always take (preview) them.
    """
    if quiz is None:
        return False
    if can_manage_quiz(user, quiz):
        return True
    if not quiz.is_published:
        return False
    if quiz.course is not None:
        return course_services.can_see_course(user, quiz.course)
    return quiz.id in assigned_quiz_ids(user)


def manageable_quizzes_query(user):
    """A select of the quizzes ``user`` manages, newest first."""
    query = select(Quiz).order_by(Quiz.id.desc())
    if user.is_admin:
        return query
    taught = select(Course.id).where(course_services._taught_by(user.id))
    return query.where(
        or_(
            Quiz.course_id.in_(taught),
            (Quiz.course_id.is_(None)) & (Quiz.created_by_id == user.id),
        )
    )


def usable_banks_query(user, quiz: Quiz):
    """Banks whose questions ``quiz`` may use: only banks the user may open (their own and
    those of the courses they teach; admins all). A bank the user gets 404 for would
    otherwise hand its answer key over through the picker and the quiz's preview."""
    # The same for every quiz its manager edits: a course's banks are the banks of a course
    # they teach (can_manage_quiz), which the user may already open.
    return select(Bank).where(visible_bank_clause(user)).order_by(Bank.title, Bank.id)


def can_use_bank(user, quiz: Quiz, bank: Bank | None) -> bool:
    if bank is None:
        return False
    usable = usable_banks_query(user, quiz).with_only_columns(Bank.id)
    return bank.id in set(db.session.scalars(usable))


def course_quizzes(course_id: int, user) -> list[Quiz]:
    """The course's quizzes ``user`` may take (published ones, all for its managers)."""
    quizzes = db.session.scalars(
        select(Quiz).where(Quiz.course_id == course_id).order_by(Quiz.id)
    ).all()
    return [quiz for quiz in quizzes if can_take_quiz(user, quiz)]
