"""Teachers and the dated, reasoned changes of their status."""

import enum
from datetime import date, datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.core.timeutil import utcnow
from lms.extensions import db


class TeacherKind(enum.StrEnum):
    INTERNAL = "internal"  # party school, departments
    INVITED = "invited"  # universities, provincial and city party schools, experts


class TeacherStatus(enum.StrEnum):
    CANDIDATE = "candidate"
    PROBATION = "probation"  # 试讲: a trial lecture and its evaluation
    SELECTED = "selected"  # for the current cycle
    RETIRED = "retired"


class Teacher(db.Model):
    __tablename__ = "faculty_teacher"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(20), default=TeacherKind.INTERNAL.value)
    # The account they teach online with, if any (not unique: a merge of two cadre records
    # simply points both at the kept account).
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), index=True
    )
    title: Mapped[str] = mapped_column(String(100), default="")  # e.g. professor, 副教授
    organization: Mapped[str] = mapped_column(String(200), default="")
    subjects: Mapped[str] = mapped_column(String(500), default="")
    contact: Mapped[str] = mapped_column(String(200), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default=TeacherStatus.CANDIDATE.value)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user = relationship("User")
    changes = relationship(
        "TeacherStatusChange",
        back_populates="teacher",
        order_by="(TeacherStatusChange.effective_on.desc(), TeacherStatusChange.id.desc())",
        cascade="all, delete-orphan",
    )


class TeacherStatusChange(db.Model):
    """One change of a teacher's status: from what to what, from which day, and why."""

    __tablename__ = "faculty_status_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    teacher_id: Mapped[int] = mapped_column(
        ForeignKey("faculty_teacher.id", ondelete="CASCADE"), index=True
    )
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    effective_on: Mapped[date] = mapped_column()
    reason: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)

    teacher = relationship("Teacher", back_populates="changes")
    recorded_by = relationship("User")
