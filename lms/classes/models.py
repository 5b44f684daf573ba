"""Classes, their sessions, the blackout periods, seat quotas per unit and the members."""

import enum
from datetime import date, datetime, time

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.core.timeutil import utcnow
from lms.extensions import db
from lms.plans.models import AudienceMixin


class ClassType(enum.StrEnum):
    WEEKEND = "weekend"  # 周末班
    SEMINAR = "seminar"  # 专题研讨班
    INITIAL = "initial"  # 初任培训
    APPOINTMENT = "appointment"  # 任职培训
    ON_THE_JOB = "on_the_job"  # 在职培训
    KNOWLEDGE_UPDATE = "knowledge_update"  # 知识更新培训
    OTHER = "other"


class MemberStatus(enum.StrEnum):
    REQUESTED = "requested"  # signed up, waiting for a supervisor of their unit
    WAITING = "waiting"  # approved, on the waiting list for an open seat
    NOMINATED = "nominated"  # nominated into a unit's seat, waiting for the nominee
    CONFIRMED = "confirmed"  # holds a seat
    REFUSED = "refused"  # the supervisor refused the sign-up
    DECLINED = "declined"  # the nominee declined
    CANCELLED = "cancelled"  # gave up the place before the deadline


#: Statuses of a cadre who belongs to the class (what the overlap rule and "my classes" read).
ACTIVE_STATUSES = (
    MemberStatus.REQUESTED.value,
    MemberStatus.WAITING.value,
    MemberStatus.NOMINATED.value,
    MemberStatus.CONFIRMED.value,
)


class TrainingClass(AudienceMixin, db.Model):
    """A class: who runs it, where, for whom (an audience as the plan's), how many seats and
    until when one may sign up."""

    __tablename__ = "training_class"

    id: Mapped[int] = mapped_column(primary_key=True)
    class_type: Mapped[str] = mapped_column(String(30))
    title: Mapped[str] = mapped_column(String(200))
    organizer_unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    institution: Mapped[str] = mapped_column(String(200), default="")
    # The class manager (班主任): a role held for this class only, not a platform role.
    manager_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), index=True
    )
    venue: Mapped[str] = mapped_column(String(200), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    enrol_opens_on: Mapped[date] = mapped_column()
    enrol_closes_on: Mapped[date] = mapped_column()
    # Members may cancel their place until the end of this day (local time).
    cancel_until: Mapped[date] = mapped_column()
    capacity: Mapped[int] = mapped_column()
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    organizer_unit = relationship("Unit", foreign_keys=[organizer_unit_id])
    # The audience's unit (the mixin's relationship, told which of the two unit columns).
    unit = relationship("Unit", foreign_keys="TrainingClass.unit_id", lazy="joined")
    manager = relationship("User", foreign_keys=[manager_id])
    sessions = relationship(
        "ClassSession",
        back_populates="training_class",
        cascade="all, delete-orphan",
        order_by="(ClassSession.day, ClassSession.starts_at)",
    )
    quotas = relationship(
        "SeatQuota", back_populates="training_class", cascade="all, delete-orphan"
    )


class ClassSession(db.Model):
    """One session of a class: a day, a time (local), a room, a teacher and a topic."""

    __tablename__ = "class_session"
    __table_args__ = (Index("ix_class_session_class_day", "class_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("training_class.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(index=True)
    starts_at: Mapped[time] = mapped_column()
    ends_at: Mapped[time] = mapped_column()
    room: Mapped[str] = mapped_column(String(200), default="")
    teacher: Mapped[str] = mapped_column(String(200), default="")
    topic: Mapped[str] = mapped_column(String(300), default="")

    training_class = relationship("TrainingClass", back_populates="sessions")


class Blackout(db.Model):
    """Days on which no class may be scheduled (the district's key work periods)."""

    __tablename__ = "class_blackout"

    id: Mapped[int] = mapped_column(primary_key=True)
    starts_on: Mapped[date] = mapped_column()
    ends_on: Mapped[date] = mapped_column()
    reason: Mapped[str] = mapped_column(String(300))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SeatQuota(db.Model):
    """Seats the organizer sets aside for one unit; its supervisors nominate into them."""

    __tablename__ = "class_seat_quota"
    __table_args__ = (UniqueConstraint("class_id", "unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("training_class.id", ondelete="CASCADE"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="CASCADE"))
    seats: Mapped[int] = mapped_column()

    training_class = relationship("TrainingClass", back_populates="quotas")
    unit = relationship("Unit")


class ClassMember(db.Model):
    """A cadre's place in a class, from sign-up or nomination to a seat, the waiting list or
    an end (refused, declined, cancelled). One row per cadre and class, reused when they come
    back; the class's row lock guards it (lms.classes.seats)."""

    __tablename__ = "class_member"
    __table_args__ = (Index("ix_class_member_class_status", "class_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("training_class.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(20))
    # The unit whose seat quota the place comes from (a nomination); None: the open seats.
    quota_unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(String(500), default="")
    nominated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column()
    # Order of the waiting list: first in, first promoted.
    waiting_since: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    training_class = relationship("TrainingClass")
    user = relationship("User", foreign_keys=[user_id])
    quota_unit = relationship("Unit")
