"""Who manages which bank: the one check of the bank pages and of quizzes drawing from banks."""

from sqlalchemy import func, or_, select, true

from lms.accounts.models import Role
from lms.banks.models import Bank, Question
from lms.courses.models import Course, course_instructor
from lms.extensions import db


def _teaches_course(user_id: int):
    return (
        select(course_instructor.c.course_id)
        .where(course_instructor.c.user_id == user_id)
        .scalar_subquery()
    )


def visible_bank_clause(user):
    """A SQL condition: the banks ``user`` manages (admins all; instructors their own and
    those of the courses they teach; everyone else none)."""
    if user.is_admin:
        return true()
    if not user.has_role(Role.INSTRUCTOR):
        return Bank.id.is_(None)
    return or_(Bank.owner_id == user.id, Bank.course_id.in_(_teaches_course(user.id)))


def can_manage_bank(user, bank: Bank) -> bool:
    return (
        db.session.scalar(select(func.count()).where(Bank.id == bank.id, visible_bank_clause(user)))
        == 1
    )


def bank_list_query(user, search: str = ""):
    """(Bank, question count) rows the user manages, optionally searched by title."""
    count = (
        select(func.count(Question.id))
        .where(Question.bank_id == Bank.id, Question.is_retired.is_(False))
        .correlate(Bank)
        .scalar_subquery()
    )
    query = select(Bank, count.label("question_count")).where(visible_bank_clause(user))
    if search:
        query = query.where(Bank.title.ilike(f"%{escape_like(search)}%", escape="\\"))
    return query.order_by(Bank.title, Bank.id)


def escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def course_choices(user, current: Course | None = None) -> list[Course]:
    """Courses a bank may belong to: those the user teaches (admins: all), plus its current."""
    query = select(Course).order_by(Course.title, Course.id)
    if not user.is_admin:
        query = query.where(Course.id.in_(_teaches_course(user.id)))
    courses = list(db.session.scalars(query))
    if current is not None and current not in courses:
        courses.append(current)
    return courses


def bank_label(bank: Bank, locale: str | None = None) -> str:
    """How a bank is named where one is picked: two banks may share a title (different
    owners), so its course or content category and its owner go with it."""
    parts = [bank.title]
    if bank.course is not None:
        parts.append(bank.course.title)
    elif bank.content_category is not None:
        parts.append(bank.content_category.display_name(locale))
    if bank.owner is not None:
        parts.append(bank.owner.display_name)
    return " · ".join(parts)
