"""Who may do what with a course: see it, edit it, teach it."""

from sqlalchemy import exists, or_, select, true

from lms.accounts.models import Role, User, UserRole
from lms.courses.models import Course, course_instructor
from lms.extensions import db


def teaches(user, course: Course) -> bool:
    return any(instructor.id == user.id for instructor in course.instructors)


def can_edit_course(user, course: Course) -> bool:
    """Admins edit every course; an instructor only the courses they teach."""
    return user.is_admin or (user.has_role(Role.INSTRUCTOR) and teaches(user, course))


def can_see_course(user, course: Course) -> bool:
    """Published courses are open to every logged-in user; drafts to their editors."""
    return course.is_published or can_edit_course(user, course)


def visible_course_clause(user):
    """A SQL condition: the courses ``user`` may see (published, or drafts they may edit)."""
    if user.is_admin:
        return true()
    if not user.has_role(Role.INSTRUCTOR):
        return Course.is_published.is_(True)
    return or_(Course.is_published.is_(True), _taught_by(user.id))


def _taught_by(user_id: int):
    return exists().where(
        course_instructor.c.course_id == Course.id, course_instructor.c.user_id == user_id
    )


def instructor_choices() -> list[User]:
    """Active users holding the instructor role, by name."""
    return list(
        db.session.scalars(
            select(User)
            .join(UserRole, UserRole.user_id == User.id)
            .where(UserRole.role == Role.INSTRUCTOR.value, User.is_active_account.is_(True))
            .order_by(User.display_name, User.id)
        )
    )
