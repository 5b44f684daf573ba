"""Adding and editing teachers, and changing their status with a date and a reason."""

from datetime import date

from flask_babel import gettext as _

from lms.core.errors import LmsError
from lms.extensions import db
from lms.faculty.models import Teacher, TeacherStatus, TeacherStatusChange
from lms.faculty.rules import may_move

FIELDS = ("name", "kind", "user_id", "title", "organization", "subjects", "contact", "notes")


class FacultyError(LmsError):
    """A change to the teacher library the rules refuse."""


def create_teacher(actor, values: dict, today: date) -> Teacher:
    """A new teacher, a candidate from ``today`` (the first line of their history)."""
    teacher = Teacher(**{name: values.get(name) for name in FIELDS if name in values})
    teacher.status = TeacherStatus.CANDIDATE.value
    teacher.changes = [
        TeacherStatusChange(
            from_status=None,
            to_status=TeacherStatus.CANDIDATE.value,
            effective_on=today,
            reason=values.get("reason") or "",
            recorded_by_id=actor.id,
        )
    ]
    db.session.add(teacher)
    db.session.flush()
    return teacher


def update_teacher(teacher: Teacher, values: dict) -> None:
    for name in FIELDS:
        if name in values:
            setattr(teacher, name, values[name])
    db.session.flush()


def change_status(actor, teacher: Teacher, new: str, effective_on: date, reason: str) -> None:
    """Move ``teacher`` to ``new`` from ``effective_on``, with the reason recorded."""
    if not may_move(teacher.status, new):
        raise FacultyError(_("This status cannot follow the teacher's current one."))
    if not reason.strip():
        raise FacultyError(_("Give the reason for the change."))
    latest = teacher.changes[0].effective_on if teacher.changes else None
    if latest is not None and effective_on < latest:
        raise FacultyError(
            _("The change cannot take effect before the previous one (%(day)s).", day=latest)
        )
    teacher.changes.insert(
        0,
        TeacherStatusChange(
            from_status=teacher.status,
            to_status=new,
            effective_on=effective_on,
            reason=reason.strip(),
            recorded_by_id=actor.id,
        ),
    )
    teacher.status = new
    db.session.flush()
