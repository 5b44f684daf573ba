"""Who may read a course's evaluation results and health: its instructors, supervisors and
administrators (docs/architecture.md: one permission helper per question)."""

from lms.accounts.models import Role
from lms.courses.access import teaches


def can_see_results(user, course) -> bool:
    if user.is_admin or user.has_role(Role.SUPERVISOR):
        return True
    return user.has_role(Role.INSTRUCTOR) and teaches(user, course)
