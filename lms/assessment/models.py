"""Assessment formulas (versioned, never edited), runs and their per-cadre results (snapshots)."""

from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.core.timeutil import utcnow
from lms.extensions import db


class AssessmentFormula(db.Model):
    """One version of the formula; saving a change adds a version, so runs keep theirs."""

    __tablename__ = "assessment_formula"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(unique=True)
    online_weight: Mapped[float] = mapped_column()
    required_weight: Mapped[float] = mapped_column()
    offline_weight: Mapped[float] = mapped_column()
    quiz_weight: Mapped[float] = mapped_column()
    excellent_from: Mapped[float] = mapped_column()
    competent_from: Mapped[float] = mapped_column()
    basic_from: Mapped[float] = mapped_column()
    quota_unmet_fails: Mapped[bool] = mapped_column()
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    created_by = relationship("User")


class AssessmentRun(db.Model):
    """A run for a year over a unit's subtree (or everyone); its results never change."""

    __tablename__ = "assessment_run"
    __table_args__ = (UniqueConstraint("year", "scope_key", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id", ondelete="SET NULL"))
    # "all" or "unit:<id>": runs of the same year and scope are numbered 1, 2, ...
    scope_key: Mapped[str] = mapped_column(String(40))
    version: Mapped[int] = mapped_column()
    scope_name: Mapped[str] = mapped_column(String(500))  # the unit's path when run
    formula_id: Mapped[int] = mapped_column(ForeignKey("assessment_formula.id"))
    formula: Mapped[dict] = mapped_column(JSON)  # the figures used, copied
    window_start: Mapped[date] = mapped_column()  # local dates whose hours count
    window_end: Mapped[date] = mapped_column()
    run_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    run_at: Mapped[datetime] = mapped_column(default=utcnow)
    cadre_count: Mapped[int] = mapped_column(default=0)
    band_counts: Mapped[dict] = mapped_column(JSON, default=dict)

    run_by = relationship("User")
    unit = relationship("Unit")


class AssessmentResult(db.Model):
    """One cadre's result in a run, with everything it was computed from."""

    __tablename__ = "assessment_result"
    __table_args__ = (
        UniqueConstraint("run_id", "user_id"),
        Index("ix_assessment_result_user", "user_id", "run_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("assessment_run.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    # As they were when the run was made (people move and rename).
    display_name: Mapped[str] = mapped_column(String(100))
    personnel_number: Mapped[str] = mapped_column(String(40))
    unit_path: Mapped[str] = mapped_column(String(500))
    inputs: Mapped[dict] = mapped_column(JSON)
    terms: Mapped[dict] = mapped_column(JSON)
    total: Mapped[float] = mapped_column()
    band: Mapped[str] = mapped_column(String(20))
    lines: Mapped[list] = mapped_column(JSON)

    run = relationship("AssessmentRun")
