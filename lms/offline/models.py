"""Offline training records, exemptions, and the audit log of their changes."""

import enum
from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from lms.core.timeutil import utcnow
from lms.extensions import db


class TrainingType(enum.StrEnum):
    PARTY_SCHOOL = "party_school"
    WEEKEND_CLASS = "weekend_class"
    UNIVERSITY_COURSE = "university_course"
    TRAINING_ABROAD = "training_abroad"
    SECONDMENT = "secondment"
    ONLINE_LIVE = "online_live"
    OTHER = "other"


class ReviewStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class ExemptionKind(enum.StrEnum):
    LEAVE = "leave"
    ILLNESS = "illness"
    SECONDMENT_ABROAD = "secondment_abroad"
    OTHER = "other"


class ExemptionEffect(enum.StrEnum):
    WAIVE = "waive"  # the year's quota is waived
    PRORATE = "prorate"  # reduced by the exempted share of the year's days


class Evidence(db.Model):
    """An uploaded evidence file; several records recorded together share one."""

    __tablename__ = "offline_evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Relative to the instance folder's ``offline_evidence``; a generated name, never the user's.
    stored_name: Mapped[str] = mapped_column(String(100))
    original_name: Mapped[str] = mapped_column(String(255))
    extension: Mapped[str] = mapped_column(String(10))
    size_bytes: Mapped[int] = mapped_column()
    uploaded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class _Reviewed:
    """What a second supervisor approves, a cadre's period of training or of exemption: whose
    it is, its dates, its status and who did what when."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    start_date: Mapped[date] = mapped_column()
    end_date: Mapped[date] = mapped_column()
    status: Mapped[str] = mapped_column(String(20), default=ReviewStatus.PENDING.value, index=True)
    recorded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), index=True
    )
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The last one who changed it: neither they nor the recorder may approve it.
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Who approved or rejected it, and when; cleared when an edit sends it back to pending.
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    reviewed_at: Mapped[datetime | None] = mapped_column()
    review_note: Mapped[str] = mapped_column(String(500), default="")

    @declared_attr
    def user(cls):
        return relationship("User", foreign_keys=f"{cls.__name__}.user_id")

    @declared_attr
    def recorded_by(cls):
        return relationship("User", foreign_keys=f"{cls.__name__}.recorded_by_id")

    @declared_attr
    def reviewed_by(cls):
        return relationship("User", foreign_keys=f"{cls.__name__}.reviewed_by_id")

    @property
    def is_approved(self) -> bool:
        return self.status == ReviewStatus.APPROVED.value


class OfflineTraining(_Reviewed, db.Model):
    """One cadre's offline training (a class, a course, a secondment...); counts once approved."""

    __tablename__ = "offline_training"
    __table_args__ = (Index("ix_offline_training_user_end", "user_id", "end_date"),)

    training_type: Mapped[str] = mapped_column(String(30))
    title: Mapped[str] = mapped_column(String(200))
    provider: Mapped[str] = mapped_column(String(200), default="")
    # Both figures are stored, from whichever was entered, with LMS_HOURS_PER_TRAINING_DAY.
    hours: Mapped[float] = mapped_column()
    days: Mapped[float] = mapped_column()
    entered_in_days: Mapped[bool] = mapped_column(default=False)
    evidence_id: Mapped[int | None] = mapped_column(
        ForeignKey("offline_evidence.id", ondelete="SET NULL"), index=True
    )

    evidence = relationship("Evidence")


class Exemption(_Reviewed, db.Model):
    """A period a cadre is excused from training (leave, illness, secondment abroad...)."""

    __tablename__ = "offline_exemption"
    __table_args__ = (Index("ix_offline_exemption_user_start", "user_id", "start_date"),)

    kind: Mapped[str] = mapped_column(String(30))
    reason: Mapped[str] = mapped_column(String(500), default="")
    effect: Mapped[str] = mapped_column(String(20), default=ExemptionEffect.PRORATE.value)


class AuditEntry(db.Model):
    """One change to an offline record or an exemption; kept when the record is deleted."""

    __tablename__ = "audit_entry"
    __table_args__ = (Index("ix_audit_entry_entity", "entity_type", "entity_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), index=True
    )
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    action: Mapped[str] = mapped_column(String(20))
    entity_type: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[int] = mapped_column()
    # The cadre the entity is about: the unit-scoped audit list follows their unit.
    subject_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), index=True
    )
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)

    actor = relationship("User", foreign_keys=[actor_id])
    subject = relationship("User", foreign_keys=[subject_user_id])
